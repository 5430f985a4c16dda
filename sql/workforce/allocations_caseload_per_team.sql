-- One row per worker (and team) holding at least one open case at the period end: the children
-- allocated to them, how many of those are on a CP plan or a CIN plan, and their team's totals.
with open_cases as (
    select * from {{ open_cases_at(':as_at') }} oc
),

allocated as (
    select a.person_id, a.worker_id, a.team_id
    from {{ allocation_at(':as_at') }} a
    join open_cases oc on oc.person_id = a.person_id
),

on_cp as (
    select distinct p.person_id from {{ cp_plans_at(':as_at') }} p
),

on_cin as (
    select distinct c.cinp_person_id as person_id
    from ssd_cin_plans c
    where c.cinp_cin_plan_start_date <= :as_at
      and (c.cinp_cin_plan_end_date is null or c.cinp_cin_plan_end_date > :as_at)
),

per_worker as (
    select
        al.worker_id,
        al.team_id,
        count(*) as allocated_cases,
        sum(case when cp.person_id is not null then 1 else 0 end) as cp_children,
        sum(case when cin.person_id is not null and cp.person_id is null then 1 else 0 end) as cin_plan_children
    from allocated al
    left join on_cp cp on cp.person_id = al.person_id
    left join on_cin cin on cin.person_id = al.person_id
    group by al.worker_id, al.team_id
),

final as (
    select
        pw.worker_id,
        prof.prof_professional_name as worker_name,
        {{ staff_role_name('st.staf_role') }} as worker_role,
        t.team_id,
        t.team_name,
        t.service_id,
        t.service_name,
        pw.allocated_cases,
        -- full-time equivalent: the DfE's caseload is cases per FTE (no FTE recorded counts as 1.0)
        coalesce(prof.prof_full_time_equivalency, 1.0) as worker_fte,
        pw.cp_children,
        pw.cin_plan_children,
        pw.allocated_cases - pw.cp_children - pw.cin_plan_children as other_cases,
        sum(pw.allocated_cases) over (partition by pw.team_id) as team_caseload,
        count(*) over (partition by pw.team_id) as team_workers,
        case when pw.allocated_cases > 20 then 'Over 20 cases'
             when pw.allocated_cases > 16 then '17 to 20 cases'
             else '16 or fewer' end as caseload_band,
        case when pw.allocated_cases > 20 then 'red'
             when pw.allocated_cases > 16 then 'amber'
             else 'green' end as caseload_rag,
        case when pw.allocated_cases > 20 then 1 else 0 end as is_over_20
    from per_worker pw
    left join ssd_professionals prof on prof.prof_professional_id = pw.worker_id
    left join ext_staff st on st.staf_professional_id = pw.worker_id
    left join {{ teams() }} t on t.team_id = pw.team_id
)

select * from final
order by team_name, allocated_cases desc, worker_name, worker_id
