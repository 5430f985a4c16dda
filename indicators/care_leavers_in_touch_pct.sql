select sum(case when exists (
               select 1 from ext_care_leaver_contacts c
               where c.clco_person_id = cl.clea_person_id
                 and c.clco_contact_date <= :as_at
                 and c.clco_seen = {{ true_() }}
                 and c.clco_contact_date >= {{ add_days(':as_at', -56) }})
           then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_care_leavers cl
join ssd_person per on per.pers_person_id = cl.clea_person_id
where {{ age_years('per.pers_dob', ':as_at') }} between 18 and 20
  and per.pers_death_date is null
