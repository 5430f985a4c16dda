-- One row per child protection plan open at the period end or ended in the period: how long it
-- has lasted (to the period end, or to its end), in bands, and whether the child had a plan before.
-- Bands are calendar months and years from the plan start (the DfE's), not day counts: a plan from
-- 1 March 2022 to 29 February 2024 has lasted 730 days but not 2 years.
with plans as (
    select
        p.cppl_cp_plan_id as cp_plan_id,
        p.cppl_person_id as person_id,
        p.cppl_cp_plan_start_date as plan_start,
        case when p.cppl_cp_plan_end_date <= :period_end then p.cppl_cp_plan_end_date end as plan_end,
        p.cppl_cp_plan_latest_category as category
    from ssd_cp_plans p
    where p.cppl_cp_plan_start_date <= :period_end
      and (p.cppl_cp_plan_end_date is null or p.cppl_cp_plan_end_date >= :period_start)
),

measured as (
    select pl.*,
           {{ days_between('pl.plan_start', 'coalesce(pl.plan_end, :period_end)') }} as duration_days,
           coalesce(pl.plan_end, :period_end) as measured_to,
           {{ add_months('pl.plan_start', 3) }} as three_months,
           {{ add_months('pl.plan_start', 6) }} as six_months,
           {{ add_months('pl.plan_start', 12) }} as one_year,
           {{ add_months('pl.plan_start', 18) }} as eighteen_months,
           {{ add_months('pl.plan_start', 24) }} as two_years,
           (select count(*) from ssd_cp_plans earlier
             where earlier.cppl_person_id = pl.person_id
               and earlier.cppl_cp_plan_start_date < pl.plan_start) as previous_plans
    from plans pl
),

final as (
    select
        m.cp_plan_id,
        m.person_id,
        {{ child_name('per') }} as child_name,
        ch.team_id,
        ch.team_name,
        ch.worker_name,
        {{ cf_cp_category_name('m.category') }} as category,
        m.plan_start,
        m.plan_end,
        case when m.plan_end is null then 'Open at period end' else 'Ended this period' end as plan_status,
        m.duration_days,
        case when m.measured_to < m.three_months then 'Under 3 months'
             when m.measured_to < m.six_months then '3 to 6 months'
             when m.measured_to < m.one_year then '6 to 12 months'
             when m.measured_to < m.two_years then '1 to 2 years'
             else '2 years or more' end as duration_band,
        case when m.measured_to >= m.two_years then 'red' when m.measured_to >= m.eighteen_months then 'amber'
             else 'green' end as duration_rag,
        m.previous_plans,
        case when m.previous_plans > 0 then 1 else 0 end as is_repeat_plan,
        case when m.plan_end is null then 1 else 0 end as is_open,
        case when m.plan_end is null and m.measured_to >= m.two_years then 1 else 0 end as open_two_years_plus
    from measured m
    join ssd_person per on per.pers_person_id = m.person_id
    left join {{ cf_case_holder_at(':period_end') }} ch on ch.person_id = m.person_id
)

select * from final
-- red and amber plans first (a plan of two years or more that ended in the month too)
order by case duration_rag when 'red' then 0 when 'amber' then 1 else 2 end, is_open desc, duration_days desc,
    cp_plan_id
