-- One row per CYPDS review (aged 18 and over) due in the period, or due earlier and still not held at the
-- period end: when it was held and whether on time (on or before its due date).
with reviews as materialized (
    select r.cypr_review_id as review_id, r.cypr_person_id as person_id, r.cypr_review_type as review_type,
           r.cypr_due_date as due_date,
           case when r.cypr_review_date <= :period_end then r.cypr_review_date end as review_date
    from ext_cypds_reviews r
    where r.cypr_review_type in ('18plus')
      and r.cypr_due_date <= :period_end
      and (r.cypr_due_date >= :period_start or r.cypr_review_date is null or r.cypr_review_date > :period_end)
)

select
    r.review_id,
    r.person_id,
    {{ child_name('per') }} as child_name,
    {{ age_years('per.pers_dob', ':period_end') }} as age,
    t.team_id,
    t.team_name,
    prof.prof_professional_name as worker_name,
    r.review_type,
    r.due_date,
    r.review_date,
    case when r.review_date is null then 'Overdue'
         when r.review_date <= r.due_date then 'Held on time' else 'Held late' end as status,
    case when r.review_date is null then 'red' when r.review_date <= r.due_date then 'green' else 'amber' end
        as status_rag,
    case when r.due_date >= :period_start then 1 else 0 end as due_in_period,
    case when r.review_date is not null and r.review_date <= r.due_date then 1 else 0 end as on_time,
    case when r.review_date is null then 1 else 0 end as is_overdue
from reviews r
join ssd_person per on per.pers_person_id = r.person_id
{{ allocation_joins('r.person_id', ':as_at') }}
order by is_overdue desc, r.due_date, r.review_id
