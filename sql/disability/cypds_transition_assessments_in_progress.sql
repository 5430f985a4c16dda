-- One row per CYPDS transition assessment requested by the period end and not completed by it:
-- not yet started, or started but incomplete, with working days since the request.
select
    a.cypa_assessment_id as assessment_id,
    a.cypa_person_id as person_id,
    {{ child_name('per') }} as young_person,
    {{ age_years('per.pers_dob', ':as_at') }} as age,
    t.team_id,
    t.team_name,
    prof.prof_professional_name as worker_name,
    a.cypa_requested_date as requested_date,
    case when a.cypa_start_date <= :as_at then a.cypa_start_date end as start_date,
    case when a.cypa_start_date is null or a.cypa_start_date > :as_at then 'Not started'
         else 'Started, incomplete' end as status,
    {{ working_days('a.cypa_requested_date', ':as_at') }} as working_days_since_request,
    case when a.cypa_start_date is null or a.cypa_start_date > :as_at then 1 else 0 end as not_started
from ext_cypds_assessments a
join ssd_person per on per.pers_person_id = a.cypa_person_id
{{ allocation_joins('a.cypa_person_id', ':as_at') }}
where a.cypa_assessment_type = 'transition'
  and a.cypa_requested_date <= :as_at
  and (a.cypa_completed_date is null or a.cypa_completed_date > :as_at)
order by not_started desc, a.cypa_requested_date, a.cypa_assessment_id
