select count(distinct l.person_id) as numerator, cast(null as integer) as denominator
from {{ looked_after_at(':as_at') }} l
