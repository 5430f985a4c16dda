select count(distinct p.person_id) as numerator, cast(null as integer) as denominator
from {{ cp_plans_at(':as_at') }} p
