-- One row per child looked after at the period end: whether a care plan is recorded for the
-- current period of care and, for young people aged 16 or over (eligible children), whether the
-- pathway plan has been reviewed in the last 6 months.
with children as materialized (
    select la.person_id, la.entered_care, {{ age_years('per.pers_dob', ':as_at') }} as age,
           {{ child_name('per') }} as child_name
    from {{ looked_after_at(':as_at') }} la
    join ssd_person per on per.pers_person_id = la.person_id
),

pathway as (
    select pp.pprv_person_id as person_id, max(pp.pprv_review_date) as last_pathway_review
    from ext_pathway_plan_reviews pp
    where pp.pprv_review_date <= :as_at
    group by pp.pprv_person_id
),

checked as materialized (
    select c.person_id, c.child_name, c.age, c.entered_care,
           cp.lacp_cla_care_plan_start_date as care_plan_start,
           cp.lacp_cla_care_plan_json as care_plan_json,
           p.last_pathway_review,
           case when c.age >= 16 and p.last_pathway_review is not null
                then {{ add_months('p.last_pathway_review', 6) }} end as pathway_review_due
    from children c
    left join ssd_cla_care_plan cp on cp.lacp_person_id = c.person_id
         and cp.lacp_cla_care_plan_start_date <= :as_at
         and (cp.lacp_cla_care_plan_end_date is null or cp.lacp_cla_care_plan_end_date > :as_at)
    left join pathway p on p.person_id = c.person_id
),

final as (
    select
        k.person_id,
        k.child_name,
        k.age,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        k.entered_care,
        k.care_plan_start,
        case when k.care_plan_start is null then 'No current care plan' else 'Current' end as care_plan_status,
        case when k.age >= 16 then 'Yes' else 'No' end as pathway_plan_required,
        k.last_pathway_review,
        k.pathway_review_due,
        case when k.age < 16 then 'Not required'
             when k.last_pathway_review is null then 'No pathway plan'
             when k.pathway_review_due < :as_at then 'Review overdue'
             else 'In timescale' end as pathway_status,
        case when k.care_plan_start is null
               or (k.age >= 16 and (k.last_pathway_review is null or k.pathway_review_due < :as_at))
             then 'red' else 'green' end as status_rag,
        case when k.care_plan_start is null
               or (k.age >= 16 and (k.last_pathway_review is null or k.pathway_review_due < :as_at))
             then 0 else 1 end as is_compliant,
        case when k.age >= 16 then 1 else 0 end as is_eligible
    from checked k
    {{ allocation_joins('k.person_id', ':as_at') }}
)

select * from final
order by is_compliant, team_name, person_id
