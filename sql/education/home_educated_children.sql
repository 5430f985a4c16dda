-- One row per child on the elective home education register at the period end who is known to
-- children's social work: an open case then, or a case in the past.
with home_educated as (
    select h.hoed_person_id as person_id, min(h.hoed_start_date) as home_educated_from, max(h.hoed_reason) as reason
    from ext_home_education h
    where h.hoed_start_date <= :as_at
      and (h.hoed_end_date is null or h.hoed_end_date > :as_at)
    group by h.hoed_person_id
),

known as (
    select he.*,
           case when exists (select 1 from {{ open_cases_at(':as_at') }} oc where oc.person_id = he.person_id)
                then 'Open case' else 'Previously known' end as known_status,
           (select max(e.cine_referral_date) from ssd_cin_episodes e
             where e.cine_person_id = he.person_id and e.cine_referral_date <= :as_at) as last_referral_date
    from home_educated he
),

final as (
    select
        k.person_id,
        {{ child_name('per') }} as child_name,
        per.pers_dob as date_of_birth,
        {{ cf_age('per', ':as_at') }} as age,
        k.home_educated_from,
        k.reason,
        k.known_status,
        case when k.known_status = 'Open case' then {{ cf_case_type('k.person_id', ':as_at') }} end as case_type,
        k.last_referral_date,
        ch.worker_id,
        ch.worker_name,
        ch.team_id,
        ch.team_name,
        case when k.known_status = 'Open case' then 1 else 0 end as is_open_case
    from known k
    join ssd_person per on per.pers_person_id = k.person_id
    left join {{ cf_case_holder_at(':as_at') }} ch on ch.person_id = k.person_id
    where k.last_referral_date is not null
)

select * from final
order by is_open_case desc, team_name, child_name, person_id
