-- One row per case audit of the QA programme (dip sample, practice week, front door, thematic)
-- due in the period: completed on time, late or outstanding, its grade and moderation. The
-- moderation sample is drawn by the pipeline from the completed audits (see the YAML `sample`).
with audits as (
    select a.*
    from ext_case_audits a
    where a.audi_audit_type <> 'compliance'
      and a.audi_due_date between :period_start and :period_end
),

final as (
    select
        a.audi_audit_id as audit_id,
        a.audi_person_id as person_id,
        case a.audi_audit_type when 'dip_sample' then 'Dip sample' when 'practice_week' then 'Practice week'
             when 'front_door' then 'Front door' when 'thematic' then 'Thematic' else a.audi_audit_type end
            as audit_type,
        a.audi_theme as theme,
        a.audi_team_id as team_id,
        t.team_name,
        w.prof_professional_name as worker_name,
        au.prof_professional_name as auditor_name,
        a.audi_due_date as due_date,
        case when a.audi_completed_date <= :as_at then a.audi_completed_date end as completed_date,
        case when a.audi_completed_date <= :as_at then a.audi_grade end as grade,
        case when a.audi_completed_date <= :as_at and a.audi_completed_date <= a.audi_due_date then 'Completed on time'
             when a.audi_completed_date <= :as_at then 'Completed late'
             else 'Not completed' end as status,
        case when a.audi_completed_date <= :as_at and a.audi_completed_date <= a.audi_due_date then 'green'
             when a.audi_completed_date <= :as_at then 'amber' else 'red' end as status_rag,
        case when a.audi_completed_date <= :as_at and a.audi_completed_date <= a.audi_due_date then 100 else 0 end
            as on_time_score,
        case when a.audi_completed_date <= :as_at then 1 else 0 end as is_completed,
        case when a.audi_grade in ('Outstanding', 'Good') then 'green' when a.audi_grade = 'Requires Improvement'
             then 'amber' when a.audi_grade = 'Inadequate' then 'red' end as grade_rag,
        case when a.audi_moderated = {{ true_() }} then a.audi_moderation_outcome end as moderation_outcome,
        0 as in_moderation_sample
    from audits a
    left join {{ teams() }} t on t.team_id = a.audi_team_id
    left join ssd_professionals w on w.prof_professional_id = a.audi_worker_id
    left join ssd_professionals au on au.prof_professional_id = a.audi_auditor_id
)

select * from final
order by team_name, due_date, audit_id
