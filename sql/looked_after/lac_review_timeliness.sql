-- One row per child looked after at the period end: their statutory review history in the
-- current period of care, when the next review is due under the Care Planning Regulations 2010,
-- and whether it is overdue. Reviews held in the period are counted with whether they were on time.
with due as materialized (
    select * from {{ lac_review_due(':as_at') }} d
),

-- on time against the regulation's due date; a recorded due date that differs is counted as a
-- data-quality finding (the regulation wins)
held_in_period as (
    select r.cla_id, count(*) as held,
           sum(case when r.review_date <= r.due_by_regulation then 1 else 0 end) as on_time,
           sum(case when r.recorded_due is null or r.recorded_due <> r.due_by_regulation then 1 else 0 end)
               as recorded_due_differs
    from {{ lac_reviews_by_regulation(':period_end') }} r
    where r.review_date >= :period_start and r.review_date <= :period_end
    group by r.cla_id
),

final as (
    select
        d.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        d.entered_care,
        coalesce(d.reviews_held, 0) as reviews_held,
        d.last_review,
        d.review_standard,
        d.next_review_due,
        -- calendar days since the due date passed (working days would say 0 for a review due on
        -- Friday and missed, on the Sunday)
        case when d.next_review_due < :as_at then {{ days_between('d.next_review_due', ':as_at') }} end
            as days_overdue,
        coalesce(h.held, 0) as reviews_in_period,
        coalesce(h.on_time, 0) as reviews_in_period_on_time,
        coalesce(h.recorded_due_differs, 0) as recorded_due_differs,
        case when d.next_review_due < :as_at then 'Overdue'
             when d.next_review_due <= {{ add_days(':as_at', 28) }} then 'Due in next 28 days'
             else 'In timescale' end as status,
        case when d.next_review_due < :as_at then 'red'
             when d.next_review_due <= {{ add_days(':as_at', 28) }} then 'amber' else 'green' end as status_rag,
        case when d.next_review_due < :as_at then 1 else 0 end as is_overdue,
        case when d.next_review_due >= :as_at then 1 else 0 end as is_in_timescale,
        case when ls.lega_legal_status is null then 'No legal status recorded' end as episode_issue
    from due d
    join ssd_person per on per.pers_person_id = d.person_id
    left join held_in_period h on h.cla_id = d.cla_id
    left join ssd_legal_status ls on ls.lega_person_id = d.person_id
         and ls.lega_legal_status_start_date <= :as_at
         and (ls.lega_legal_status_end_date is null or ls.lega_legal_status_end_date > :as_at)
    {{ allocation_joins('d.person_id', ':as_at') }}
)

select * from final
order by is_overdue desc, next_review_due, team_name, person_id
