-- The agency share by headcount (shown beside the FTE rate).
select sum(case when s.staf_is_agency then 1 else 0 end) as numerator, count(*) as denominator
from ext_staff s
where s.staf_role in ('SW', 'SP')
  and s.staf_start_date <= :as_at
  and (s.staf_leave_date is null or s.staf_leave_date > :as_at)
