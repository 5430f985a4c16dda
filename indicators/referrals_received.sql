select count(*) as numerator, cast(null as integer) as denominator
from ssd_cin_episodes e
where e.cine_referral_date between :period_start and :period_end
