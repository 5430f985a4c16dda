select sum(case when pl.clap_cla_placement_start_date <= {{ add_days(':as_at', -730) }} then 1 else 0 end)
           as numerator,
       count(*) as denominator
from {{ looked_after_at(':as_at') }} l
join ssd_person per on per.pers_person_id = l.person_id
join ssd_cla_placement pl on pl.clap_cla_placement_id = l.placement_id
where l.entered_care <= {{ add_days(':as_at', -913) }}
  and {{ age_years('per.pers_dob', ':as_at') }} < 16
