-- One row per child on a CP plan at the period end whose next statutory visit is overdue or
-- falls due in the 7 days after it. The next visit is due 10 working days after the last visit
-- (or after the plan started, if there has been no visit yet): Camden's CP visiting standard. Only a
-- visit at which the child was seen counts; visits recorded as not seen (or with no outcome) since
-- then are counted beside, as a data-quality finding.
with plans as (
    select * from {{ cp_plans_at(':as_at') }} p
),

last_visit as (
    select v.cppv_cp_plan_id as cp_plan_id, max(v.cppv_cp_visit_date) as last_visit_date
    from ssd_cp_visits v
    join plans p on p.cp_plan_id = v.cppv_cp_plan_id
    where v.cppv_cp_visit_date <= :as_at
      and v.cppv_cp_visit_seen = 'Y'
    group by v.cppv_cp_plan_id
),

due as (
    select
        p.person_id,
        p.plan_start,
        lv.last_visit_date,
        {{ add_working_days('coalesce(lv.last_visit_date, p.plan_start)', 10) }} as next_visit_due,
        (select count(*) from ssd_cp_visits ns
          where ns.cppv_cp_plan_id = p.cp_plan_id and ns.cppv_cp_visit_date <= :as_at
            and ns.cppv_cp_visit_date > coalesce(lv.last_visit_date, p.plan_start)
            and coalesce(ns.cppv_cp_visit_seen, 'N') <> 'Y') as visits_not_seen
    from plans p
    left join last_visit lv on lv.cp_plan_id = p.cp_plan_id
),

final as (
    select
        d.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        d.plan_start,
        d.last_visit_date,
        d.next_visit_due,
        -- overdue once its due date has passed; the days since it (a visit due on Friday and not
        -- made is 2 days overdue on Sunday, though no working day has gone by)
        case when d.next_visit_due < :as_at then {{ days_between('d.next_visit_due', ':as_at') }} end
            as days_overdue,
        case when d.next_visit_due < :as_at then 'Overdue' else 'Due next week' end as status,
        case when d.next_visit_due < :as_at then 'red' else 'amber' end as status_rag,
        case when d.next_visit_due < :as_at then 1 else 0 end as is_overdue,
        d.visits_not_seen
    from due d
    join ssd_person per on per.pers_person_id = d.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = d.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
    where d.next_visit_due <= {{ add_days(':as_at', 7) }}
)

select * from final
order by is_overdue desc, next_visit_due, team_name, person_id
