select sum(case when r.cppr_cp_review_date <= r.cppr_cp_review_due then 1 else 0 end) as numerator,
       count(*) as denominator
from ssd_cp_reviews r
where r.cppr_cp_review_date between :period_start and :period_end
