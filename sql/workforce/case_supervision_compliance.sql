-- One row per child with an open, allocated case at the period end: the last case supervision
-- recorded for it, supervisions in the quarter, and whether the case was supervised within the
-- standard (35 days: monthly with a week's grace) at the period end.
with open_cases as (
    select * from {{ open_cases_at(':as_at') }} oc
),

allocated as (
    select ch.*
    from {{ cf_case_holder_at(':as_at') }} ch
    join open_cases oc on oc.person_id = ch.person_id
    where ch.team_id is not null
),

supervision as (
    select s.casu_person_id as person_id,
           max(s.casu_supervision_date) as last_supervision_date,
           sum(case when s.casu_supervision_date >= :period_start then 1 else 0 end) as supervisions_in_period
    from ext_case_supervisions s
    where s.casu_supervision_date <= :as_at
    group by s.casu_person_id
),

final as (
    select
        al.person_id,
        {{ child_name('per') }} as child_name,
        al.team_id,
        al.team_name,
        al.worker_id,
        al.worker_name,
        al.team_manager_name as supervisor_name,
        al.allocated_from,
        su.last_supervision_date,
        coalesce(su.supervisions_in_period, 0) as supervisions_in_period,
        case when su.last_supervision_date is not null
             then {{ days_between('su.last_supervision_date', ':as_at') }} end as days_since_supervision,
        case when {{ days_between('coalesce(su.last_supervision_date, al.allocated_from)', ':as_at') }}
                  <= {{ cf_supervision_standard_days() }} then 'Within standard'
             when su.last_supervision_date is null then 'Never supervised'
             else 'Overdue' end as status,
        case when {{ days_between('coalesce(su.last_supervision_date, al.allocated_from)', ':as_at') }}
                  <= {{ cf_supervision_standard_days() }} then 'green' else 'red' end as status_rag,
        case when {{ days_between('coalesce(su.last_supervision_date, al.allocated_from)', ':as_at') }}
                  <= {{ cf_supervision_standard_days() }} then 100 else 0 end as compliance_score,
        case when {{ days_between('coalesce(su.last_supervision_date, al.allocated_from)', ':as_at') }}
                  <= {{ cf_supervision_standard_days() }} then 0 else 1 end as is_overdue
    from allocated al
    join ssd_person per on per.pers_person_id = al.person_id
    left join supervision su on su.person_id = al.person_id
)

select * from final
order by is_overdue desc, team_name, worker_name, days_since_supervision desc, person_id
