select sum(case when r.clar_cla_review_date <= r.clar_cla_review_due_date then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_cla_reviews r
where r.clar_cla_review_date between :period_start and :period_end
  and coalesce(r.clar_cla_review_cancelled, 'N') <> 'Y'
