select sum(case when c.cont_contact_outcome_json like '%Referral to children%' then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_contacts c
where c.cont_contact_date between :period_start and :period_end
