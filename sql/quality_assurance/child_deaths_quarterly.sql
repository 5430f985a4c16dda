-- One row per child death notified in the quarter: category, whether the child was known to the
-- service (open case or previously known), age band and who held the case.
with deaths as (
    select d.*
    from ext_child_deaths d
    where d.chde_notification_date between :period_start and :period_end
),

-- who held the case when the child died: the latest allocation starting on or before that day
last_holder as (
    select r.death_id, r.team_id, r.worker_id
    from (select d.chde_id as death_id, i.invo_professional_team as team_id, i.invo_professional_id as worker_id,
                 row_number() over (partition by d.chde_id
                                    order by i.invo_involvement_start_date desc, i.invo_involvements_id desc) as rn
            from deaths d
            join ssd_involvements i on i.invo_person_id = d.chde_person_id
           where i.invo_involvement_start_date <= d.chde_death_date) r
    where r.rn = 1
),

final as (
    select
        d.chde_id as death_id,
        d.chde_person_id as person_id,
        {{ child_name('per') }} as child_name,
        d.chde_death_date as death_date,
        d.chde_notification_date as notification_date,
        {{ cf_month_of('d.chde_notification_date') }} as notification_month,
        case when {{ cf_age('per', 'd.chde_death_date') }} < 1 then 'Under 1'
             when {{ cf_age('per', 'd.chde_death_date') }} < 5 then '1 to 4'
             when {{ cf_age('per', 'd.chde_death_date') }} < 10 then '5 to 9'
             when {{ cf_age('per', 'd.chde_death_date') }} < 15 then '10 to 14'
             else '15 to 17' end as age_band,
        d.chde_category as category,
        d.chde_known_status as known_status,
        t.team_name,
        w.prof_professional_name as worker_name
    from deaths d
    join ssd_person per on per.pers_person_id = d.chde_person_id
    left join last_holder lh on lh.death_id = d.chde_id
    left join {{ teams() }} t on t.team_id = lh.team_id
    left join ssd_professionals w on w.prof_professional_id = lh.worker_id
)

select * from final
order by notification_date, death_id
