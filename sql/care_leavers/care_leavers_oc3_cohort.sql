-- One row per care leaver in the SSDA903 OC3 cohort of the collection year (April-March)
-- containing the period end: young people whose 19th, 20th or 21st birthday falls in that year.
-- Their in-touch, accommodation and activity codes are reported around the birthday, with the
-- data quality problems that would fail the return.
with bounds as materialized (
    select {{ fiscal_year_start(':period_end') }} as year_start, {{ fiscal_year_end(':period_end') }} as year_end
),

cohort as materialized (
    select cl.clea_person_id as person_id, per.pers_dob as dob,
           {{ age_years('per.pers_dob', 'b.year_end') }} as oc3_age,
           cl.clea_care_leaver_in_touch as in_touch, cl.clea_care_leaver_accommodation as accommodation,
           cl.clea_care_leaver_accom_suitable as accommodation_suitable, cl.clea_care_leaver_activity as activity,
           cl.clea_care_leaver_latest_contact as latest_contact, cl.clea_care_leaver_allocated_team as team_id,
           {{ child_name('per') }} as young_person
    from ssd_care_leavers cl
    join ssd_person per on per.pers_person_id = cl.clea_person_id
    cross join bounds b
    where {{ age_years('per.pers_dob', 'b.year_end') }} in (19, 20, 21)
      and {{ age_years('per.pers_dob', add_days('b.year_start', -1)) }}
          = {{ age_years('per.pers_dob', 'b.year_end') }} - 1
)

select
    c.person_id,
    c.young_person,
    c.dob,
    c.oc3_age,
    {{ birthday('c.dob', 'c.oc3_age') }} as oc3_birthday,
    case when {{ birthday('c.dob', 'c.oc3_age') }} <= :period_end then 'Yes' else 'Not yet' end as birthday_passed,
    c.team_id,
    d.dept_team_name as team_name,
    c.in_touch,
    {{ cl_in_touch_name('c.in_touch') }} as in_touch_name,
    c.accommodation,
    {{ cl_accommodation_name('c.accommodation') }} as accommodation_type,
    case c.accommodation_suitable when '1' then 'Suitable' when '2' then 'Unsuitable' else 'Not recorded' end
        as accommodation_suitability,
    c.activity,
    {{ cl_activity_name('c.activity') }} as activity_name,
    case when c.activity like 'F%' then 'EET' when c.activity like 'G%' then 'NEET'
         when c.activity is null then 'Not recorded' else 'EET' end as eet_status,
    c.latest_contact,
    case when c.in_touch is null then 'In touch not recorded'
         when c.in_touch in ('YES') and c.activity is null then 'Activity not recorded'
         when c.in_touch in ('YES') and c.accommodation is null then 'Accommodation not recorded'
         when c.latest_contact is null then 'No contact recorded'
         end as data_quality_issue,
    case when c.in_touch = 'YES' then 1 else 0 end as is_in_touch,
    case when c.accommodation_suitable = '1' then 1 else 0 end as is_suitable,
    case when c.activity like 'F%' or c.activity like 'P%' then 1 else 0 end as is_eet
from cohort c
left join ssd_department d on d.dept_team_id = c.team_id
order by c.oc3_age, c.person_id
