-- DfE placement stability measure: children looked after at the period end who had 3 or more
-- placements during the 12 months to the period end. A placement counts when it was open on at
-- least one day after the first day of the 12 months: one that ended on or before that first day
-- does not count.
select sum(case when (select count(*) from ssd_cla_placement pl
                      where pl.clap_person_id = l.person_id
                        and pl.clap_cla_placement_start_date <= :as_at
                        and (pl.clap_cla_placement_end_date is null
                             or pl.clap_cla_placement_end_date > {{ add_days(months_before(':as_at', 12), 1) }})) >= 3
                then 1 else 0 end) as numerator,
       count(*) as denominator
from {{ looked_after_at(':as_at') }} l
