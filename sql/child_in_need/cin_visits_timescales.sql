-- One row per child on a child in need plan at any time in the period: visits in the period and
-- in the 12 months to its end, how many came more than 20 working days after the visit before (or
-- the plan start), and whether a visit was overdue at the period end (the local standard).
with plans as (
    select
        c.cinp_cin_plan_id as cin_plan_id,
        c.cinp_person_id as person_id,
        c.cinp_cin_plan_start_date as plan_start,
        c.cinp_cin_plan_end_date as plan_end
    from ssd_cin_plans c
    where c.cinp_cin_plan_start_date <= :period_end
      and (c.cinp_cin_plan_end_date is null or c.cinp_cin_plan_end_date >= :period_start)
      and (c.cinp_cin_plan_end_date is null or c.cinp_cin_plan_end_date >= c.cinp_cin_plan_start_date)
),

visits as (
    select
        p.cin_plan_id,
        v.cinv_cin_visit_date as visit_date,
        coalesce(lag(v.cinv_cin_visit_date) over (partition by p.cin_plan_id
                                                  order by v.cinv_cin_visit_date, v.cinv_cin_visit_id),
                 p.plan_start) as previous_date
    from plans p
    join ssd_cin_visits v on v.cinv_person_id = p.person_id
    where v.cinv_cin_visit_date > p.plan_start
      and v.cinv_cin_visit_date <= coalesce(p.plan_end, :period_end)
      and v.cinv_cin_visit_date <= :period_end
      and v.cinv_cin_visit_seen = 'Y'  -- a visit with the child not seen does not meet the standard
),

gaps as (
    select vi.*, {{ working_days('vi.previous_date', 'vi.visit_date') }} as gap_wd
    from visits vi
    where vi.visit_date >= {{ cf_window_start(':period_end') }}
),

per_plan as (
    select
        p.cin_plan_id,
        sum(case when g.visit_date >= :period_start then 1 else 0 end) as visits_in_period,
        sum(case when g.visit_date >= :period_start and g.gap_wd > {{ cf_cin_visit_standard_wd() }} then 1 else 0 end)
            as late_in_period,
        count(g.visit_date) as visits_12_months,
        sum(case when g.gap_wd > {{ cf_cin_visit_standard_wd() }} then 1 else 0 end) as late_12_months
    from plans p
    left join gaps g on g.cin_plan_id = p.cin_plan_id
    group by p.cin_plan_id
),

last_visit as (
    select vi.cin_plan_id, max(vi.visit_date) as last_visit_date from visits vi group by vi.cin_plan_id
),

-- visits recorded in the month with the child not seen (or no outcome): a data-quality finding
not_seen as (
    select p.cin_plan_id, count(*) as visits_not_seen
    from plans p
    join ssd_cin_visits v on v.cinv_person_id = p.person_id
    where v.cinv_cin_visit_date >= :period_start and v.cinv_cin_visit_date <= :period_end
      and v.cinv_cin_visit_date > p.plan_start
      and coalesce(v.cinv_cin_visit_seen, 'N') <> 'Y'
    group by p.cin_plan_id
),

final as (
    select
        p.cin_plan_id,
        p.person_id,
        {{ child_name('per') }} as child_name,
        ch.team_id,
        ch.team_name,
        ch.worker_name,
        p.plan_start,
        case when p.plan_end <= :period_end then p.plan_end end as plan_end,
        coalesce(pp.visits_in_period, 0) as visits_in_period,
        coalesce(pp.late_in_period, 0) as late_in_period,
        lv.last_visit_date,
        {{ add_working_days('coalesce(lv.last_visit_date, p.plan_start)', cf_cin_visit_standard_wd()) }}
            as next_visit_due,
        case when (p.plan_end is null or p.plan_end > :period_end)
              and {{ add_working_days('coalesce(lv.last_visit_date, p.plan_start)', cf_cin_visit_standard_wd()) }}
                  < :period_end
             then 1 else 0 end as overdue_at_period_end,
        coalesce(pp.visits_12_months, 0) as visits_12_months,
        coalesce(pp.late_12_months, 0) as late_12_months,
        coalesce(ns.visits_not_seen, 0) as visits_not_seen
    from plans p
    join per_plan pp on pp.cin_plan_id = p.cin_plan_id
    left join last_visit lv on lv.cin_plan_id = p.cin_plan_id
    left join not_seen ns on ns.cin_plan_id = p.cin_plan_id
    join ssd_person per on per.pers_person_id = p.person_id
    left join {{ cf_case_holder_at(':period_end') }} ch on ch.person_id = p.person_id
),

scored as (
    select f.*,
           case when f.overdue_at_period_end = 1 then 'Visit overdue'
                when f.late_in_period > 0 then 'Late visit this month'
                else 'Within standard' end as status,
           case when f.overdue_at_period_end = 1 or f.late_in_period > 0 then 'red' else 'green' end as status_rag,
           case when f.late_in_period = 0 and f.overdue_at_period_end = 0 then 100 else 0 end as compliance_score
    from final f
)

select * from scored
order by overdue_at_period_end desc, late_in_period desc, team_name, child_name, cin_plan_id
