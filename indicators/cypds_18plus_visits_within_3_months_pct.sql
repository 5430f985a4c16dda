-- Young people aged 18+ open to CYPDS at the period end (for more than 3 months since their 18th
-- birthday) seen at a visit in the 3 calendar months to it: on or after the same date 3 months
-- before, as the cypds_18plus_visits report counts a visit due on the period end as in timescale.
with clients as (
    select c.person_id, {{ birthday('per.pers_dob', 18) }} as eighteenth_birthday
    from {{ cypds_open_at(':as_at') }} c
    join ssd_person per on per.pers_person_id = c.person_id
    where {{ age_years('per.pers_dob', ':as_at') }} >= 18
)

select sum(case when exists (select 1 from ext_cypds_visits v
                             where v.cypv_person_id = c.person_id and v.cypv_seen = {{ true_() }}
                               and v.cypv_visit_date <= :as_at
                               and v.cypv_visit_date >= {{ months_before(':as_at', 3) }})
                then 1 else 0 end) as numerator,
       count(*) as denominator
from clients c
where c.eighteenth_birthday <= {{ months_before(':as_at', 3) }}
