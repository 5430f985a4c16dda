select sum(case when exists (
               select 1 from ssd_cla_visits v
               where v.clav_person_id = l.person_id
                 and v.clav_cla_visit_date <= :as_at
                 and v.clav_cla_visit_seen = 'Y'
                 and v.clav_cla_visit_date >= {{ add_days(':as_at', -42) }})
           then 1 else 0 end) as numerator,
       count(*) as denominator
from {{ looked_after_at(':as_at') }} l
where l.entered_care < {{ add_days(':as_at', -42) }}
