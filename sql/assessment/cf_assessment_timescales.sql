-- One row per child and family assessment authorised in the 12 months to the period end: working
-- days from the referral to authorisation, against the 45-working-day standard.
with assessments as (
    select
        a.cina_assessment_id as assessment_id,
        a.cina_person_id as person_id,
        e.cine_referral_date as referral_date,
        a.cina_assessment_start_date as assessment_start,
        a.cina_assessment_auth_date as authorised_date,
        a.cina_assessment_team as team_id,
        a.cina_assessment_worker_id as worker_id
    from ssd_cin_assessments a
    left join ssd_cin_episodes e on e.cine_referral_id = a.cina_referral_id
    where a.cina_assessment_auth_date >= {{ cf_window_start(':period_end') }}
      and a.cina_assessment_auth_date <= :period_end
),

timed as (
    select a.*,
           {{ working_days('coalesce(a.referral_date, a.assessment_start)', 'a.authorised_date') }} as working_days
    from assessments a
),

final as (
    select
        t.assessment_id,
        t.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        tm.team_name,
        w.prof_professional_name as worker_name,
        t.referral_date,
        t.assessment_start,
        t.authorised_date,
        t.working_days,
        case when t.working_days <= 15 then '0-15'
             when t.working_days <= 30 then '16-30'
             when t.working_days <= 45 then '31-45'
             when t.working_days <= 60 then '46-60'
             else '61+' end as band,
        {{ cf_month_of('t.authorised_date') }} as month,
        {{ cf_window('t.authorised_date') }} as time_window,
        case when t.working_days <= {{ cf_assessment_standard_wd() }} then 'Within 45 working days'
             else 'Over 45 working days' end as status,
        case when t.working_days <= 35 then 'green'
             when t.working_days <= {{ cf_assessment_standard_wd() }} then 'amber' else 'red' end as status_rag,
        {{ cf_score('t.working_days <= ' ~ cf_assessment_standard_wd(), 't.working_days is not null') }}
            as on_time_score,
        case when t.working_days > {{ cf_assessment_standard_wd() }} and t.authorised_date >= :period_start
             then 1 else 0 end as late_in_period,
        case when t.authorised_date >= :period_start then 1 else 0 end as in_period
    from timed t
    join ssd_person per on per.pers_person_id = t.person_id
    left join {{ cf_teams() }} tm on tm.team_id = t.team_id
    left join ssd_professionals w on w.prof_professional_id = t.worker_id
)

select * from final
order by in_period desc, late_in_period desc, team_name, authorised_date desc, assessment_id
