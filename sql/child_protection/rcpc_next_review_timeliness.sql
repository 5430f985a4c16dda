-- One row per review child protection conference (RCPC) held in the 12 months to the period end
-- that decided the plan should continue, with the next review: due within 6 months.
with reviews as (
    select
        r.cppr_cp_review_id as review_id,
        r.cppr_person_id as person_id,
        r.cppr_cp_plan_id as cp_plan_id,
        r.cppr_cp_review_date as review_date,
        {{ add_months('r.cppr_cp_review_date', 6) }} as next_review_due
    from ssd_cp_reviews r
    where r.cppr_cp_review_outcome_continue_cp = 'Y'
      and r.cppr_cp_review_date <= :as_at
      and r.cppr_cp_review_date > {{ add_days(':as_at', -365) }}
),

next_review as (
    select rv.review_id, min(nx.cppr_cp_review_date) as next_review_date
    from reviews rv
    join ssd_cp_reviews nx on nx.cppr_cp_plan_id = rv.cp_plan_id
    where nx.cppr_cp_review_date > rv.review_date
      and nx.cppr_cp_review_date <= :as_at
    group by rv.review_id
),

base as (
    select
        rv.*,
        nr.next_review_date,
        pl.cppl_cp_plan_end_date as plan_end,
        case
            when nr.next_review_date is not null and nr.next_review_date <= rv.next_review_due then 'Held on time'
            when nr.next_review_date is not null then 'Held late'
            when pl.cppl_cp_plan_end_date <= :as_at then 'Plan ended before review'
            when rv.next_review_due < :as_at then 'Overdue'
            else 'Not yet due'
        end as status
    from reviews rv
    join ssd_cp_plans pl on pl.cppl_cp_plan_id = rv.cp_plan_id
    left join next_review nr on nr.review_id = rv.review_id
),

final as (
    select
        b.review_id,
        b.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        b.review_date,
        b.next_review_due,
        b.next_review_date,
        b.status,
        case b.status when 'Held late' then 'red' when 'Overdue' then 'red' else 'green' end as status_rag,
        case
            when b.status = 'Held late' then {{ days_between('b.next_review_due', 'b.next_review_date') }}
            when b.status = 'Overdue' then {{ days_between('b.next_review_due', ':as_at') }}
            when b.status = 'Not yet due' then null  -- not late, and not yet on time either: blank, not 0
            else 0
        end as days_late,
        case when b.status = 'Not yet due' then {{ days_between(':as_at', 'b.next_review_due') }} end
            as days_until_due,
        case when b.status = 'Held on time' then 1 else 0 end as is_on_time,
        case when b.status in ('Held on time', 'Held late') then 1 else 0 end as is_held,
        case when b.status = 'Held late' then 1 else 0 end as is_held_late,
        case when b.status = 'Overdue' then 1 else 0 end as is_overdue,
        -- red first (overdue, then held late), so the PDF's first 100 rows hold what the e-mail names
        case b.status when 'Overdue' then 1 when 'Held late' then 2 when 'Not yet due' then 3 else 4 end as sort_order
    from base b
    join ssd_person per on per.pers_person_id = b.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = b.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
)

select * from final
order by sort_order, days_late desc, next_review_due, team_name, person_id, review_id
