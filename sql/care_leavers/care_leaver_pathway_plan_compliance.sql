-- One row per care leaver allocated to a worker at the period end: the last pathway plan review
-- and whether the next is overdue (reviewed at least every 6 months).
with leavers as materialized (
    select cl.person_id, cl.team_id, al2.worker_id, pp.last_review,
           case when pp.last_review is not null then {{ add_months('pp.last_review', 6) }} end as next_review_due
    from {{ care_leavers_at(':as_at') }} cl
    join {{ allocation_at(':as_at') }} al2 on al2.person_id = cl.person_id
    left join (select pprv_person_id as person_id, max(pprv_review_date) as last_review
                 from ext_pathway_plan_reviews where pprv_review_date <= :as_at
                group by pprv_person_id) pp on pp.person_id = cl.person_id
)

select
    l.person_id,
    {{ child_name('per') }} as young_person,
    {{ age_years('per.pers_dob', ':as_at') }} as age,
    t.team_id,
    t.team_name,
    prof.prof_professional_name as personal_adviser,
    l.last_review,
    l.next_review_due,
    case when l.last_review is null then 'No pathway plan review'
         when l.next_review_due < :as_at then 'Overdue'
         when l.next_review_due <= {{ add_days(':as_at', 28) }} then 'Due in next 28 days'
         else 'In timescale' end as status,
    case when l.last_review is null or l.next_review_due < :as_at then 'red'
         when l.next_review_due <= {{ add_days(':as_at', 28) }} then 'amber' else 'green' end as status_rag,
    case when l.last_review is not null and l.next_review_due >= :as_at then 1 else 0 end as is_in_timescale
from leavers l
join ssd_person per on per.pers_person_id = l.person_id
left join {{ teams() }} t on t.team_id = l.team_id
left join ssd_professionals prof on prof.prof_professional_id = l.worker_id
order by is_in_timescale, l.next_review_due, l.person_id
