select count(*) as numerator, cast(null as integer) as denominator
from ssd_s47_enquiry s
where s.s47e_s47_start_date between :period_start and :period_end
