-- One row per compliance audit (team managers audit two of their team's cases each month) due in
-- the quarter: completed on time, late or not done, and its grade.
with audits as (
    select a.*
    from ext_case_audits a
    where a.audi_audit_type = 'compliance'
      and a.audi_due_date between :period_start and :period_end
),

final as (
    select
        a.audi_audit_id as audit_id,
        a.audi_person_id as person_id,
        a.audi_team_id as team_id,
        t.team_name,
        t.service_name,
        au.prof_professional_name as auditor_name,
        w.prof_professional_name as worker_name,
        {{ cf_month_of('a.audi_due_date') }} as month_due,
        a.audi_due_date as due_date,
        case when a.audi_completed_date <= :as_at then a.audi_completed_date end as completed_date,
        case when a.audi_completed_date <= :as_at then a.audi_grade end as grade,
        case when a.audi_completed_date <= :as_at
                  and a.audi_completed_date <= {{ month_end('a.audi_due_date') }} then 'Completed on time'
             when a.audi_completed_date <= :as_at then 'Completed late'
             else 'Not completed' end as status,
        case when a.audi_completed_date <= :as_at
                  and a.audi_completed_date <= {{ month_end('a.audi_due_date') }} then 'green'
             when a.audi_completed_date <= :as_at then 'amber' else 'red' end as status_rag,
        case when a.audi_completed_date <= :as_at
                  and a.audi_completed_date <= {{ month_end('a.audi_due_date') }} then 100 else 0 end
            as on_time_score,
        case when a.audi_completed_date <= :as_at then 0 else 1 end as is_outstanding
    from audits a
    left join {{ cf_teams() }} t on t.team_id = a.audi_team_id
    left join ssd_professionals au on au.prof_professional_id = a.audi_auditor_id
    left join ssd_professionals w on w.prof_professional_id = a.audi_worker_id
)

select * from final
order by is_outstanding desc, team_name, due_date, audit_id
