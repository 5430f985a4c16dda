select sum(case when exists (
               select 1 from ssd_cla_health h
               where h.clah_person_id = l.person_id
                 and h.clah_health_check_type = 'Health assessment'
                 and h.clah_health_check_status = 'Completed'
                 and h.clah_health_check_date <= :as_at
                 and h.clah_health_check_date > {{ add_days(':as_at', -365) }})
           then 1 else 0 end) as numerator,
       count(*) as denominator
from {{ looked_after_at(':as_at') }} l
where l.entered_care <= {{ add_days(':as_at', -365) }}
