-- One row per child on a child protection plan at the period end whose family is known to the
-- Housing department then (an open housing flag): for the Housing monitoring officer.
with plans as (
    select * from {{ cp_plans_at(':as_at') }} p
),


flags as (
    select h.hous_person_id as person_id, h.hous_flag_type as housing_flag, h.hous_start_date as housing_from,
           row_number() over (partition by h.hous_person_id order by h.hous_start_date desc, h.hous_flag_id desc) as rn
    from ext_housing_flags h
    where h.hous_start_date <= :as_at
      and (h.hous_end_date is null or h.hous_end_date > :as_at)
),

final as (
    select
        p.person_id,
        {{ child_name('per') }} as child_name,
        per.pers_dob as date_of_birth,
        p.plan_start,
        f.housing_flag,
        f.housing_from,
        ch.worker_name,
        ch.team_id,
        ch.team_name
    from plans p
    join flags f on f.person_id = p.person_id and f.rn = 1
    join ssd_person per on per.pers_person_id = p.person_id
    left join {{ cf_case_holder_at(':as_at') }} ch on ch.person_id = p.person_id
)

select * from final
order by housing_flag, child_name, person_id
