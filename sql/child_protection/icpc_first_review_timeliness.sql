-- One row per initial child protection conference (ICPC) that made a CP plan, held in the 12
-- months to the period end, with the first review conference: due within 3 months of the ICPC.
with icpcs as (
    select
        i.icpc_icpc_id as icpc_id,
        i.icpc_person_id as person_id,
        i.icpc_cp_plan_id as cp_plan_id,
        i.icpc_icpc_date as icpc_date,
        {{ add_months('i.icpc_icpc_date', 3) }} as first_review_due
    from ssd_initial_cp_conference i
    where i.icpc_icpc_outcome_cp_flag = 'Y'
      and i.icpc_icpc_date <= :as_at
      and i.icpc_icpc_date > {{ add_days(':as_at', -365) }}
),

first_review as (
    select r.cppr_cp_plan_id as cp_plan_id, min(r.cppr_cp_review_date) as first_review_date
    from ssd_cp_reviews r
    join icpcs i on i.cp_plan_id = r.cppr_cp_plan_id
    where r.cppr_cp_review_date <= :as_at
    group by r.cppr_cp_plan_id
),

plan_end as (
    select pl.cppl_cp_plan_id as cp_plan_id, pl.cppl_cp_plan_end_date as plan_end
    from ssd_cp_plans pl
    join icpcs i on i.cp_plan_id = pl.cppl_cp_plan_id
    where pl.cppl_cp_plan_end_date <= :as_at
),

base as (
    select
        i.*,
        fr.first_review_date,
        pe.plan_end,
        case
            when fr.first_review_date is not null and fr.first_review_date <= i.first_review_due then 'Held on time'
            when fr.first_review_date is not null then 'Held late'
            when pe.plan_end is not null then 'Plan ended before review'
            when i.first_review_due < :as_at then 'Overdue'
            else 'Not yet due'
        end as status
    from icpcs i
    left join first_review fr on fr.cp_plan_id = i.cp_plan_id
    left join plan_end pe on pe.cp_plan_id = i.cp_plan_id
),

final as (
    select
        b.icpc_id,
        b.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        b.icpc_date,
        b.first_review_due,
        b.first_review_date,
        b.status,
        case b.status when 'Held on time' then 'green' when 'Not yet due' then 'green'
                      when 'Plan ended before review' then 'green' else 'red' end as status_rag,
        case
            when b.status = 'Held late' then {{ days_between('b.first_review_due', 'b.first_review_date') }}
            when b.status = 'Overdue' then {{ days_between('b.first_review_due', ':as_at') }}
            when b.status = 'Not yet due' then null  -- not late, and not yet on time either: blank, not 0
            else 0
        end as days_late,
        case when b.status = 'Not yet due' then {{ days_between(':as_at', 'b.first_review_due') }} end
            as days_until_due,
        case when b.status = 'Held on time' then 1 else 0 end as is_on_time,
        case when b.status in ('Held on time', 'Held late') then 1 else 0 end as is_held,
        case when b.status = 'Overdue' then 1 else 0 end as is_overdue,
        case b.status when 'Overdue' then 1 when 'Not yet due' then 2 when 'Held late' then 3 else 4 end as sort_order
    from base b
    join ssd_person per on per.pers_person_id = b.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = b.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
)

select * from final
order by sort_order, days_late desc, first_review_due, team_name, person_id, icpc_id
