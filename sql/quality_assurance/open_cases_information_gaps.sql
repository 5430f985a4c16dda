-- One row per gap in the record of a child with an open case at the period end: ethnicity not
-- recorded, no Unique Pupil Number for a child of school age, no current address, no allocated
-- worker. Each row names the worker and team manager who must fill it.
with open_cases as (
    select * from {{ open_cases_at(':as_at') }} oc
),

children as (
    select oc.person_id, per.pers_ethnicity, {{ cf_age('per', ':as_at') }} as age
    from open_cases oc
    join ssd_person per on per.pers_person_id = oc.person_id
),

-- Who holds each case on the day, worked out once: the "no allocated worker" test and the
-- names on every gap read it. Left inline, SQLite copied it into each branch of the union
-- below and in one branch scanned all of it for every child (quadratic at county scale).
case_holders as materialized (
    select * from {{ cf_case_holder_at(':as_at') }} ch
),

gaps as materialized (
    select c.person_id, 'Ethnicity not recorded' as gap, 'Person details: ethnicity' as where_to_fix
    from children c
    where c.pers_ethnicity is null
    -- AL03 off here: a UNION takes its column names from its first branch, so later branches need none.
    -- noqa: disable=AL03
    union all
    select c.person_id, 'No Unique Pupil Number (school age)', 'Person details: identifiers'
    from children c
    where c.age between 5 and 17
      and not exists (select 1 from ssd_linked_identifiers li
                      where li.link_person_id = c.person_id and li.link_identifier_type = 'Unique Pupil Number')
    union all
    select c.person_id, 'No current address', 'Person details: addresses'
    from children c
    where not exists (select 1 from ssd_address ad
                      where ad.addr_person_id = c.person_id and ad.addr_address_start_date <= :as_at
                        and (ad.addr_address_end_date is null or ad.addr_address_end_date > :as_at))
    union all
    select c.person_id, 'No allocated worker', 'Allocation'
    from children c
    where not exists (select 1 from case_holders al where al.person_id = c.person_id)
    -- noqa: enable=AL03
),

final as (
    select
        g.person_id,
        {{ child_name('per') }} as child_name,
        g.gap,
        g.where_to_fix,
        ch.worker_id,
        coalesce(ch.worker_name, 'Unallocated') as worker_name,
        ch.team_id,
        ch.team_name,
        ch.team_manager_name,
        {{ cf_case_type('g.person_id', ':as_at') }} as case_type
    from gaps g
    join ssd_person per on per.pers_person_id = g.person_id
    left join case_holders ch on ch.person_id = g.person_id
)

select * from final
order by team_name, worker_name, gap, person_id
