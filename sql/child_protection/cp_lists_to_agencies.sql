-- One row per child on a child protection plan at the period end: the list sent to the borough's
-- hospitals and the police Child Abuse Investigation Team. Partners receive only the columns in
-- partner_columns; the team and worker columns are for the internal copy.
with plans as (
    select * from {{ cp_plans_at(':as_at') }} p
),

final as (
    select
        p.person_id,
        {{ child_name('per') }} as child_name,
        per.pers_surname as surname,
        per.pers_dob as date_of_birth,
        p.plan_start,
        case p.category
            when 'NEG' then 'Neglect'
            when 'PHY' then 'Physical abuse'
            when 'SAB' then 'Sexual abuse'
            when 'EMO' then 'Emotional abuse'
            when 'MUL' then 'Multiple'
            else p.category
        end as category,
        case when p.plan_start >= :period_start then 1 else 0 end as is_new,
        case when p.plan_start >= :period_start then 'New this week' else '' end as new_flag,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name
    from plans p
    join ssd_person per on per.pers_person_id = p.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = p.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
)

select * from final
order by surname, child_name, person_id
