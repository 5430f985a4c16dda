-- DfE (Outcomes for children looked after): of children looked after continuously for at least 12
-- months at the period end, those whose health assessment was done in the 12 months to it.
-- 12 calendar months: on or after the same date a year earlier.
select sum(case when exists (
               select 1 from ssd_cla_health h
               where h.clah_person_id = l.person_id
                 and h.clah_health_check_type = 'Health assessment'
                 and h.clah_health_check_status = 'Completed'
                 and h.clah_health_check_date <= :as_at
                 and h.clah_health_check_date > {{ months_before(':as_at', 12) }})
           then 1 else 0 end) as numerator,
       count(*) as denominator
from {{ looked_after_at(':as_at') }} l
where l.entered_care <= {{ months_before(':as_at', 12) }}
