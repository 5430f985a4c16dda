-- One row per child on a CP plan at the period end whose current home address (the latest
-- address open on that date) lies outside the borough, from ext_address_geography.
with plans as (
    select * from {{ cp_plans_at(':as_at') }} p
),

current_address as (
    select ranked.person_id, ranked.address_id, ranked.postcode, ranked.address_from
    from (
        select ad.addr_person_id as person_id, ad.addr_table_id as address_id,
               ad.addr_address_postcode as postcode, ad.addr_address_start_date as address_from,
               row_number() over (partition by ad.addr_person_id
                                  order by ad.addr_address_start_date desc, ad.addr_table_id desc) as rn
        from ssd_address ad
        join plans p on p.person_id = ad.addr_person_id
        where ad.addr_address_start_date <= :as_at
          and (ad.addr_address_end_date is null or ad.addr_address_end_date > :as_at)
    ) ranked
    where ranked.rn = 1
),

final as (
    select
        p.person_id,
        {{ child_name('per') }} as child_name,
        a.worker_id,
        prof.prof_professional_name as worker_name,
        t.team_id,
        t.team_name,
        p.plan_start,
        {{ cf_cp_category_name('p.category') }} as category,
        g.adge_local_authority as local_authority,
        ca.postcode,
        ca.address_from,
        {{ days_between('p.plan_start', ':as_at') }} as days_on_plan
    from plans p
    join current_address ca on ca.person_id = p.person_id
    join ext_address_geography g on g.adge_address_id = ca.address_id
    join ssd_person per on per.pers_person_id = p.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = p.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
    where g.adge_in_borough <> {{ true_() }}
)

select * from final
order by team_name, worker_name, local_authority, person_id
