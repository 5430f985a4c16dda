-- One row per child and family assessment started on or before the period end and not authorised
-- by it, with the working days it has been open and the dates of its 35th (local target) and 45th
-- (statutory maximum) working day.
with open_assessments as (
    select
        a.cina_assessment_id as assessment_id,
        a.cina_person_id as person_id,
        a.cina_assessment_team as team_id,
        a.cina_assessment_worker_id as worker_id,
        a.cina_assessment_start_date as start_date,
        {{ working_days('a.cina_assessment_start_date', ':as_at') }} as working_days_open,
        {{ add_working_days('a.cina_assessment_start_date', 35) }} as day_35_date,
        {{ add_working_days('a.cina_assessment_start_date', 45) }} as day_45_date
    from ssd_cin_assessments a
    where a.cina_assessment_start_date <= :as_at
      and (a.cina_assessment_auth_date is null or a.cina_assessment_auth_date > :as_at)
),

final as (
    select
        o.assessment_id,
        o.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        t.service_id,
        t.service_name,
        prof.prof_professional_name as worker_name,
        o.start_date,
        o.working_days_open,
        o.day_35_date,
        o.day_45_date,
        case when o.working_days_open > 45 then o.working_days_open - 45 else 0 end as working_days_over_45,
        case when o.working_days_open > 45 then 'Over 45 working days'
             when o.working_days_open > 35 then 'Past 35th working day'
             else 'Within 35 working days' end as status,
        case when o.working_days_open > 45 then 'red'
             when o.working_days_open > 35 then 'amber'
             else 'green' end as status_rag,
        case when o.working_days_open > 35 then 1 else 0 end as is_over_35,
        case when o.working_days_open > 45 then 1 else 0 end as is_over_45
    from open_assessments o
    join ssd_person per on per.pers_person_id = o.person_id
    left join {{ teams() }} t on t.team_id = o.team_id
    left join ssd_professionals prof on prof.prof_professional_id = o.worker_id
)

select * from final
order by working_days_open desc, team_name, person_id, assessment_id
