-- One row per child and family assessment authorised in the financial year to the period end
-- that has no assessment factors form: the CIN census needs the factors of every assessment.
with assessments as (
    select a.*
    from ssd_cin_assessments a
    where a.cina_assessment_auth_date >= {{ cf_year_start(':period_end') }}
      and a.cina_assessment_auth_date <= :period_end
      and not exists (select 1 from ssd_assessment_factors f where f.cinf_assessment_id = a.cina_assessment_id)
),

final as (
    select
        a.cina_assessment_id as assessment_id,
        a.cina_person_id as person_id,
        {{ child_name('per') }} as child_name,
        a.cina_assessment_start_date as assessment_start,
        a.cina_assessment_auth_date as authorised_date,
        'No assessment factors form' as gap,
        a.cina_assessment_worker_id as worker_id,
        w.prof_professional_name as worker_name,
        t.team_id,
        t.team_name,
        t.team_manager_name,
        case when a.cina_assessment_auth_date >= :period_start then 1 else 0 end as authorised_in_period
    from assessments a
    join ssd_person per on per.pers_person_id = a.cina_person_id
    left join ssd_professionals w on w.prof_professional_id = a.cina_assessment_worker_id
    left join {{ cf_teams() }} t on t.team_id = a.cina_assessment_team
)

select * from final
order by team_name, worker_name, authorised_date, assessment_id
