-- One row per headline child protection figure for the month (and the 12 months to its end
-- where the figure is a flow): counts only, no child is named. For the police CAIT.
with window_start as (
    select {{ cf_window_start(':period_end') }} as d
),

figures as (
    select 1 as sort_order, 'Child protection plans' as section, 'Children on a CP plan at month end' as figure,
           (select count(distinct p.person_id) from {{ cp_plans_at(':period_end') }} p) as this_period,
           cast(null as integer) as last_12_months
    union all
    -- AL03 off here: a UNION takes its column names from its first branch, so later branches need none.
    -- noqa: disable=AL03
    select 2, 'Child protection plans', 'CP plans started',
           (select count(*) from ssd_cp_plans p
            where p.cppl_cp_plan_start_date between :period_start and :period_end),
           (select count(*) from ssd_cp_plans p, window_start w
            where p.cppl_cp_plan_start_date between w.d and :period_end)
    union all
    select 3, 'Child protection plans', 'CP plans ended',
           (select count(*) from ssd_cp_plans p
            where p.cppl_cp_plan_end_date between :period_start and :period_end),
           (select count(*) from ssd_cp_plans p, window_start w
            where p.cppl_cp_plan_end_date between w.d and :period_end)
    union all
    select 4, 'Enquiries and conferences', 'Strategy discussions held',
           (select count(*) from ext_strategy_discussions s
            where s.stra_start_date between :period_start and :period_end),
           (select count(*) from ext_strategy_discussions s, window_start w
            where s.stra_start_date between w.d and :period_end)
    union all
    select 5, 'Enquiries and conferences', 'Section 47 enquiries started',
           (select count(*) from ssd_s47_enquiry s
            where s.s47e_s47_start_date between :period_start and :period_end),
           (select count(*) from ssd_s47_enquiry s, window_start w
            where s.s47e_s47_start_date between w.d and :period_end)
    union all
    select 6, 'Enquiries and conferences', 'Initial CP conferences held',
           (select count(*) from ssd_initial_cp_conference i
            where i.icpc_icpc_date between :period_start and :period_end),
           (select count(*) from ssd_initial_cp_conference i, window_start w
            where i.icpc_icpc_date between w.d and :period_end)
    union all
    select 10 + c.n, 'Children on a plan at month end by category', c.label,
           (select count(*) from {{ cp_plans_at(':period_end') }} p where p.category = c.code),
           cast(null as integer)
    from (select 1 as n, 'NEG' as code, 'Neglect' as label
          union all select 2, 'EMO', 'Emotional abuse'
          union all select 3, 'PHY', 'Physical abuse'
          union all select 4, 'SAB', 'Sexual abuse'
          union all select 5, 'MUL', 'Multiple categories') c
    -- noqa: enable=AL03
),

final as (
    select f.sort_order, f.section, f.figure, f.this_period, f.last_12_months from figures f
)

select * from final
order by sort_order
