-- One row per strategy discussion that is incomplete at the period end: requested but not started,
-- or started but not completed (ext_strategy_discussions, a local extension table).
with incomplete as (
    select
        s.stra_strategy_id as strategy_id,
        s.stra_person_id as person_id,
        s.stra_team as team_id,
        s.stra_worker_id as worker_id,
        s.stra_requested_date as requested_date,
        case when s.stra_start_date <= :as_at then s.stra_start_date end as started_date,
        case when s.stra_start_date is null or s.stra_start_date > :as_at then 1 else 0 end as is_not_started
    from ext_strategy_discussions s
    where s.stra_requested_date <= :as_at
      and (s.stra_completed_date is null or s.stra_completed_date > :as_at)
),

final as (
    select
        i.strategy_id,
        i.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        i.requested_date,
        i.started_date,
        case when i.is_not_started = 1 then 'Requested, not started' else 'Started, not completed' end as status,
        {{ working_days('i.requested_date', ':as_at') }} as working_days_since_request,
        case when i.started_date is not null then {{ working_days('i.started_date', ':as_at') }} end
            as working_days_since_start,
        case when {{ working_days('i.requested_date', ':as_at') }} > 1 then 'red' else 'amber' end as status_rag,
        i.is_not_started
    from incomplete i
    join ssd_person per on per.pers_person_id = i.person_id
    left join {{ teams() }} t on t.team_id = i.team_id
    left join ssd_professionals prof on prof.prof_professional_id = i.worker_id
)

select * from final
order by working_days_since_request desc, is_not_started desc, team_name, person_id, strategy_id
