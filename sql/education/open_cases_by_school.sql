-- One row per child with an open social work case at the period end who is on the roll of a
-- Camden maintained school then: the school (for bursting to its CP lead), the kind of case and
-- the allocated worker to contact.
with open_cases as (
    select * from {{ open_cases_at(':as_at') }} oc
),

on_roll as (
    select r.roll_person_id as person_id, r.roll_urn as school_urn,
           row_number() over (partition by r.roll_person_id order by r.roll_start_date desc, r.roll_roll_id desc) as rn
    from ext_school_roll r
    where r.roll_start_date <= :as_at
      and (r.roll_end_date is null or r.roll_end_date > :as_at)
),

final as (
    select
        s.scho_urn as school_urn,
        s.scho_name as school_name,
        s.scho_phase as phase,
        oc.person_id,
        {{ child_name('per') }} as child_name,
        per.pers_dob as date_of_birth,
        {{ cf_case_type('oc.person_id', ':as_at') }} as case_type,
        ch.worker_name,
        ch.team_id,
        ch.team_name,
        ch.team_manager_name
    from open_cases oc
    join on_roll r on r.person_id = oc.person_id and r.rn = 1
    join ext_schools s on s.scho_urn = r.school_urn
    join ssd_person per on per.pers_person_id = oc.person_id
    left join {{ cf_case_holder_at(':as_at') }} ch on ch.person_id = oc.person_id
    where s.scho_is_maintained = {{ true_() }}
      and s.scho_in_borough = {{ true_() }}
)

select * from final
order by school_name, school_urn, child_name, person_id
