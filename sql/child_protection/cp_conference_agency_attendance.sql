-- One row per agency and type of conference (initial / review) held in the quarter: how often it
-- was invited, attended and sent a report.
with attendance as (
    select a.*
    from ext_cp_conference_attendance a
    where a.atte_conference_date between :period_start and :period_end
),

final as (
    select
        a.atte_agency as agency,
        case when a.atte_conference_type = 'ICPC' then 'Initial (ICPC)' else 'Review (RCPC)' end as conference_type,
        count(distinct a.atte_meeting_id) as conferences,
        sum(case when a.atte_invited = {{ true_() }} then 1 else 0 end) as invited,
        sum(case when a.atte_attended = {{ true_() }} then 1 else 0 end) as attended,
        sum(case when a.atte_report_submitted = {{ true_() }} then 1 else 0 end) as reports_submitted,
        round(100.0 * sum(case when a.atte_attended = {{ true_() }} then 1 else 0 end)
              / nullif(sum(case when a.atte_invited = {{ true_() }} then 1 else 0 end), 0), 1) as pct_attended,
        round(100.0 * sum(case when a.atte_report_submitted = {{ true_() }} then 1 else 0 end)
              / nullif(sum(case when a.atte_invited = {{ true_() }} then 1 else 0 end), 0), 1) as pct_reports
    from attendance a
    group by a.atte_agency, case when a.atte_conference_type = 'ICPC' then 'Initial (ICPC)' else 'Review (RCPC)' end
)

select * from final
order by agency, conference_type
