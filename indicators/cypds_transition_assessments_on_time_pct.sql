-- CYPDS transition assessments completed in the period within 84 days of starting (local standard).
select sum(case when {{ days_between('a.cypa_start_date', 'a.cypa_completed_date') }} <= 84 then 1 else 0 end)
           as numerator,
       count(*) as denominator
from ext_cypds_assessments a
where a.cypa_assessment_type = 'transition'
  and a.cypa_completed_date between :period_start and :period_end
  and a.cypa_start_date is not null
