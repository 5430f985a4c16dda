-- DfE children's social work workforce: caseload per full-time equivalent (FTE) child and family
-- social worker holding cases. Workers here: social workers and senior practitioners (SW, SP) in
-- post at the period end with at least one allocated child; FTE from ssd_professionals.
with holders as (
    select a.worker_id, count(*) as cases
    from {{ allocation_at(':as_at') }} a
    join ext_staff s on s.staf_professional_id = a.worker_id
    where s.staf_role in ('SW', 'SP')
      and s.staf_start_date <= :as_at and (s.staf_leave_date is null or s.staf_leave_date > :as_at)
    group by a.worker_id
)

select coalesce(sum(h.cases), 0) as numerator,
       sum(coalesce(p.prof_full_time_equivalency, 1.0)) as denominator
from holders h
left join ssd_professionals p on p.prof_professional_id = h.worker_id
