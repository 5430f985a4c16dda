select sum(case when r.review_date <= r.due_by_regulation then 1 else 0 end) as numerator,
       count(*) as denominator
from {{ cp_reviews_by_regulation(':period_end') }} r
where r.review_date between :period_start and :period_end
