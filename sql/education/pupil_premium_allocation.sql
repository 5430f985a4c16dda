-- One row per child eligible for Pupil Premium Plus as a looked-after child in the financial
-- year (the reporting period): looked after for at least one day in it and aged 4 to 15 on
-- 31 August at the start of the academic year in which the financial year begins (reception to
-- year 11). The rate is configuration (pupil_premium_plus_rate in sql/_blocks/looked_after.sql).
with basis as materialized (
    select (select max(a.cal_date) from ext_calendar a
             where a.cal_month = 8
               and a.cal_year = (select b.cal_year from ext_calendar b where b.cal_date = :period_start)
                                - case when (select b.cal_month from ext_calendar b
                                             where b.cal_date = :period_start) < 9
                                       then 1 else 0 end) as age_date
),

eligible as materialized (
    select l.person_id, l.entered_care, per.pers_dob, {{ child_name('per') }} as child_name,
           {{ age_years('per.pers_dob', 'b.age_date') }} as age_on_31_august, b.age_date
    from {{ looked_after_between(':period_start', ':period_end') }} l
    join ssd_person per on per.pers_person_id = l.person_id
    cross join basis b
    where {{ age_years('per.pers_dob', 'b.age_date') }} between 4 and 15
),

school as (
    select r.roll_person_id as person_id, max(r.roll_urn) as urn
    from ext_school_roll r
    where r.roll_start_date <= :period_end and (r.roll_end_date is null or r.roll_end_date > :period_start)
    group by r.roll_person_id
)

select
    e.person_id,
    e.child_name,
    e.pers_dob as dob,
    e.age_date as age_taken_on,
    e.age_on_31_august,
    case when e.age_on_31_august = 4 then 'Reception' else 'Year ' || cast(e.age_on_31_august - 4 as varchar(2)) end
        as year_group,
    e.entered_care,
    sc.scho_name as school,
    {{ pupil_premium_plus_rate(':period_end') }} as allocation,
    {{ pupil_premium_plus_source(':period_end') }} as rate_source
from eligible e
left join school s on s.person_id = e.person_id
left join ext_schools sc on sc.scho_urn = s.urn
order by e.age_on_31_august, e.person_id
