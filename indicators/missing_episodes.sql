select count(*) as numerator, cast(null as integer) as denominator
from ssd_missing m
where m.miss_missing_episode_start_date between :period_start and :period_end
