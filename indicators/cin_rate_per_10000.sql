select count(*) as numerator, cast(null as integer) as denominator
from {{ open_cases_at(':as_at') }} o
