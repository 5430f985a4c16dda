select sum(case when {{ working_days('e.cine_referral_date', 'a.cina_assessment_auth_date') }} <= 45
                then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_cin_assessments a
join ssd_cin_episodes e on e.cine_referral_id = a.cina_referral_id
join ext_teams t on t.team_team_id = a.cina_assessment_team
where a.cina_assessment_auth_date between :period_start and :period_end
  and t.team_kind = 'GOSH'
