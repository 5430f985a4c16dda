-- One row per open child in need plan at the period end whose next visit is overdue or falls due
-- in the 14 days after it. The next visit is due 20 working days after the last visit since the
-- plan started (or after the plan start, if there has been none): the local CIN visiting standard.
-- Only a visit at which the child was seen counts.
with plans as (
    select
        c.cinp_cin_plan_id as cin_plan_id,
        c.cinp_person_id as person_id,
        c.cinp_cin_plan_start_date as plan_start
    from ssd_cin_plans c
    where c.cinp_cin_plan_start_date <= :as_at
      and (c.cinp_cin_plan_end_date is null or c.cinp_cin_plan_end_date > :as_at)
),

last_visit as (
    select p.cin_plan_id, max(v.cinv_cin_visit_date) as last_visit_date
    from plans p
    join ssd_cin_visits v on v.cinv_person_id = p.person_id
    where v.cinv_cin_visit_date >= p.plan_start
      and v.cinv_cin_visit_date <= :as_at
      and v.cinv_cin_visit_seen = 'Y'
    group by p.cin_plan_id
),

due as (
    select
        p.cin_plan_id,
        p.person_id,
        p.plan_start,
        lv.last_visit_date,
        {{ add_working_days('coalesce(lv.last_visit_date, p.plan_start)', 20) }} as next_visit_due
    from plans p
    left join last_visit lv on lv.cin_plan_id = p.cin_plan_id
),

final as (
    select
        d.cin_plan_id,
        d.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        d.plan_start,
        d.last_visit_date,
        d.next_visit_due,
        -- calendar days since the due date passed (working days would say 0 for a visit due on
        -- Friday and missed, on the Sunday)
        case when d.next_visit_due < :as_at then {{ days_between('d.next_visit_due', ':as_at') }} end
            as days_overdue,
        case when d.next_visit_due >= :as_at then {{ days_between(':as_at', 'd.next_visit_due') }} end
            as days_until_due,
        case when d.next_visit_due < :as_at then 'Overdue' else 'Due in next 14 days' end as status,
        case when d.next_visit_due < :as_at then 'red' else 'amber' end as status_rag,
        case when d.next_visit_due < :as_at then 1 else 0 end as is_overdue
    from due d
    join ssd_person per on per.pers_person_id = d.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = d.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
    where d.next_visit_due <= {{ add_days(':as_at', 14) }}
)

select * from final
order by is_overdue desc, next_visit_due, team_name, person_id, cin_plan_id
