-- One row per team and month for the 12 months to the period end (plus one 'All teams' row per
-- month): children on a CP plan at the month end, visits in the month and how many were within
-- 10 working days of the visit before (or of the plan start). Only visits at which the child was
-- seen count: a visit recorded as not seen (or with no outcome) does not meet the standard.
-- Children count to the team holding the case at the month end, visits to the team that held it
-- on the day of the visit.
with months as (
    select * from {{ cf_last_12_months(':period_end') }} m
),

-- plans with a visit in the 12 months: only their visits need the visit before (which is on the
-- same plan), not every visit ever recorded (most of the history, more of it the larger the area)
window_plans as materialized (
    select distinct v.cppv_cp_plan_id as cp_plan_id
    from ssd_cp_visits v
    where v.cppv_cp_visit_date >= (select min(mo.month_start) from months mo)
      and v.cppv_cp_visit_date <= :period_end
      and v.cppv_cp_visit_seen = 'Y'
),

visits as (
    select
        v.cppv_cp_visit_id as visit_id,
        v.cppv_person_id as person_id,
        v.cppv_cp_visit_date as visit_date,
        coalesce(lag(v.cppv_cp_visit_date) over (partition by v.cppv_cp_plan_id
                                                 order by v.cppv_cp_visit_date, v.cppv_cp_visit_id),
                 p.cppl_cp_plan_start_date) as previous_date
    from ssd_cp_visits v
    join window_plans wp on wp.cp_plan_id = v.cppv_cp_plan_id
    join ssd_cp_plans p on p.cppl_cp_plan_id = v.cppv_cp_plan_id
    where v.cppv_cp_visit_date <= :period_end
      and v.cppv_cp_visit_seen = 'Y'
),

month_visits as (
    -- working days as a difference of the calendar's numbers, joined rather than looked up per
    -- row (the working_days block): PostgreSQL plans the joins far better over a year of visits
    select mo.month_index, mo.month, mo.month_end, vi.visit_id, vi.person_id, vi.visit_date,
           case when c_visit.cal_working_day_number - c_prev.cal_working_day_number <= {{ cf_cp_visit_standard_wd() }}
                then 1 else 0 end as within_standard
    from visits vi
    join ext_calendar c_visit on c_visit.cal_date = vi.visit_date
    -- the visit's month by its number (months are whole calendar months), an equality join
    -- instead of a date range tested against every month for every visit
    join months mo on mo.month_index = c_visit.cal_year * 12 + c_visit.cal_month
    join ext_calendar c_prev on c_prev.cal_date = vi.previous_date
),

-- the children whose team is looked up below: visited in the 12 months, or on a plan at one of
-- its month ends (ranking every child's involvements at 12 month ends cost most of the report)
window_children as materialized (
    select mv.person_id from month_visits mv
    union
    select p.cppl_person_id
    from ssd_cp_plans p
    where p.cppl_cp_plan_start_date <= (select max(mo.month_end) from months mo)
      and (p.cppl_cp_plan_end_date is null or p.cppl_cp_plan_end_date > (select min(mo.month_end) from months mo))
),

-- their involvements, read by person (not every involvement once per month)
window_involvements as materialized (
    select inv.invo_person_id, inv.invo_professional_team, inv.invo_involvement_start_date,
           inv.invo_involvement_end_date, inv.invo_involvements_id
    from window_children wc
    join ssd_involvements inv on inv.invo_person_id = wc.person_id
),

-- each child on a plan belongs to the team holding the case at the month end (the latest
-- allocation open then, as allocation_at does for one date)
month_allocation as (
    select r.month_index, r.person_id, r.team_id
    from (select mo.month_index, inv.invo_person_id as person_id, inv.invo_professional_team as team_id,
                 row_number() over (partition by mo.month_index, inv.invo_person_id
                                    order by inv.invo_involvement_start_date desc, inv.invo_involvements_id desc) as rn
            from months mo
            join window_involvements inv
              on inv.invo_involvement_start_date <= mo.month_end
             and (inv.invo_involvement_end_date is null or inv.invo_involvement_end_date > mo.month_end)) r
    where r.rn = 1
),

-- a visit counts to the team that held the case on the day of the visit (the latest allocation
-- open that day, the day it closed included): the team that made it. Counting it to the team
-- holding the case at the month end put the visits of a plan that ended in the month on the team
-- the case stepped down to, or on 'No allocated team' when the case closed with the plan.
visit_teams as (
    select r.month_index, r.month, r.within_standard, r.team_id
    from (select mv.month_index, mv.month, mv.within_standard, inv.invo_professional_team as team_id,
                 row_number() over (partition by mv.visit_id
                                    order by inv.invo_involvement_start_date desc, inv.invo_involvements_id desc) as rn
            from month_visits mv
            left join window_involvements inv
              on inv.invo_person_id = mv.person_id
             and inv.invo_involvement_start_date <= mv.visit_date
             and (inv.invo_involvement_end_date is null or inv.invo_involvement_end_date >= mv.visit_date)) r
    where r.rn = 1
),

team_visits as (
    select vt.month_index, vt.month, vt.team_id, count(*) as visits, sum(vt.within_standard) as within_standard
    from visit_teams vt
    group by vt.month_index, vt.month, vt.team_id
),

team_children as (
    select mo.month_index, ma.team_id, count(distinct p.cppl_person_id) as children
    from months mo
    join ssd_cp_plans p
      on p.cppl_cp_plan_start_date <= mo.month_end
     and (p.cppl_cp_plan_end_date is null or p.cppl_cp_plan_end_date > mo.month_end)
    left join month_allocation ma on ma.month_index = mo.month_index and ma.person_id = p.cppl_person_id
    group by mo.month_index, ma.team_id
),

-- every team with a child on a plan or a visit in the 12 months gets a row for each of the 12
-- months, so a team's copy shows a month without visits as such (no figure), not leave it out
window_teams as (
    select tc.team_id from team_children tc
    union
    select tv.team_id from team_visits tv
),

team_months as (
    select mo.month_index, mo.month, wt.team_id from months mo cross join window_teams wt
),

per_team as (
    select
        tm.team_id,
        t.team_name,
        tm.month,
        tm.month_index,
        coalesce(tc.children, 0) as children_on_plan,
        coalesce(tv.visits, 0) as visits,
        coalesce(tv.within_standard, 0) as visits_within_standard,
        0 as is_all_teams
    from team_months tm
    left join team_children tc on tc.month_index = tm.month_index
         and (tc.team_id = tm.team_id or (tc.team_id is null and tm.team_id is null))
    left join team_visits tv on tv.month_index = tm.month_index
         and (tv.team_id = tm.team_id or (tv.team_id is null and tm.team_id is null))
    left join {{ teams() }} t on t.team_id = tm.team_id
),

all_teams as (
    select null as team_id, 'All teams' as team_name, pt.month, pt.month_index,
           -- AL03 off here: all_teams is read only as the second branch of final's UNION ALL,
           -- which takes its column names from per_team.
           -- noqa: disable=AL03
           sum(pt.children_on_plan), sum(pt.visits), sum(pt.visits_within_standard), 1
           -- noqa: enable=AL03
    from per_team pt
    group by pt.month, pt.month_index
),

final as (
    select r.team_id, coalesce(r.team_name, 'No allocated team') as team_name, r.month, r.month_index,
           r.children_on_plan, r.visits, r.visits_within_standard,
           round(100.0 * r.visits_within_standard / nullif(r.visits, 0), 1) as pct_within_standard,
           r.is_all_teams,
           1 - r.is_all_teams as is_team_row
    from (select * from per_team union all select * from all_teams) r
)

select * from final
order by is_all_teams, team_name, month_index
