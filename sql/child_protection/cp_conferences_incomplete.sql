-- One row per CP conference that is incomplete on the system at the period end:
--   ICPC held with no outcome recorded, or with a CP plan outcome but no plan linked;
--   ICPC past its target date with no conference date (an open s47 that reached conference);
--   review conference held with no outcome (continue the plan or not) recorded;
--   review conference past its due date with no date recorded, on a plan still open.
with icpc_issues as (
    select
        i.icpc_icpc_id as conference_id,
        i.icpc_person_id as person_id,
        'ICPC' as conference_type,
        i.icpc_icpc_target_date as due_date,
        case when i.icpc_icpc_date <= :as_at then i.icpc_icpc_date end as conference_date,
        case
            when i.icpc_icpc_date is null or i.icpc_icpc_date > :as_at
                then 'Past target date, no conference date recorded'
            when i.icpc_icpc_outcome_cp_flag is null or i.icpc_icpc_outcome_json is null
                then 'Held, no outcome recorded'
            else 'Outcome CP plan, no plan recorded'
        end as issue
    from ssd_initial_cp_conference i
    where (i.icpc_icpc_date <= :as_at
           and (i.icpc_icpc_outcome_cp_flag is null or i.icpc_icpc_outcome_json is null
                or (i.icpc_icpc_outcome_cp_flag = 'Y' and i.icpc_cp_plan_id is null)))
       or ((i.icpc_icpc_date is null or i.icpc_icpc_date > :as_at) and i.icpc_icpc_target_date < :as_at
           and exists (select 1 from ssd_s47_enquiry s
                        where s.s47e_s47_enquiry_id = i.icpc_s47_enquiry_id
                          and coalesce(s.s47e_s47_nfa, 'N') <> 'Y'))
),

rcpc_issues as (
    select
        r.cppr_cp_review_id as conference_id,
        r.cppr_person_id as person_id,
        'RCPC' as conference_type,
        r.cppr_cp_review_due as due_date,
        case when r.cppr_cp_review_date <= :as_at then r.cppr_cp_review_date end as conference_date,
        case when r.cppr_cp_review_date <= :as_at then 'Held, no outcome recorded'
             else 'Past due date, no review date recorded' end as issue
    from ssd_cp_reviews r
    join {{ cp_plans_at(':as_at') }} p on p.cp_plan_id = r.cppr_cp_plan_id
    where (r.cppr_cp_review_date <= :as_at and r.cppr_cp_review_outcome_continue_cp is null)
       or ((r.cppr_cp_review_date is null or r.cppr_cp_review_date > :as_at) and r.cppr_cp_review_due < :as_at)
),

issues as (
    select * from icpc_issues
    union all
    select * from rcpc_issues
),

final as (
    select
        i.conference_id,
        i.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        i.conference_type,
        i.due_date,
        i.conference_date,
        i.issue,
        {{ days_between('coalesce(i.conference_date, i.due_date)', ':as_at') }} as days_outstanding,
        case when i.conference_date is null then 1 else 0 end as is_not_held,
        case when i.conference_date is null then 'red' else 'amber' end as issue_rag
    from issues i
    join ssd_person per on per.pers_person_id = i.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = i.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
)

select * from final
order by days_outstanding desc, conference_type, team_name, person_id, conference_id
