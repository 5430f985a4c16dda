-- Young people aged 17 open to CYPDS at the period end with a transition plan recorded by then.
select sum(case when exists (select 1 from ext_cypds_plans p
                             where p.cypp_person_id = c.person_id and p.cypp_plan_type = 'Transition plan'
                               and p.cypp_plan_date <= :as_at)
                then 1 else 0 end) as numerator,
       count(*) as denominator
from {{ cypds_open_at(':as_at') }} c
join ssd_person per on per.pers_person_id = c.person_id
where {{ age_years('per.pers_dob', ':as_at') }} = 17
