select sum(case when exists (
               select 1 from ssd_cin_episodes prev
               where prev.cine_person_id = e.cine_person_id
                 and prev.cine_referral_id <> e.cine_referral_id
                 and prev.cine_referral_date < e.cine_referral_date
                 and {{ days_between('prev.cine_referral_date', 'e.cine_referral_date') }} <= 365)
           then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_cin_episodes e
where e.cine_referral_date between :period_start and :period_end
