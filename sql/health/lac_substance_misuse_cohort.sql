-- One row per child looked after at any time in the year who had a substance misuse problem
-- identified in the year (SSDA903 OC2 SUBSTANCE_MISUSE), with whether an intervention was received.
with lac as materialized (
    select * from {{ looked_after_between(':period_start', ':period_end') }} x
)

select
    s.clas_person_id as person_id,
    {{ child_name('per') }} as young_person,
    {{ age_years('per.pers_dob', ':period_end') }} as age,
    min(s.clas_substance_misuse_date) as identified_date,
    max(case when s.clas_intervention_received = 'Y' then 'Yes' else 'No' end) as intervention_received,
    max(t.team_name) as team_name
from ssd_cla_substance_misuse s
join lac l on l.person_id = s.clas_person_id
join ssd_person per on per.pers_person_id = s.clas_person_id
{{ allocation_joins('s.clas_person_id', ':as_at') }}
where s.clas_substance_misuse_date >= :period_start and s.clas_substance_misuse_date <= :period_end
group by s.clas_person_id, per.pers_forename, per.pers_surname, per.pers_dob
order by identified_date, person_id
