{#-
  Building blocks for the overview reports and indicators (issue 9). Same rules as blocks.sql.
-#}
{#- Blocks load in file-name order and each sees only the files before it, so the ones from
    looked_after.sql are imported by name. -#}
{% from "looked_after.sql" import looked_after_at %}

{#- The per-team table of an overview, one row per case-holding team (optionally only teams
    whose kind is in `kinds`, a SQL list such as "'CYPDS'"): caseload positions at :as_at and
    assessment timeliness over the period. Counts only, no child-level data. Every position column
    counts children with an open case held by the team (the allocation at :as_at), so CIN plans,
    CP plans and looked-after children are each part of the open cases and add up within them;
    assessments are a flow in the period, by the team that completed them. -#}
{% macro ind_team_table(kinds=none) -%}
with teams_in as (
    select * from {{ teams() }} t
    where t.team_kind not in ('IRO', 'PERF')
    {% if kinds %}and t.team_kind in ({{ kinds }}){% endif %}
),
alloc as (
    select a.person_id, a.team_id
    from {{ allocation_at(':as_at') }} a
    join {{ open_cases_at(':as_at') }} o on o.person_id = a.person_id
),
open_cases as (
    select al.team_id, count(*) as n
    from alloc al
    group by al.team_id
),
cin_plans as (
    select al.team_id, count(distinct c.cinp_person_id) as n
    from ssd_cin_plans c
    join alloc al on al.person_id = c.cinp_person_id
    where c.cinp_cin_plan_start_date <= :as_at
      and (c.cinp_cin_plan_end_date is null or c.cinp_cin_plan_end_date > :as_at)
    group by al.team_id
),
cp as (
    select al.team_id, count(distinct p.person_id) as n
    from {{ cp_plans_at(':as_at') }} p
    join alloc al on al.person_id = p.person_id
    group by al.team_id
),
cla as (
    select al.team_id, count(distinct l.person_id) as n
    from {{ looked_after_at(':as_at') }} l
    join alloc al on al.person_id = l.person_id
    group by al.team_id
),
assessments as (
    select a.cina_assessment_team as team_id, count(*) as n,
           sum(case when {{ working_days('e.cine_referral_date', 'a.cina_assessment_auth_date') }} <= 45
                    then 1 else 0 end) as on_time
    from ssd_cin_assessments a
    join ssd_cin_episodes e on e.cine_referral_id = a.cina_referral_id
    where a.cina_assessment_auth_date between :period_start and :period_end
    group by a.cina_assessment_team
)
select t.team_id, t.team_name, t.service_name,
       coalesce(oc.n, 0) as open_cases,
       coalesce(cp2.n, 0) as cin_plans,
       coalesce(cpp.n, 0) as cp_plans,
       coalesce(cl.n, 0) as looked_after,
       coalesce(asm.n, 0) as assessments_completed,
       coalesce(asm.on_time, 0) as assessments_within_45wd,
       case when asm.n > 0 then 100.0 * asm.on_time / asm.n end as assessments_within_45wd_pct
from teams_in t
left join open_cases oc on oc.team_id = t.team_id
left join cin_plans cp2 on cp2.team_id = t.team_id
left join cp cpp on cpp.team_id = t.team_id
left join cla cl on cl.team_id = t.team_id
left join assessments asm on asm.team_id = t.team_id
order by t.service_name, t.team_name
{%- endmacro %}
