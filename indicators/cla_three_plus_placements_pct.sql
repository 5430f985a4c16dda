select sum(case when (select count(*) from ssd_cla_placement pl
                      where pl.clap_person_id = l.person_id
                        and pl.clap_cla_placement_start_date <= :as_at
                        and (pl.clap_cla_placement_end_date is null
                             or pl.clap_cla_placement_end_date > {{ add_days(':as_at', -365) }})) >= 3
                then 1 else 0 end) as numerator,
       count(*) as denominator
from {{ looked_after_at(':as_at') }} l
