-- One row per child protection conference due in the 12 months to the period end or in the month
-- after it: initial conferences (due 15 working days after the strategy discussion: the target
-- date recorded on the ICPC) and review conferences (first within 3 months of the ICPC, then not
-- more than 6 months after the previous review: Working Together; the recorded due date only for a
-- review not yet held). Held on or before the due date is on time.
with conferences as (
    select
        i.icpc_icpc_id as conference_id,
        i.icpc_person_id as person_id,
        'Initial (ICPC)' as conference_type,
        i.icpc_icpc_target_date as due_date,
        i.icpc_icpc_date as held_date,
        i.icpc_icpc_team as team_id,
        0 as recorded_due_differs
    from ssd_initial_cp_conference i
    where i.icpc_icpc_target_date is not null
    union all
    -- AL03 off here: a UNION takes its column names from its first branch, so later branches need none.
    -- noqa: disable=AL03
    select
        r.cppr_cp_review_id,
        r.cppr_person_id,
        'Review (RCPC)',
        coalesce(rg.due_by_regulation, r.cppr_cp_review_due),
        r.cppr_cp_review_date,
        null,
        case when rg.due_by_regulation is not null
              and (r.cppr_cp_review_due is null or r.cppr_cp_review_due <> rg.due_by_regulation) then 1 else 0 end
    -- noqa: enable=AL03
    from ssd_cp_reviews r
    left join {{ cp_reviews_by_regulation(add_months(':period_end', 1)) }} rg on rg.review_id = r.cppr_cp_review_id
),

in_scope as (
    select c.*
    from conferences c
    where c.due_date >= {{ cf_window_start(':period_end') }}
      and c.due_date <= {{ add_months(':period_end', 1) }}
),

final as (
    select
        c.conference_id,
        c.person_id,
        {{ child_name('per') }} as child_name,
        c.conference_type,
        coalesce(c.team_id, ch.team_id) as team_id,
        coalesce(tm.team_name, ch.team_name) as team_name,
        c.due_date,
        case when c.held_date <= :period_end then c.held_date end as held_date,
        case when c.held_date <= :period_end and c.held_date > c.due_date
             then {{ working_days('c.due_date', 'c.held_date') }} end as working_days_late,
        case when c.due_date > :period_end then 'Due next month'
             else {{ cf_window('c.due_date') }} end as time_window,
        case when c.due_date > :period_end then 'Due next month'
             when c.held_date <= :period_end and c.held_date <= c.due_date then 'Held on time'
             when c.held_date <= :period_end then 'Held late'
             else 'Overdue: not held' end as status,
        case when c.due_date > :period_end then 'amber'
             when c.held_date <= :period_end and c.held_date <= c.due_date then 'green'
             else 'red' end as status_rag,
        {{ cf_score('c.held_date <= :period_end and c.held_date <= c.due_date', 'c.due_date <= :period_end') }}
            as on_time_score,
        case when c.due_date <= :period_end and (c.held_date is null or c.held_date > :period_end) then 1 else 0 end
            as is_overdue,
        case when c.due_date >= :period_start and c.due_date <= :period_end then 1 else 0 end as due_in_period,
        c.recorded_due_differs,
        case when c.due_date <= :period_end then 1 else 0 end as is_due_by_period_end
    from in_scope c
    join ssd_person per on per.pers_person_id = c.person_id
    left join {{ cf_teams() }} tm on tm.team_id = c.team_id
    left join {{ cf_case_holder_at(':period_end') }} ch on ch.person_id = c.person_id
)

select * from final
-- overdue, then the rest of the red (held late), amber, green: the PDF's first rows hold the exceptions
order by is_overdue desc, case status_rag when 'red' then 0 when 'amber' then 1 else 2 end, due_date desc,
    conference_type, conference_id
