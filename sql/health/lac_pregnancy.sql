-- One row per pregnancy notified in the 12 months to the period end for a young woman who was
-- looked after when it was notified.
select
    p.preg_id as pregnancy_id,
    p.preg_person_id as person_id,
    {{ child_name('per') }} as young_person,
    {{ age_years('per.pers_dob', 'p.preg_notified_date') }} as age_at_notification,
    t.team_id,
    t.team_name,
    p.preg_notified_date as notified_date,
    p.preg_expected_date as expected_date,
    case when p.preg_expected_date > :period_end then 'Pregnant' else 'Expected date passed' end as status,
    case when p.preg_notified_date >= :period_start then 1 else 0 end as notified_in_period,
    case when p.preg_expected_date > :period_end then 1 else 0 end as is_current
from ext_lac_pregnancies p
join ssd_person per on per.pers_person_id = p.preg_person_id
{{ allocation_joins('p.preg_person_id', ':as_at') }}
where p.preg_notified_date > {{ months_before(':period_end', 12) }}
  and p.preg_notified_date <= :period_end
  and exists (select 1 from ssd_cla_episodes e
               where e.clae_person_id = p.preg_person_id
                 and e.clae_cla_episode_start_date <= p.preg_notified_date
                 and (e.clae_cla_episode_ceased_date is null or e.clae_cla_episode_ceased_date > p.preg_notified_date))
  and not {{ short_breaks_on('p.preg_person_id', 'p.preg_notified_date') }}
order by p.preg_notified_date, p.preg_id
