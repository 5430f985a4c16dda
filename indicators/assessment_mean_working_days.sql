select sum({{ working_days('e.cine_referral_date', 'a.cina_assessment_auth_date') }}) as numerator,
       count(*) as denominator
from ssd_cin_assessments a
join ssd_cin_episodes e on e.cine_referral_id = a.cina_referral_id
where a.cina_assessment_auth_date between :period_start and :period_end
