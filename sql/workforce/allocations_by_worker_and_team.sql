-- One row per child with an open case allocated to a worker at the period end: the worker, their
-- role and team, when the case was allocated to them, the kind of case and the worker's caseload.
with open_cases as (
    select * from {{ open_cases_at(':as_at') }} oc
),

allocated as (
    select ch.*, oc.case_open_date
    from {{ cf_case_holder_at(':as_at') }} ch
    join open_cases oc on oc.person_id = ch.person_id
),

final as (
    select
        al.person_id,
        {{ child_name('per') }} as child_name,
        al.worker_id,
        al.worker_name,
        {{ staff_role_name('st.staf_role') }} as worker_role,
        case when st.staf_is_agency = {{ true_() }} then 'Agency' else 'Permanent' end as contract,
        al.team_id,
        al.team_name,
        al.service_name,
        al.team_manager_name,
        {{ cf_case_type('al.person_id', ':as_at') }} as case_type,
        al.case_open_date,
        al.allocated_from,
        {{ days_between('al.allocated_from', ':as_at') }} as days_with_worker,
        count(*) over (partition by al.worker_id) as worker_caseload,
        count(*) over (partition by al.team_id) as team_caseload
    from allocated al
    join ssd_person per on per.pers_person_id = al.person_id
    left join ext_staff st on st.staf_professional_id = al.worker_id
)

select * from final
order by team_name, worker_name, worker_id, child_name, person_id
