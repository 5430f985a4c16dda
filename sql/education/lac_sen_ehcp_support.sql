-- One row per child looked after at the period end who has an education, health and care plan
-- or SEN support: the plan, its last annual review, the needs named in it, and the school.
with children as materialized (
    select la.person_id, per.pers_send_flag, {{ child_name('per') }} as child_name,
           {{ age_years('per.pers_dob', ':as_at') }} as age
    from {{ looked_after_at(':as_at') }} la
    join ssd_person per on per.pers_person_id = la.person_id
    where per.pers_send_flag in ('E', 'K')
),

plans as materialized (
    select s.send_person_id as person_id, np.ehcn_named_plan_start_date as plan_start,
           ap.ehcp_active_ehcp_id as plan_id, ap.ehcp_active_ehcp_last_review_date as last_review,
           rq.ehcr_ehcp_req_date as requested,
           (select n.senn_active_ehcp_need_type from ssd_sen_need n
             where n.senn_active_ehcp_id = ap.ehcp_active_ehcp_id
               and n.senn_active_ehcp_need_rank = '1') as primary_need,
           (select n.senn_active_ehcp_need_type from ssd_sen_need n
             where n.senn_active_ehcp_id = ap.ehcp_active_ehcp_id
               and n.senn_active_ehcp_need_rank = '2') as secondary_need
    from ssd_send s
    join ssd_ehcp_requests rq on rq.ehcr_send_table_id = s.send_table_id
    join ssd_ehcp_assessment ea on ea.ehca_ehcp_request_id = rq.ehcr_ehcp_request_id
    join ssd_ehcp_named_plan np on np.ehcn_ehcp_asmt_id = ea.ehca_ehcp_assessment_id
    join ssd_ehcp_active_plans ap on ap.ehcp_ehcp_request_id = rq.ehcr_ehcp_request_id
    join children c on c.person_id = s.send_person_id
    where np.ehcn_named_plan_start_date <= :as_at
      and (np.ehcn_named_plan_ceased_date is null or np.ehcn_named_plan_ceased_date > :as_at)
),

school as (
    select r.roll_person_id as person_id, max(r.roll_urn) as urn
    from ext_school_roll r
    where r.roll_start_date <= :as_at and (r.roll_end_date is null or r.roll_end_date > :as_at)
    group by r.roll_person_id
),

final as materialized (
    select
        c.person_id,
        c.child_name,
        c.age,
        sc.scho_name as school,
        case when p.plan_id is not null then 'EHCP' when c.pers_send_flag = 'E' then 'EHCP being finalised'
             else 'SEN support' end as support_level,
        p.plan_start,
        case when p.plan_id is not null then coalesce(p.last_review, p.plan_start) end as review_base,
        p.last_review,
        p.primary_need,
        p.secondary_need
    from children c
    left join plans p on p.person_id = c.person_id
    left join school s on s.person_id = c.person_id
    left join ext_schools sc on sc.scho_urn = s.urn
)

select
    f.person_id, f.child_name, f.age, f.school, f.support_level, f.plan_start, f.last_review,
    case when f.review_base is not null then {{ add_months('f.review_base', 12) }} end as next_review_due,
    case when f.review_base is null then 'Not applicable'
         when {{ add_months('f.review_base', 12) }} < :as_at then 'Annual review overdue'
         else 'In timescale' end as review_status,
    f.primary_need, f.secondary_need,
    case when f.support_level = 'EHCP' then 1 else 0 end as has_ehcp
from final f
order by has_ehcp desc, f.person_id
