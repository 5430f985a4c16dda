-- DfE children's social work workforce: agency worker rate = FTE agency child and family social
-- workers / FTE of all (agency and employed) in post at the period end. SW and SP roles.
select sum(case when s.staf_is_agency then coalesce(p.prof_full_time_equivalency, 1.0) else 0 end) as numerator,
       sum(coalesce(p.prof_full_time_equivalency, 1.0)) as denominator
from ext_staff s
left join ssd_professionals p on p.prof_professional_id = s.staf_professional_id
where s.staf_role in ('SW', 'SP')
  and s.staf_start_date <= :as_at
  and (s.staf_leave_date is null or s.staf_leave_date > :as_at)
