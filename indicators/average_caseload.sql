select count(*) as numerator, count(distinct a.worker_id) as denominator
from {{ allocation_at(':as_at') }} a
join ext_staff s on s.staf_professional_id = a.worker_id
where s.staf_role in ('SW', 'SP')
