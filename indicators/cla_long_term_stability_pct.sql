-- DfE placement stability measure (Children looked after in England, "long-term stability"):
-- children under 16 at the period end looked after continuously for 2.5 years or more, of whom
-- those in the same placement for 2 years or more, or placed for adoption where the adoptive
-- placement and the placement before it together last 2 years or more. Periods are calendar
-- (2 years 6 months, 2 years before the period end), not 913 or 730 days.
with cohort as (
    select l.person_id, l.cla_id, l.placement_id, pl.clap_cla_placement_start_date as placement_start,
           pl.clap_cla_placement_type as placement_type
    from {{ looked_after_at(':as_at') }} l
    join ssd_person per on per.pers_person_id = l.person_id
    join ssd_cla_placement pl on pl.clap_cla_placement_id = l.placement_id
    where l.entered_care <= {{ months_before(':as_at', 30) }}
      and {{ age_years('per.pers_dob', ':as_at') }} < 16
),

stable as (
    select c.person_id,
           case when c.placement_start <= {{ months_before(':as_at', 24) }} then 1
                when c.placement_type in ('A3', 'A4', 'A5', 'A6')
                     and (select max(prev.clap_cla_placement_start_date) from ssd_cla_placement prev
                           where prev.clap_person_id = c.person_id
                             and prev.clap_cla_placement_start_date < c.placement_start)
                         <= {{ months_before(':as_at', 24) }} then 1
                else 0 end as is_stable
    from cohort c
)

select coalesce(sum(is_stable), 0) as numerator, count(*) as denominator
from stable
