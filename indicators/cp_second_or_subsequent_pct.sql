select sum(case when exists (
               select 1 from ssd_cp_plans prev
               where prev.cppl_person_id = p.cppl_person_id
                 and prev.cppl_cp_plan_start_date < p.cppl_cp_plan_start_date)
           then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_cp_plans p
where p.cppl_cp_plan_start_date between :period_start and :period_end
