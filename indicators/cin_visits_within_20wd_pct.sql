with plans as (
    select distinct c.cinp_person_id as person_id, c.cinp_cin_plan_start_date as plan_start
    from ssd_cin_plans c
    where c.cinp_cin_plan_start_date <= :as_at
      and (c.cinp_cin_plan_end_date is null or c.cinp_cin_plan_end_date > :as_at)
)
select sum(case when exists (
               select 1 from ssd_cin_visits v
               where v.cinv_person_id = p.person_id
                 and v.cinv_cin_visit_date <= :as_at
                 and v.cinv_cin_visit_date >= p.plan_start
                 and v.cinv_cin_visit_seen = 'Y'
                 and {{ working_days('v.cinv_cin_visit_date', ':as_at') }} <= 20)
           then 1 else 0 end) as numerator,
       count(*) as denominator
from plans p
where {{ working_days('p.plan_start', ':as_at') }} > 20
