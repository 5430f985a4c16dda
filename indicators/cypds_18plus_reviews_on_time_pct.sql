select sum(case when r.cypr_review_date <= r.cypr_due_date then 1 else 0 end) as numerator,
       count(*) as denominator
from ext_cypds_reviews r
where r.cypr_review_type = '18plus'
  and r.cypr_review_date between :period_start and :period_end
