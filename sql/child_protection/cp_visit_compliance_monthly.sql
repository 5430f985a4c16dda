-- One row per child on a child protection plan at any time in the period: visits in the period
-- and in the 12 months to its end, how many came more than 10 working days after the one before
-- (or after the plan start), and whether a visit was overdue at the period end. A visit counts only
-- when the child was seen; visits recorded as not seen (or with no outcome) in the period are
-- counted beside, as a data-quality finding.
with plans as (
    select * from {{ cp_plans_in_period() }} p
),

visits as (
    select
        v.cppv_cp_plan_id as cp_plan_id,
        v.cppv_cp_visit_date as visit_date,
        v.cppv_cp_visit_seen_alone as seen_alone,
        coalesce(lag(v.cppv_cp_visit_date) over (partition by v.cppv_cp_plan_id
                                                 order by v.cppv_cp_visit_date, v.cppv_cp_visit_id),
                 p.plan_start) as previous_date
    from ssd_cp_visits v
    join plans p on p.cp_plan_id = v.cppv_cp_plan_id
    where v.cppv_cp_visit_date <= :period_end
      and v.cppv_cp_visit_seen = 'Y'
),

not_seen as (
    select v.cppv_cp_plan_id as cp_plan_id, count(*) as visits_not_seen
    from ssd_cp_visits v
    where v.cppv_cp_visit_date >= :period_start and v.cppv_cp_visit_date <= :period_end
      and coalesce(v.cppv_cp_visit_seen, 'N') <> 'Y'
    group by v.cppv_cp_plan_id
),

gaps as (
    select vi.*, {{ working_days('vi.previous_date', 'vi.visit_date') }} as gap_wd
    from visits vi
    where vi.visit_date >= {{ cf_window_start(':period_end') }}
),

per_plan as (
    select
        p.cp_plan_id,
        sum(case when g.visit_date >= :period_start then 1 else 0 end) as visits_in_period,
        sum(case when g.visit_date >= :period_start and g.gap_wd > {{ cf_cp_visit_standard_wd() }} then 1 else 0 end)
            as late_in_period,
        sum(case when g.visit_date >= :period_start and g.seen_alone = 'Y' then 1 else 0 end) as seen_alone_in_period,
        count(g.visit_date) as visits_12_months,
        sum(case when g.gap_wd > {{ cf_cp_visit_standard_wd() }} then 1 else 0 end) as late_12_months
    from plans p
    left join gaps g on g.cp_plan_id = p.cp_plan_id
    group by p.cp_plan_id
),

last_visit as (
    select vi.cp_plan_id, max(vi.visit_date) as last_visit_date from visits vi group by vi.cp_plan_id
),

final as (
    select
        p.cp_plan_id,
        p.person_id,
        {{ child_name('per') }} as child_name,
        ch.team_id,
        ch.team_name,
        ch.worker_name,
        p.plan_start,
        case when p.plan_end <= :period_end then p.plan_end end as plan_end,
        pp.visits_in_period,
        coalesce(pp.late_in_period, 0) as late_in_period,
        coalesce(pp.seen_alone_in_period, 0) as seen_alone_in_period,
        lv.last_visit_date,
        case when (p.plan_end is null or p.plan_end > :period_end)
              and {{ add_working_days('coalesce(lv.last_visit_date, p.plan_start)', cf_cp_visit_standard_wd()) }}
                  < :period_end
             then 1 else 0 end as overdue_at_period_end,
        pp.visits_12_months,
        coalesce(pp.late_12_months, 0) as late_12_months,
        coalesce(ns.visits_not_seen, 0) as visits_not_seen
    from plans p
    join per_plan pp on pp.cp_plan_id = p.cp_plan_id
    left join last_visit lv on lv.cp_plan_id = p.cp_plan_id
    left join not_seen ns on ns.cp_plan_id = p.cp_plan_id
    join ssd_person per on per.pers_person_id = p.person_id
    left join {{ cf_case_holder_at(':period_end') }} ch on ch.person_id = p.person_id
),

scored as (
    select f.*,
           case when f.late_in_period = 0 and f.overdue_at_period_end = 0 then 'Compliant' else 'Not compliant' end
               as status,
           case when f.late_in_period = 0 and f.overdue_at_period_end = 0 then 'green' else 'red' end as status_rag,
           case when f.late_in_period = 0 and f.overdue_at_period_end = 0 then 100 else 0 end as compliance_score,
           case when f.late_in_period = 0 and f.overdue_at_period_end = 0 then 0 else 1 end as not_compliant
    from final f
)

select * from scored
order by not_compliant desc, team_name, child_name, cp_plan_id
