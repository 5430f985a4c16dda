-- One row per current placement of a child looked after at the period end, with whether
-- business support has checked the placement details (address, provider, type) and when.
with current_placements as materialized (
    select la.person_id, pl.clap_cla_placement_id as placement_id,
           pl.clap_cla_placement_start_date as placement_start, pl.clap_cla_placement_type as placement_type,
           pl.clap_cla_placement_provider as provider, pl.clap_cla_placement_postcode as postcode
    from {{ looked_after_at(':as_at') }} la
    join ssd_cla_placement pl on pl.clap_cla_placement_id = la.placement_id
),

checks as (
    select pc.plch_placement_id as placement_id, max(pc.plch_checked_date) as checked_date
    from ext_placement_checks pc
    where pc.plch_checked_date <= :as_at
    group by pc.plch_placement_id
)

select
    c.person_id,
    {{ child_name('per') }} as child_name,
    c.placement_id,
    c.placement_start,
    {{ la_placement_type_name('c.placement_type') }} as placement_type,
    {{ la_placement_provider_name('c.provider') }} as provider,
    c.postcode,
    ch.checked_date,
    case when ch.checked_date is null then 'Not checked' else 'Checked' end as check_status,
    case when ch.checked_date is null then 'red' else 'green' end as check_rag,
    case when ch.checked_date is null then 1 else 0 end as is_unchecked,
    case when c.placement_start >= :period_start then 1 else 0 end as is_new_placement
from current_placements c
join ssd_person per on per.pers_person_id = c.person_id
left join checks ch on ch.placement_id = c.placement_id
order by is_unchecked desc, c.placement_start desc, c.person_id
