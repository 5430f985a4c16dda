select sum(case when {{ days_between('p.cppl_cp_plan_start_date', 'p.cppl_cp_plan_end_date') }} >= 730
                then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_cp_plans p
where p.cppl_cp_plan_end_date between :period_start and :period_end
