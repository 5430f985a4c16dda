-- One row per CYPDS 18plus assessment completed in the 12 months to the period end, or open at the
-- period end: days from start to completion against the 28-day standard.
with assessments as materialized (
    select a.cypa_assessment_id as assessment_id, a.cypa_person_id as person_id,
           a.cypa_requested_date as requested_date,
           case when a.cypa_start_date <= :as_at then a.cypa_start_date end as start_date,
           case when a.cypa_completed_date <= :as_at then a.cypa_completed_date end as completed_date
    from ext_cypds_assessments a
    where a.cypa_assessment_type = '18plus'
      and a.cypa_requested_date <= :as_at
      and (a.cypa_completed_date is null or a.cypa_completed_date > {{ months_before(':period_end', 12) }})
)

select
    a.assessment_id,
    a.person_id,
    {{ child_name('per') }} as young_person,
    t.team_id,
    t.team_name,
    a.requested_date,
    a.start_date,
    a.completed_date,
    case when a.completed_date is not null and a.start_date is not null
         then {{ days_between('a.start_date', 'a.completed_date') }} end as days_to_complete,
    case when a.completed_date is null then 'Open'
         when {{ days_between('a.start_date', 'a.completed_date') }} <= 28 then 'Within 28 days'
         else 'Over 28 days' end as status,
    case when a.completed_date is null then 'amber'
         when {{ days_between('a.start_date', 'a.completed_date') }} <= 28 then 'green' else 'red' end as status_rag,
    case when a.completed_date is not null then 1 else 0 end as is_completed,
    case when a.completed_date is not null and {{ days_between('a.start_date', 'a.completed_date') }} <= 28
         then 1 else 0 end as within_standard,
    case when a.completed_date >= :period_start then 1 else 0 end as completed_in_period
from assessments a
join ssd_person per on per.pers_person_id = a.person_id
{{ allocation_joins('a.person_id', ':as_at') }}
order by a.completed_date, a.assessment_id
