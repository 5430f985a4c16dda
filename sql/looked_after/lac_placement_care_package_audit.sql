-- One row per child looked after at the period end whose current placement has no care package
-- recorded for it (or one that does not cover the period end): the finance and placement records
-- disagree and the placement cost is not being paid or reported correctly.
with current_placements as materialized (
    select la.person_id, la.placement_id, pl.clap_cla_placement_start_date as placement_start,
           pl.clap_cla_placement_type as placement_type, pl.clap_cla_placement_provider as provider
    from {{ looked_after_at(':as_at') }} la
    join ssd_cla_placement pl on pl.clap_cla_placement_id = la.placement_id
),

packages as (
    select cp.capa_placement_id as placement_id, count(*) as packages,
           sum(case when cp.capa_start_date <= :as_at and (cp.capa_end_date is null or cp.capa_end_date > :as_at)
                    then 1 else 0 end) as current_packages
    from ssd_cla_placement pl
    join ext_care_packages cp on cp.capa_placement_id = pl.clap_cla_placement_id
    group by cp.capa_placement_id
),

final as (
    select
        c.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        c.placement_id,
        c.placement_start,
        {{ la_placement_type_name('c.placement_type') }} as placement_type,
        {{ la_placement_provider_name('c.provider') }} as provider,
        case when p.placement_id is null then 'No care package recorded for the placement'
             else 'Care package does not cover the period end' end as issue
    from current_placements c
    join ssd_person per on per.pers_person_id = c.person_id
    left join packages p on p.placement_id = c.placement_id
    {{ allocation_joins('c.person_id', ':as_at') }}
    where p.placement_id is null or p.current_packages = 0
)

select * from final
order by team_name, placement_start, person_id
