-- One row per finding (practice area judged a strength or an area for development) of the case
-- audits completed in the quarter, with the audit's grade, type and team.
with audits as (
    select a.*
    from ext_case_audits a
    where a.audi_completed_date between :period_start and :period_end
),

final as (
    select
        f.aufi_finding_id as finding_id,
        a.audi_audit_id as audit_id,
        case a.audi_audit_type when 'dip_sample' then 'Dip sample' when 'practice_week' then 'Practice week'
             when 'front_door' then 'Front door' when 'thematic' then 'Thematic' when 'compliance' then 'Compliance'
             else a.audi_audit_type end as audit_type,
        a.audi_theme as theme,
        a.audi_team_id as team_id,
        t.team_name,
        a.audi_completed_date as completed_date,
        a.audi_grade as grade,
        case when a.audi_grade in ('Outstanding', 'Good') then 'green' when a.audi_grade = 'Requires Improvement'
             then 'amber' when a.audi_grade = 'Inadequate' then 'red' end as grade_rag,
        f.aufi_practice_area as practice_area,
        f.aufi_judgement as judgement,
        case when f.aufi_judgement = 'Strength' then 1 else 0 end as is_strength,
        case when f.aufi_judgement = 'Strength' then 0 else 1 end as is_development,
        case when f.aufi_judgement = 'Strength' then 100 else 0 end as strength_score,
        case when a.audi_moderated = {{ true_() }} then a.audi_moderation_outcome end as moderation_outcome
    from audits a
    join ext_audit_findings f on f.aufi_audit_id = a.audi_audit_id
    left join {{ teams() }} t on t.team_id = a.audi_team_id
)

select * from final
-- findings of inadequate audits first, then requires improvement: the PDF's first rows hold them
order by case grade_rag when 'red' then 0 when 'amber' then 1 else 2 end, practice_area, judgement, audit_id,
    finding_id
