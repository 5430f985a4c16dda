-- One row per child with an open case (an open CIN episode) at the period end: how long the case
-- has been open, in bands, what kind of case it is and who holds it.
with open_cases as (
    select * from {{ open_cases_at(':as_at') }} oc
),

final as (
    select
        oc.person_id,
        {{ child_name('per') }} as child_name,
        ch.team_id,
        ch.team_name,
        ch.worker_id,
        ch.worker_name,
        {{ cf_case_type('oc.person_id', ':as_at') }} as case_type,
        oc.case_open_date,
        {{ days_between('oc.case_open_date', ':as_at') }} as days_open,
        case when {{ days_between('oc.case_open_date', ':as_at') }} < 91 then 'Under 3 months'
             when {{ days_between('oc.case_open_date', ':as_at') }} < 183 then '3 to 6 months'
             when {{ days_between('oc.case_open_date', ':as_at') }} < 365 then '6 to 12 months'
             when {{ days_between('oc.case_open_date', ':as_at') }} < 730 then '1 to 2 years'
             else '2 years or more' end as duration_band,
        case when ch.team_id is null then 1 else 0 end as is_unallocated
    from open_cases oc
    join ssd_person per on per.pers_person_id = oc.person_id
    left join {{ cf_case_holder_at(':as_at') }} ch on ch.person_id = oc.person_id
)

select * from final
order by team_name, days_open desc, person_id
