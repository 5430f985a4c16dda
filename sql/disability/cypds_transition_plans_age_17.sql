-- One row per young person aged 17 at the period end open to CYPDS: whether a transition plan is
-- in place and shared with adult services before their 18th birthday.
with cohort as materialized (
    select c.person_id, c.team_id, per.pers_dob, {{ child_name('per') }} as young_person,
           {{ birthday('per.pers_dob', 18) }} as eighteenth_birthday
    from {{ cypds_open_at(':as_at') }} c
    join ssd_person per on per.pers_person_id = c.person_id
    where {{ age_years('per.pers_dob', ':as_at') }} = 17
),

plans as (
    select p.cypp_person_id as person_id, max(p.cypp_plan_date) as plan_date,
           max(case when p.cypp_shared_with_adults = {{ true_() }} then 1 else 0 end) as shared
    from ext_cypds_plans p
    where p.cypp_plan_type = 'Transition plan' and p.cypp_plan_date <= :as_at
    group by p.cypp_person_id
)

select
    c.person_id,
    c.young_person,
    c.pers_dob as dob,
    c.eighteenth_birthday,
    c.team_id,
    t.team_name,
    p.plan_date,
    case when p.plan_date is null then 'No transition plan'
         when p.shared = 1 then 'Plan in place, shared with adult services'
         else 'Plan in place, not shared' end as status,
    case when p.plan_date is null then 'red' when p.shared = 1 then 'green' else 'amber' end as status_rag,
    case when p.plan_date is not null then 1 else 0 end as has_plan
from cohort c
left join plans p on p.person_id = c.person_id
left join {{ teams() }} t on t.team_id = c.team_id
order by has_plan, c.eighteenth_birthday, c.person_id
