-- One row per young person aged 18 or over open to CYPDS at the period end: the last visit, visits
-- in the period and whether the next (at least every 3 months) is overdue.
with clients as materialized (
    select c.person_id, c.team_id, c.worker_id, per.pers_dob, {{ child_name('per') }} as young_person,
           (select max(v.cypv_visit_date) from ext_cypds_visits v
             where v.cypv_person_id = c.person_id and v.cypv_visit_date <= :as_at
               and v.cypv_seen = {{ true_() }}) as last_visit,
           {{ birthday('per.pers_dob', 18) }} as eighteenth_birthday
    from {{ cypds_open_at(':as_at') }} c
    join ssd_person per on per.pers_person_id = c.person_id
    where {{ age_years('per.pers_dob', ':as_at') }} >= 18
),

due as materialized (
    select c.*, {{ add_months('coalesce(c.last_visit, c.eighteenth_birthday)', 3) }} as next_visit_due
    from clients c
)

select
    d.person_id,
    d.young_person,
    {{ age_years('d.pers_dob', ':as_at') }} as age,
    t.team_id,
    t.team_name,
    prof.prof_professional_name as worker_name,
    d.last_visit,
    (select count(*) from ext_cypds_visits v
      where v.cypv_person_id = d.person_id and v.cypv_visit_date >= :period_start
        and v.cypv_visit_date <= :period_end) as visits_in_period,
    d.next_visit_due,
    case when d.next_visit_due < :as_at then 'Overdue' else 'In timescale' end as status,
    case when d.next_visit_due < :as_at then 'red' else 'green' end as status_rag,
    case when d.next_visit_due >= :as_at then 1 else 0 end as is_in_timescale
from due d
left join {{ teams() }} t on t.team_id = d.team_id
left join ssd_professionals prof on prof.prof_professional_id = d.worker_id
order by is_in_timescale, d.next_visit_due, d.person_id
