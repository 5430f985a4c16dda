select sum(case when exists (
               select 1 from ssd_cp_visits v
               where v.cppv_cp_plan_id = p.cp_plan_id
                 and v.cppv_cp_visit_date <= :as_at
                 and v.cppv_cp_visit_seen = 'Y'
                 and {{ working_days('v.cppv_cp_visit_date', ':as_at') }} <= 10)
           then 1 else 0 end) as numerator,
       count(*) as denominator
from {{ cp_plans_at(':as_at') }} p
where {{ working_days('p.plan_start', ':as_at') }} > 10
