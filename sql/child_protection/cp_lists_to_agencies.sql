-- One row per child on a child protection plan at the period end: the list sent to the borough's
-- hospitals and the police Child Abuse Investigation Team; then one row per child whose plan ended
-- in the week (the period) and who is not on a plan at its end (on_list = 0: shown in
-- the changes table on the first page, not in the list). Partners receive only the columns in
-- partner_columns: the allocated worker's team and its manager's e-mail, never the worker.
with plans as (
    select * from {{ cp_plans_at(':as_at') }} p
),

ended as (
    select
        ranked.person_id,
        ranked.plan_start,
        ranked.plan_end,
        ranked.category
    from (
        select
            cp.cppl_person_id as person_id,
            cp.cppl_cp_plan_start_date as plan_start,
            cp.cppl_cp_plan_end_date as plan_end,
            cp.cppl_cp_plan_latest_category as category,
            row_number() over (
                partition by cp.cppl_person_id
                order by cp.cppl_cp_plan_end_date desc, cp.cppl_cp_plan_id desc
            ) as rn
        from ssd_cp_plans cp
        where
            cp.cppl_cp_plan_end_date >= :period_start
            and cp.cppl_cp_plan_end_date <= :period_end
            and cp.cppl_person_id not in (select o.person_id from plans o)
    ) ranked
    where ranked.rn = 1
),

listed as (
    select
        p.person_id,
        p.plan_start,
        cast(null as date) as plan_end,
        p.category,
        1 as on_list
    from plans p
    union all
    select
        e.person_id,
        e.plan_start,
        e.plan_end,
        e.category,
        0 as on_list
    from ended e
),

contacts as (
    select
        tm.team_team_id as team_id,
        mgr.staf_email as team_contact
    from ext_teams tm
    inner join ext_staff mgr
        on
            mgr.staf_professional_id = tm.team_manager_id
            and (mgr.staf_leave_date is null or mgr.staf_leave_date > :as_at)
),

final as (
    select
        l.person_id,
        {{ child_name('per') }} as child_name,
        per.pers_surname as surname,
        per.pers_dob as date_of_birth,
        l.plan_start,
        l.plan_end,
        {{ cf_cp_category_name('l.category') }} as category,
        l.on_list,
        case when l.on_list = 1 and l.plan_start >= :period_start then 1 else 0 end as is_new,
        case when l.on_list = 1 and l.plan_start >= :period_start then 'New this week' else '' end as new_flag,
        case
            when l.on_list = 1 and l.plan_start >= :period_start then 'Plan started'
            when l.on_list = 0 and l.plan_start >= :period_start then 'Plan started and ended'
            when l.on_list = 0 then 'Plan ended'
            else ''
        end as change,
        t.team_id,
        t.team_name,
        c.team_contact,
        prof.prof_professional_name as worker_name
    from listed l
    inner join ssd_person per on per.pers_person_id = l.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = l.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join contacts c on c.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
)

select * from final
order by on_list desc, surname, child_name, person_id
