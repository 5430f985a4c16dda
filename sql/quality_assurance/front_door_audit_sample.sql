-- The children who came through the front door (a contact, a referral through MASH, or a Brief
-- Intervention Team assessment) in the period, one row each, in the audit timetable's front-door
-- months only (June, October, February): in any other month the result is empty, which the
-- pipeline reports as nothing to send. The pipeline then keeps a seeded random sample of up to 30
-- (the YAML `sample`).
with audit_month as (
    select 1 as ok from ext_calendar c
    where c.cal_date = :period_end and c.cal_month in (6, 10, 2)
),

events as (
    select c.cont_person_id as person_id, c.cont_contact_date as event_date, 1 as stage
    from ssd_contacts c
    where c.cont_contact_date between :period_start and :period_end
    union all
    -- AL03 off here: a UNION takes its column names from its first branch, so later branches need none.
    -- noqa: disable=AL03
    select e.cine_person_id, e.cine_referral_date, 2
    from ssd_cin_episodes e
    join ext_teams t on t.team_team_id = e.cine_referral_team and t.team_kind = 'MASH'
    where e.cine_referral_date between :period_start and :period_end
    union all
    select a.cina_person_id, a.cina_assessment_start_date, 3
    from ssd_cin_assessments a
    join ext_teams t on t.team_team_id = a.cina_assessment_team and t.team_kind = 'BIT'
    where a.cina_assessment_start_date between :period_start and :period_end
    -- noqa: enable=AL03
),

per_child as (
    select ev.person_id, min(ev.event_date) as first_date, max(ev.stage) as furthest_stage
    from events ev
    where exists (select 1 from audit_month)
    group by ev.person_id
),

final as (
    select
        pc.person_id,
        {{ child_name('per') }} as child_name,
        pc.first_date,
        case pc.furthest_stage when 1 then 'Contact' when 2 then 'MASH referral' else 'BIT assessment' end as route,
        ch.team_id,
        ch.team_name,
        ch.worker_name
    from per_child pc
    join ssd_person per on per.pers_person_id = pc.person_id
    left join {{ cf_case_holder_at(':period_end') }} ch on ch.person_id = pc.person_id
)

select * from final
order by first_date, person_id
