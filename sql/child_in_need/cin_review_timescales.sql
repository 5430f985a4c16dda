-- One row per CIN plan review due in the 12 months to the period end or in the month after it:
-- held on time, held late, overdue (not held by the period end) or due next month.
with reviews as (
    select r.*
    from ext_cin_reviews r
    where r.cinr_due_date >= {{ cf_window_start(':period_end') }}
      and r.cinr_due_date <= {{ add_months(':period_end', 1) }}
),

final as (
    select
        r.cinr_review_id as review_id,
        r.cinr_person_id as person_id,
        {{ child_name('per') }} as child_name,
        ch.team_id,
        ch.team_name,
        ch.worker_name,
        r.cinr_due_date as due_date,
        case when r.cinr_review_date <= :period_end then r.cinr_review_date end as review_date,
        case when r.cinr_review_date <= :period_end and r.cinr_review_date > r.cinr_due_date
             then {{ days_between('r.cinr_due_date', 'r.cinr_review_date') }} end as days_late,
        {{ cf_month_of('r.cinr_due_date') }} as month,
        case when r.cinr_due_date > :period_end then 'Due next month' else {{ cf_window('r.cinr_due_date') }} end
            as time_window,
        case when r.cinr_due_date > :period_end then 'Due next month'
             when r.cinr_review_date <= :period_end and r.cinr_review_date <= r.cinr_due_date then 'Held on time'
             when r.cinr_review_date <= :period_end then 'Held late'
             else 'Overdue' end as status,
        case when r.cinr_due_date > :period_end then 'amber'
             when r.cinr_review_date <= :period_end and r.cinr_review_date <= r.cinr_due_date then 'green'
             else 'red' end as status_rag,
        {{ cf_score('r.cinr_review_date <= :period_end and r.cinr_review_date <= r.cinr_due_date',
                    'r.cinr_due_date <= :period_end') }} as on_time_score,
        case when r.cinr_due_date <= :period_end and (r.cinr_review_date is null or r.cinr_review_date > :period_end)
             then 1 else 0 end as is_overdue,
        case when r.cinr_due_date > :period_end then 1 else 0 end as is_due_next_month,
        case when r.cinr_due_date <= :period_end then 1 else 0 end as is_due_by_period_end
    from reviews r
    join ssd_person per on per.pers_person_id = r.cinr_person_id
    left join {{ cf_case_holder_at(':period_end') }} ch on ch.person_id = r.cinr_person_id
)

select * from final
order by is_overdue desc, is_due_next_month desc, team_name, due_date, review_id
