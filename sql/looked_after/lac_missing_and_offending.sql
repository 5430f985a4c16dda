-- One row per child looked after at any time in the period who went missing or away from
-- placement, or was convicted of an offence, during the period.
with lac as materialized (
    select * from {{ looked_after_between(':period_start', ':period_end') }} x
),

missing as (
    select m.miss_person_id as person_id, count(*) as episodes,
           sum(case when m.miss_missing_episode_type = 'M' then 1 else 0 end) as missing_episodes,
           sum(case when m.miss_missing_episode_type = 'A' then 1 else 0 end) as away_episodes,
           sum(case when m.miss_missing_rhi_offered = 'Y' then 1 else 0 end) as rhi_offered,
           sum(case when m.miss_missing_rhi_accepted = 'Y' then 1 else 0 end) as rhi_accepted,
           sum(case when m.miss_missing_episode_end_date is null then 1 else 0 end) as still_missing
    from ssd_missing m
    join lac l on l.person_id = m.miss_person_id
    where m.miss_missing_episode_start_date >= :period_start and m.miss_missing_episode_start_date <= :period_end
    group by m.miss_person_id
),

offences as (
    select c.clac_person_id as person_id, count(*) as offences, max(c.clac_cla_conviction_offence) as latest_offence
    from ssd_cla_convictions c
    join lac l on l.person_id = c.clac_person_id
    where c.clac_cla_conviction_date >= :period_start and c.clac_cla_conviction_date <= :period_end
    group by c.clac_person_id
),

people as (
    select person_id from missing
    union
    select person_id from offences
),

final as (
    select
        p.person_id,
        {{ child_name('per') }} as child_name,
        {{ age_years('per.pers_dob', ':period_end') }} as age,
        t.team_id,
        t.team_name,
        coalesce(m.episodes, 0) as episodes,
        coalesce(m.missing_episodes, 0) as missing_episodes,
        coalesce(m.away_episodes, 0) as away_episodes,
        coalesce(m.rhi_offered, 0) as rhi_offered,
        coalesce(m.rhi_accepted, 0) as rhi_accepted,
        coalesce(m.still_missing, 0) as still_missing,
        coalesce(o.offences, 0) as offences,
        o.latest_offence,
        case when m.person_id is not null then 1 else 0 end as went_missing,
        case when o.person_id is not null then 1 else 0 end as offended
    from people p
    join ssd_person per on per.pers_person_id = p.person_id
    left join missing m on m.person_id = p.person_id
    left join offences o on o.person_id = p.person_id
    {{ allocation_joins('p.person_id', ':as_at') }}
)

select * from final
order by episodes desc, offences desc, person_id
