select sum(case when e.cine_referral_nfa = 'Y' then 1 else 0 end) as numerator, count(*) as denominator
from ssd_cin_episodes e
where e.cine_referral_date between :period_start and :period_end
