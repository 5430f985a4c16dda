-- One row per 16+ homelessness notification received in the period, disposed of in the period,
-- or still awaiting a disposal at the period end.
with notes as materialized (
    select h.*, per.pers_dob,
           case when h.home_notification_date >= :period_start and h.home_notification_date <= :period_end
                then 1 else 0 end as notified_in_period,
           case when h.home_disposal_date >= :period_start and h.home_disposal_date <= :period_end
                then 1 else 0 end as disposed_in_period,
           case when h.home_notification_date <= :period_end
                 and (h.home_disposal_date is null or h.home_disposal_date > :period_end) then 1 else 0 end
               as open_at_end,
           {{ child_name('per') }} as young_person
    from ext_homeless_16plus h
    join ssd_person per on per.pers_person_id = h.home_person_id
    where h.home_notification_date <= :period_end
)

select
    n.home_notification_id as notification_id,
    n.home_person_id as person_id,
    n.young_person,
    {{ age_years('n.pers_dob', 'n.home_notification_date') }} as age_at_notification,
    n.home_team as team_id,
    t.team_name,
    t.service_id,
    n.home_notification_date as notification_date,
    case when n.home_assessment_date <= :period_end then n.home_assessment_date end as assessment_date,
    case when n.home_assessment_date <= :period_end
         then {{ working_days('n.home_notification_date', 'n.home_assessment_date') }} end
        as working_days_to_assessment,
    case when n.home_disposal_date <= :period_end then n.home_disposal_date end as disposal_date,
    case when n.home_disposal_date <= :period_end then n.home_disposal end as disposal,
    case when n.open_at_end = 1 then 'Awaiting disposal'
         when n.disposed_in_period = 1 then 'Disposed in period' else 'Notified in period' end as status,
    n.notified_in_period,
    n.disposed_in_period,
    n.open_at_end
from notes n
left join {{ teams() }} t on t.team_id = n.home_team
where n.notified_in_period = 1 or n.disposed_in_period = 1 or n.open_at_end = 1
order by n.home_notification_date, n.home_notification_id
