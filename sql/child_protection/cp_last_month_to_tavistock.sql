-- One row per child who was subject to a child protection plan at any time in the period: plans
-- that started, continued or ended in it. For the Tavistock Clinic's NHS safeguarding lead.
with plans as (
    select * from {{ cp_plans_in_period() }} p
),

final as (
    select
        p.cp_plan_id,
        p.person_id,
        {{ child_name('per') }} as child_name,
        per.pers_dob as date_of_birth,
        p.plan_start,
        case when p.plan_end <= :period_end then p.plan_end end as plan_end,
        case when p.plan_start >= :period_start then 'New plan this month'
             when p.plan_end is not null and p.plan_end <= :period_end then 'Plan ended this month'
             else 'Continuing plan' end as status,
        case when p.plan_start >= :period_start then 1 else 0 end as is_new,
        case when p.plan_end is not null and p.plan_end <= :period_end then 1 else 0 end as is_ended,
        ch.worker_name,
        ch.team_id,
        ch.team_name
    from plans p
    join ssd_person per on per.pers_person_id = p.person_id
    left join {{ cf_case_holder_at(':period_end') }} ch on ch.person_id = p.person_id
)

select * from final
order by status, child_name, cp_plan_id
