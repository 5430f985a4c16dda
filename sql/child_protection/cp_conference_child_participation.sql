-- One row per way the child took part (DfE participation codes PN0-PN7) in child protection
-- review conferences held in the quarter: counts of conferences for children aged 4 and over.
with reviews as (
    select r.cppr_cp_review_participation as code
    from ssd_cp_reviews r
    where r.cppr_cp_review_date between :period_start and :period_end
      and r.cppr_cp_review_participation is not null
),

codes as (
    select 'PN0' as code, 'Child under 4 at the time of the review' as description, 0 as attended
    -- AL03 off here: a UNION takes its column names from its first branch, so later branches need none.
    -- noqa: disable=AL03
    union all select 'PN1', 'Attended and spoke for themselves', 1
    union all select 'PN2', 'Attended; an advocate conveyed their views', 1
    union all select 'PN3', 'Attended; views conveyed non-verbally', 1
    union all select 'PN4', 'Attended without contributing', 1
    union all select 'PN5', 'Did not attend; an advocate conveyed their views', 0
    union all select 'PN6', 'Did not attend; views conveyed by another method', 0
    union all select 'PN7', 'Did not attend and views not conveyed', 0
    -- noqa: enable=AL03
),

final as (
    select
        c.code,
        c.description,
        c.attended,
        case when c.code = 'PN7' then 0 when c.code = 'PN0' then null else 1 end as views_conveyed,
        (select count(*) from reviews r where r.code = c.code) as conferences,
        round(100.0 * (select count(*) from reviews r where r.code = c.code)
              / nullif((select count(*) from reviews), 0), 1) as pct_of_conferences
    from codes c
)

select * from final
order by code
