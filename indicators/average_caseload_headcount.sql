-- The same caseload per worker holding cases, by headcount (shown beside the FTE figure).
with holders as (
    select a.worker_id, count(*) as cases
    from {{ allocation_at(':as_at') }} a
    join ext_staff s on s.staf_professional_id = a.worker_id
    where s.staf_role in ('SW', 'SP')
      and s.staf_start_date <= :as_at and (s.staf_leave_date is null or s.staf_leave_date > :as_at)
    group by a.worker_id
)

select coalesce(sum(h.cases), 0) as numerator, count(*) as denominator
from holders h
