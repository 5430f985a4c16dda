-- One row per disabled child under 18 with a short breaks package open at the period end: the
-- package and the last short breaks review, with when the next is due (12-monthly).
with packages as materialized (
    select sb.shbr_package_id as package_id, sb.shbr_person_id as person_id, sb.shbr_package_type as package_type,
           sb.shbr_start_date as package_start, sb.shbr_hours_per_year as hours_per_year,
           (select max(r.cypr_review_date) from ext_cypds_reviews r
             where r.cypr_person_id = sb.shbr_person_id and r.cypr_review_type in ('short_breaks', 'u18')
               and r.cypr_review_date <= :as_at) as last_review
    from ext_short_breaks sb
    where sb.shbr_start_date <= :as_at and (sb.shbr_end_date is null or sb.shbr_end_date > :as_at)
),

due as materialized (
    select p.*, {{ add_months('coalesce(p.last_review, p.package_start)', 12) }} as next_review_due
    from packages p
)

select
    d.package_id,
    d.person_id,
    {{ child_name('per') }} as child_name,
    {{ age_years('per.pers_dob', ':as_at') }} as age,
    t.team_id,
    t.team_name,
    d.package_type,
    d.package_start,
    d.hours_per_year,
    d.last_review,
    d.next_review_due,
    case when d.next_review_due < :as_at then 'Review overdue' else 'In timescale' end as status,
    case when d.next_review_due < :as_at then 'red' else 'green' end as status_rag,
    case when d.next_review_due < :as_at then 1 else 0 end as is_overdue
from due d
join ssd_person per on per.pers_person_id = d.person_id
{{ allocation_joins('d.person_id', ':as_at') }}
where {{ age_years('per.pers_dob', ':as_at') }} < 18
order by is_overdue desc, d.next_review_due, d.package_id
