-- One row per child looked after at any time in the period: whether they started or ceased to be
-- looked after in the period, their placement (address checked or not), school, education
-- consultant and SEN/EHCP status.
with lac as materialized (
    select x.person_id, x.entered_care,
           (select e.clae_cla_placement_id from ssd_cla_episodes e
             where e.clae_person_id = x.person_id and e.clae_cla_episode_start_date <= :period_end
             order by e.clae_cla_episode_start_date desc limit 1) as placement_id
    from {{ looked_after_between(':period_start', ':period_end') }} x
),

ceased as (
    select c.person_id, max(c.ceased) as ceased, max(c.ceased_reason) as ceased_reason
    from {{ care_ended_between(':period_start', ':period_end') }} c
    group by c.person_id
),

started as (
    select e.clae_person_id as person_id, min(e.clae_entered_care_date) as started
    from ssd_cla_episodes e
    where e.clae_entered_care_date >= :period_start and e.clae_entered_care_date <= :period_end
      and not {{ short_breaks_on('e.clae_person_id', 'e.clae_entered_care_date') }}
    group by e.clae_person_id
),

school as (
    select r.roll_person_id as person_id, max(r.roll_urn) as urn, max(r.roll_education_consultant) as consultant
    from ext_school_roll r
    where r.roll_start_date <= :period_end and (r.roll_end_date is null or r.roll_end_date > :period_end)
    group by r.roll_person_id
)

select
    l.person_id,
    {{ child_name('per') }} as child_name,
    {{ age_years('per.pers_dob', ':period_end') }} as age,
    case when s.person_id is not null and c.person_id is not null then 'Started and ceased'
         when s.person_id is not null then 'Started'
         when c.person_id is not null then 'Ceased' else 'Continuing' end as movement,
    s.started,
    c.ceased,
    {{ la_ceased_reason_name('c.ceased_reason') }} as ceased_reason,
    {{ la_placement_type_name('pl.clap_cla_placement_type') }} as placement_type,
    pl.clap_cla_placement_postcode as placement_postcode,
    (select max(pc.plch_checked_date) from ext_placement_checks pc
      where pc.plch_placement_id = l.placement_id and pc.plch_checked_date <= :period_end) as placement_checked,
    sc.scho_name as school,
    sch.consultant as education_consultant,
    case per.pers_send_flag when 'E' then 'EHCP' when 'K' then 'SEN support' else 'None recorded' end as sen_status,
    case when s.person_id is not null then 1 else 0 end as is_starter,
    case when c.person_id is not null then 1 else 0 end as is_leaver
from lac l
join ssd_person per on per.pers_person_id = l.person_id
left join started s on s.person_id = l.person_id
left join ceased c on c.person_id = l.person_id
left join ssd_cla_placement pl on pl.clap_cla_placement_id = l.placement_id
left join school sch on sch.person_id = l.person_id
left join ext_schools sc on sc.scho_urn = sch.urn
order by is_starter desc, is_leaver desc, l.person_id
