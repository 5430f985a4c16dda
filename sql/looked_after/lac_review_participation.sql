-- One row per statutory LAC review held in the period, with how the child or young person took
-- part (SSDA903 participation codes PN0-PN7).
with reviews as (
    select r.clar_cla_review_id as review_id, r.clar_cla_id as cla_id, r.clar_cla_review_date as review_date,
           r.clar_cla_review_participation as participation_code,
           (select min(e.clae_person_id) from ssd_cla_episodes e where e.clae_cla_id = r.clar_cla_id) as person_id
    from ssd_cla_reviews r
    where r.clar_cla_review_date >= :period_start and r.clar_cla_review_date <= :period_end
),

final as (
    select
        r.review_id,
        r.person_id,
        {{ child_name('per') }} as child_name,
        {{ age_years('per.pers_dob', 'r.review_date') }} as age_at_review,
        t.team_id,
        t.team_name,
        r.review_date,
        r.participation_code,
        case r.participation_code
            when 'PN0' then 'Child aged under 4 at the time of the review'
            when 'PN1' then 'Attended and spoke for themselves'
            when 'PN2' then 'Attended; an advocate spoke for them'
            when 'PN3' then 'Attended; conveyed views non-verbally'
            when 'PN4' then 'Attended but did not convey views'
            when 'PN5' then 'Did not attend; an advocate conveyed views'
            when 'PN6' then 'Did not attend; views conveyed by another method'
            when 'PN7' then 'Did not attend or convey views'
            else 'Not recorded' end as participation,
        case when r.participation_code in ('PN1', 'PN2', 'PN3', 'PN5', 'PN6') then 1 else 0 end as participated,
        case when r.participation_code in ('PN1', 'PN2', 'PN3', 'PN4') then 1 else 0 end as attended
    from reviews r
    join ssd_person per on per.pers_person_id = r.person_id
    {{ allocation_joins('r.person_id', ':as_at') }}
    where not {{ short_breaks_on('r.person_id', 'r.review_date') }}
)

select * from final
order by review_date, team_name, review_id
