-- One row per child under 18 at the period end with a disability recorded: their needs (SSDA903 /
-- CIN census disability codes), whether they are open to CYPDS, and whether they joined the
-- register (first known to children's services) or left it (turned 18) in the period.
with needs as (
    select d.disa_person_id as person_id, count(*) as needs_count,
           trim(
             coalesce(max(case when d.disa_disability_code = 'AUT' then 'Autism; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'BEH' then 'Behaviour; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'COMM' then 'Communication; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'CON' then 'Consciousness; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'DDA' then 'Disabled (DDA); ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'HAND' then 'Hand function; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'HEAR' then 'Hearing; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'INC' then 'Incontinence; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'LD' then 'Learning; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'MOB' then 'Mobility; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'PC' then 'Personal care; ' end), '')
             || coalesce(max(case when d.disa_disability_code = 'VIS' then 'Vision; ' end), '')
             || coalesce(max(case when d.disa_disability_code not in ('AUT', 'BEH', 'COMM', 'CON', 'DDA', 'HAND',
                                  'HEAR', 'INC', 'LD', 'MOB', 'PC', 'VIS') then 'Other; ' end), '')) as needs
    from ssd_disability d
    group by d.disa_person_id
),

children as materialized (
    select per.pers_person_id as person_id, {{ child_name('per') }} as child_name, per.pers_dob,
           {{ age_years('per.pers_dob', ':as_at') }} as age,
           (select min(c.cine_referral_date) from ssd_cin_episodes c where c.cine_person_id = per.pers_person_id)
               as first_known,
           n.needs_count, n.needs
    from needs n
    join ssd_person per on per.pers_person_id = n.person_id
    where per.pers_dob <= :as_at
      and (per.pers_death_date is null or per.pers_death_date > :as_at)
      and {{ age_years('per.pers_dob', ':as_at') }} < 18
)

select
    c.person_id,
    c.child_name,
    c.pers_dob as dob,
    c.age,
    c.needs_count,
    c.needs,
    t.team_id,
    t.team_name,
    case when t.team_kind = 'CYPDS' then 'Yes' else 'No' end as open_to_cypds,
    (select max(sb.shbr_package_type) from ext_short_breaks sb
      where sb.shbr_person_id = c.person_id and sb.shbr_start_date <= :as_at
        and (sb.shbr_end_date is null or sb.shbr_end_date > :as_at)) as short_breaks,
    c.first_known,
    case when c.first_known >= :period_start and c.first_known <= :period_end then 1 else 0 end as joined_in_period,
    case when t.team_kind = 'CYPDS' then 1 else 0 end as is_cypds
from children c
{{ allocation_joins('c.person_id', ':as_at') }}
order by t.team_name, c.person_id
