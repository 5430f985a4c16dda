-- DfE (CIN census, plans ended by duration): plans that ended in the period and had lasted 2 years
-- or more, calendar years: ended on or after the date 2 years after the plan started.
select sum(case when p.cppl_cp_plan_end_date >= {{ add_months('p.cppl_cp_plan_start_date', 24) }}
                then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_cp_plans p
where p.cppl_cp_plan_end_date between :period_start and :period_end
