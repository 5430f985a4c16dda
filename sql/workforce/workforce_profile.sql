-- One row per case-holding team and social work role (social worker, senior practitioner, team
-- manager, personal adviser) at the period end: headcount, FTE, agency share, ASYEs, funded posts
-- and vacancies (ext_establishment), starters and leavers in the period, and caseloads.
with in_post as (
    select s.staf_professional_id as worker_id, s.staf_role as role, s.staf_team_id as team_id,
           s.staf_is_agency as is_agency, s.staf_is_asye as is_asye, p.prof_full_time_equivalency as fte
    from ext_staff s
    join ssd_professionals p on p.prof_professional_id = s.staf_professional_id
    where s.staf_role in ('SW', 'SP', 'TM', 'PA')
      and s.staf_start_date <= :as_at
      and (s.staf_leave_date is null or s.staf_leave_date > :as_at)
),

movements as (
    select s.staf_team_id as team_id, s.staf_role as role,
           sum(case when s.staf_start_date between :period_start and :period_end then 1 else 0 end) as starters,
           sum(case when s.staf_leave_date between :period_start and :period_end then 1 else 0 end) as leavers
    from ext_staff s
    where s.staf_role in ('SW', 'SP', 'TM', 'PA')
    group by s.staf_team_id, s.staf_role
),

caseloads as (
    select ch.worker_id, count(*) as cases
    from {{ cf_case_holder_at(':as_at') }} ch
    join {{ open_cases_at(':as_at') }} oc on oc.person_id = ch.person_id
    group by ch.worker_id
),

per_group as (
    select
        ip.team_id, ip.role,
        count(*) as headcount,
        sum(ip.fte) as fte,
        sum(case when ip.is_agency = {{ true_() }} then 1 else 0 end) as agency_headcount,
        sum(case when ip.is_asye = {{ true_() }} then 1 else 0 end) as asye_headcount,
        sum(coalesce(cl.cases, 0)) as cases,
        max(coalesce(cl.cases, 0)) as max_caseload,
        sum(case when coalesce(cl.cases, 0) > 20 then 1 else 0 end) as workers_over_20,
        sum(case when coalesce(cl.cases, 0) > 0 then 1 else 0 end) as workers_holding_cases
    from in_post ip
    left join caseloads cl on cl.worker_id = ip.worker_id
    group by ip.team_id, ip.role
),

groups as (
    select team_id, role from per_group
    union
    select esta_team_id, esta_role from ext_establishment
),

final as (
    select
        g.team_id,
        t.team_name,
        t.service_name,
        g.role,
        case g.role when 'SW' then 'Social worker' when 'SP' then 'Senior practitioner'
                    when 'TM' then 'Team manager' when 'PA' then 'Personal adviser' end as role_name,
        coalesce(pg.headcount, 0) as headcount,
        round(cast(coalesce(pg.fte, 0) as numeric), 1) as fte,
        coalesce(pg.agency_headcount, 0) as agency_headcount,
        round(100.0 * coalesce(pg.agency_headcount, 0) / nullif(pg.headcount, 0), 1) as agency_pct,
        coalesce(pg.asye_headcount, 0) as asye_headcount,
        e.esta_funded_fte as funded_fte,
        case when e.esta_funded_fte > coalesce(pg.fte, 0)
                  then round(cast(e.esta_funded_fte - coalesce(pg.fte, 0) as numeric), 1)
             when e.esta_funded_fte is not null then 0 end as vacant_fte,
        case when e.esta_funded_fte > 0
             then round(cast(100.0 * (case when e.esta_funded_fte > coalesce(pg.fte, 0)
                                           then e.esta_funded_fte - coalesce(pg.fte, 0) else 0 end)
                             / e.esta_funded_fte as numeric), 1)
        end as vacancy_pct,
        coalesce(mv.starters, 0) as starters,
        coalesce(mv.leavers, 0) as leavers,
        coalesce(pg.cases, 0) as cases,
        round(1.0 * pg.cases / nullif(pg.headcount, 0), 1) as mean_caseload,
        coalesce(pg.max_caseload, 0) as max_caseload,
        coalesce(pg.workers_over_20, 0) as workers_over_20,
        coalesce(pg.workers_holding_cases, 0) as workers_holding_cases
    from groups g
    join {{ teams() }} t on t.team_id = g.team_id
    left join per_group pg on pg.team_id = g.team_id and pg.role = g.role
    left join ext_establishment e on e.esta_team_id = g.team_id and e.esta_role = g.role
    left join movements mv on mv.team_id = g.team_id and mv.role = g.role
)

select * from final
order by service_name, team_name, role
