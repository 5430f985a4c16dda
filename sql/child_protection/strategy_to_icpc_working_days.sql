-- One row per initial child protection conference held in the 12 months to the period end, with
-- the working days from the last strategy discussion before it (for the same referral) to the
-- conference, DfE's distribution band and whether the 15-working-day standard was met.
with icpcs as (
    select
        i.icpc_icpc_id as icpc_id,
        i.icpc_person_id as person_id,
        i.icpc_referral_id as referral_id,
        i.icpc_icpc_date as icpc_date,
        i.icpc_icpc_team as team_id,
        i.icpc_icpc_worker_id as worker_id
    from ssd_initial_cp_conference i
    where i.icpc_icpc_date >= {{ cf_window_start(':period_end') }}
      and i.icpc_icpc_date <= :period_end
),

last_strategy as (
    select ic.icpc_id, max(s.stra_start_date) as strategy_date
    from icpcs ic
    join ext_strategy_discussions s
      on s.stra_person_id = ic.person_id and s.stra_referral_id = ic.referral_id
    where s.stra_start_date is not null
      and s.stra_start_date <= ic.icpc_date
    group by ic.icpc_id
),

timed as (
    select ic.*, ls.strategy_date,
           case when ls.strategy_date is not null
                then {{ working_days('ls.strategy_date', 'ic.icpc_date') }} end as working_days
    from icpcs ic
    left join last_strategy ls on ls.icpc_id = ic.icpc_id
),

final as (
    select
        t.icpc_id,
        t.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        tm.team_name,
        w.prof_professional_name as worker_name,
        t.strategy_date,
        t.icpc_date,
        t.working_days,
        {{ cf_icpc_band('t.working_days') }} as band,
        {{ cf_month_of('t.icpc_date') }} as month,
        {{ cf_window('t.icpc_date') }} as time_window,
        case when t.working_days <= {{ cf_icpc_standard_wd() }} then 'Within 15 working days'
             when t.working_days is null then 'No strategy discussion recorded'
             else 'Over 15 working days' end as status,
        case when t.working_days <= {{ cf_icpc_standard_wd() }} then 'green'
             when t.working_days is null then 'amber' else 'red' end as status_rag,
        {{ cf_score('t.working_days <= ' ~ cf_icpc_standard_wd(), 't.working_days is not null') }} as on_time_score,
        case when t.icpc_date >= :period_start then 1 else 0 end as in_period,
        case when t.working_days > {{ cf_icpc_standard_wd() }} and t.icpc_date >= :period_start then 1 else 0 end
            as late_in_period
    from timed t
    join ssd_person per on per.pers_person_id = t.person_id
    left join {{ cf_teams() }} tm on tm.team_id = t.team_id
    left join ssd_professionals w on w.prof_professional_id = t.worker_id
)

select * from final
order by in_period desc, late_in_period desc, icpc_date desc, team_name, icpc_id
