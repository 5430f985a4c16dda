-- One row per child on a CP plan at the period end, with the last visit under the plan and
-- whether the child was seen alone at it, and the last time the child was seen alone at all.
-- Children aged 4 or more are expected to be seen alone; the visit standard is 10 working days,
-- counted from the last visit at which the child was seen (a visit with the child not seen, or no
-- outcome, does not meet it).
with plans as (
    select * from {{ cp_plans_at(':as_at') }} p
),

visits as (
    select
        v.cppv_cp_plan_id as cp_plan_id,
        v.cppv_cp_visit_date as visit_date,
        v.cppv_cp_visit_seen as seen,
        v.cppv_cp_visit_seen_alone as seen_alone,
        row_number() over (partition by v.cppv_cp_plan_id
                           order by v.cppv_cp_visit_date desc, v.cppv_cp_visit_id desc) as rn
    from ssd_cp_visits v
    join plans p on p.cp_plan_id = v.cppv_cp_plan_id
    where v.cppv_cp_visit_date <= :as_at
),

last_seen as (
    select cp_plan_id, max(visit_date) as last_seen_date
    from visits
    where seen = 'Y'
    group by cp_plan_id
),

last_alone as (
    select cp_plan_id, max(visit_date) as last_seen_alone_date
    from visits
    where seen_alone = 'Y'
    group by cp_plan_id
),

base as (
    select
        p.cp_plan_id,
        p.person_id,
        p.plan_start,
        lv.visit_date as last_visit_date,
        lv.seen as last_visit_seen,
        lv.seen_alone as last_visit_seen_alone,
        la.last_seen_alone_date,
        {{ working_days('coalesce(ls.last_seen_date, p.plan_start)', ':as_at') }} as wd_since_visit,
        -- overdue once the next visit's due date (10 working days on) has passed, as in
        -- cp_visits_due_next_week: on a Sunday, a visit due on the Friday before
        case when {{ add_working_days('coalesce(ls.last_seen_date, p.plan_start)', 10) }} < :as_at
             then 1 else 0 end as is_overdue,
        case when {{ age_years('per.pers_dob', ':as_at') }} >= 4 then 1 else 0 end as is_aged_4_plus
    from plans p
    join ssd_person per on per.pers_person_id = p.person_id
    left join visits lv on lv.cp_plan_id = p.cp_plan_id and lv.rn = 1
    left join last_seen ls on ls.cp_plan_id = p.cp_plan_id
    left join last_alone la on la.cp_plan_id = p.cp_plan_id
),

final as (
    select
        b.person_id,
        {{ child_name('per') }} as child_name,
        per.pers_dob as date_of_birth,
        t.team_id,
        t.team_name,
        t.service_name,
        prof.prof_professional_name as worker_name,
        b.plan_start,
        b.last_visit_date,
        b.wd_since_visit as working_days_since_visit,
        case when b.last_visit_date is null then 'No visit'
             when b.last_visit_seen = 'Y' then 'Yes'
             when b.last_visit_seen = 'N' then 'No'
             else 'Not recorded' end as last_visit_child_seen,
        case when b.last_visit_date is null then 'No visit'
             when b.last_visit_seen_alone = 'Y' then 'Yes' else 'No' end as last_visit_seen_alone,
        b.last_seen_alone_date,
        case when b.last_seen_alone_date is not null
             then {{ working_days('b.last_seen_alone_date', ':as_at') }} end as working_days_since_seen_alone,
        b.is_aged_4_plus,
        b.is_overdue as is_visit_overdue,
        case when b.last_visit_seen_alone = 'Y' then 1 else 0 end as is_seen_alone_last,
        case when b.is_aged_4_plus = 1 and b.last_visit_seen_alone = 'Y' then 1 else 0 end as is_seen_alone_4_plus,
        case when b.is_aged_4_plus = 1 and coalesce(b.last_visit_seen_alone, 'N') <> 'Y' then 1 else 0 end
            as is_not_seen_alone,
        case
            when b.is_overdue = 1 then 'Visit overdue'
            when b.is_aged_4_plus = 1 and coalesce(b.last_visit_seen_alone, 'N') <> 'Y'
                then 'Not seen alone at last visit'
            else 'Visited and seen as expected'
        end as status,
        case
            when b.is_overdue = 1 then 'red'
            when b.is_aged_4_plus = 1 and coalesce(b.last_visit_seen_alone, 'N') <> 'Y' then 'amber'
            else 'green'
        end as status_rag
    from base b
    join ssd_person per on per.pers_person_id = b.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = b.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
)

select * from final
order by is_visit_overdue desc, is_not_seen_alone desc, working_days_since_visit desc, team_name, person_id
