select count(distinct e.clae_cla_id) as numerator, cast(null as integer) as denominator
from ssd_cla_episodes e
where e.clae_entered_care_date between :period_start and :period_end
  and e.clae_cla_episode_start_date = e.clae_entered_care_date
  and not {{ short_breaks_on('e.clae_person_id', 'e.clae_entered_care_date') }}
