-- DfE: a re-referral is a referral within 12 months of a previous referral (Children in need: a
-- focus on re-referrals). 12 calendar months: a previous referral on or after the same date a
-- year earlier counts (the anniversary itself included; 29 February falls back to 28 February).
select sum(case when exists (
               select 1 from ssd_cin_episodes prev
               where prev.cine_person_id = e.cine_person_id
                 and prev.cine_referral_id <> e.cine_referral_id
                 and prev.cine_referral_date < e.cine_referral_date
                 and prev.cine_referral_date >= {{ months_before('e.cine_referral_date', 12) }})
           then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_cin_episodes e
where e.cine_referral_date between :period_start and :period_end
