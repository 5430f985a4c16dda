-- One row per child looked after at the period end: review health assessment (annual; 6-monthly
-- under 5; the initial assessment within 20 working days of entering care), dental check
-- (annual), and immunisations, each with when it is next due and whether it is overdue.
with children as materialized (
    select la.person_id, la.entered_care, per.pers_dob, {{ child_name('per') }} as child_name,
           {{ age_years('per.pers_dob', ':as_at') }} as age,
           ha.last_check as last_health_assessment, dc.last_check as last_dental_check
    from {{ looked_after_at(':as_at') }} la
    join ssd_person per on per.pers_person_id = la.person_id
    left join {{ last_health_check('Health assessment', ':as_at') }} ha on ha.person_id = la.person_id
    left join {{ last_health_check('Dental check', ':as_at') }} dc on dc.person_id = la.person_id
),

due as materialized (
    select c.*,
           case when c.last_health_assessment is null or c.last_health_assessment < c.entered_care
                then {{ add_working_days('c.entered_care', 20) }}
                when {{ age_years('c.pers_dob', 'c.last_health_assessment') }} < 5
                then {{ add_months('c.last_health_assessment', 6) }}
                else {{ add_months('c.last_health_assessment', 12) }} end as health_assessment_due,
           case when c.last_dental_check is null or c.last_dental_check < c.entered_care
                then {{ add_months('c.entered_care', 12) }}
                else {{ add_months('c.last_dental_check', 12) }} end as dental_check_due,
           (select i.clai_immunisations_status from ssd_cla_immunisations i
             where i.clai_person_id = c.person_id and i.clai_immunisations_status_date <= :as_at
             order by i.clai_immunisations_status_date desc limit 1) as immunisations_up_to_date
    from children c
)

select
    d.person_id,
    d.child_name,
    d.age,
    t.team_id,
    t.team_name,
    d.entered_care,
    d.last_health_assessment,
    d.health_assessment_due,
    case when d.health_assessment_due < :as_at then 'Overdue' else 'In timescale' end as health_assessment_status,
    case when d.health_assessment_due < :as_at then 'red' else 'green' end as health_rag,
    d.last_dental_check,
    d.dental_check_due,
    case when d.dental_check_due < :as_at then 'Overdue' else 'In timescale' end as dental_status,
    case when d.dental_check_due < :as_at then 'red' else 'green' end as dental_rag,
    coalesce(d.immunisations_up_to_date, 'Not recorded') as immunisations_up_to_date,
    case when d.health_assessment_due >= :as_at then 1 else 0 end as health_in_timescale,
    case when d.dental_check_due >= :as_at then 1 else 0 end as dental_in_timescale,
    case when d.immunisations_up_to_date = 'Y' then 1 else 0 end as immunised
from due d
{{ allocation_joins('d.person_id', ':as_at') }}
order by health_in_timescale, d.health_assessment_due, d.person_id
