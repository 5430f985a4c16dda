-- One row per period of care that ended in the 6 months up to the period end (a rolling window:
-- the day after the same date 6 months earlier, to the period end).
with ended as materialized (
    select c.*, {{ months_before(':period_end', 6) }} as window_open
    from {{ care_ended_between(add_days(months_before(':period_end', 6), 1), ':period_end') }} c
),

final as (
    select
        e.person_id,
        {{ child_name('per') }} as child_name,
        {{ age_years('per.pers_dob', 'e.ceased') }} as age_at_ceasing,
        e.entered_care,
        e.ceased,
        {{ days_between('e.entered_care', 'e.ceased') }} as days_in_care,
        e.ceased_reason,
        {{ la_ceased_reason_name('e.ceased_reason') }} as ceased_reason_description,
        (select i.invo_professional_team from ssd_involvements i
          where i.invo_person_id = e.person_id and i.invo_involvement_start_date <= e.ceased
          order by i.invo_involvement_start_date desc, i.invo_involvements_id desc limit 1) as team_id,
        e.window_open
    from ended e
    join ssd_person per on per.pers_person_id = e.person_id
)

select f.person_id, f.child_name, f.age_at_ceasing, f.entered_care, f.ceased, f.days_in_care,
       f.ceased_reason, f.ceased_reason_description, f.team_id, d.dept_team_name as team_name
from final f
left join ssd_department d on d.dept_team_id = f.team_id
order by f.ceased, f.person_id
