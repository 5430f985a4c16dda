select count(*) as numerator, cast(null as integer) as denominator
from ssd_contacts c
where c.cont_contact_date between :period_start and :period_end
