-- One row per child in the SSDA903 OC2 SDQ cohort at the year end: looked after continuously for
-- at least 12 months at 31 March and aged 4 to 16 on that date, with their latest SDQ and whether
-- one is needed for the return.
with cohort as materialized (
    select la.person_id, la.entered_care, per.pers_dob, {{ child_name('per') }} as child_name,
           {{ age_years('per.pers_dob', ':period_end') }} as age
    from {{ looked_after_at(':period_end') }} la
    join ssd_person per on per.pers_person_id = la.person_id
    where la.entered_care <= {{ months_before(':period_end', 12) }}
      and {{ age_years('per.pers_dob', ':period_end') }} between 4 and 16
),

latest as (
    select q.csdq_person_id as person_id, max(q.csdq_sdq_completed_date) as sdq_date
    from ssd_sdq_scores q
    where q.csdq_sdq_completed_date <= :period_end
    group by q.csdq_person_id
)

select
    c.person_id,
    c.child_name,
    c.age,
    c.entered_care,
    l.sdq_date as latest_sdq_date,
    (select max(q.csdq_sdq_score) from ssd_sdq_scores q
      where q.csdq_person_id = c.person_id and q.csdq_sdq_completed_date = l.sdq_date) as latest_sdq_score,
    case when l.sdq_date >= :period_start then 'Completed this year' else 'SDQ needed' end as sdq_status,
    case when l.sdq_date >= :period_start then 1 else 0 end as completed_in_year,
    t.team_name
from cohort c
left join latest l on l.person_id = c.person_id
{{ allocation_joins('c.person_id', ':as_at') }}
order by completed_in_year, c.person_id
