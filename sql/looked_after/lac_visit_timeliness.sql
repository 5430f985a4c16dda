-- One row per child looked after at the period end: the last statutory visit in the current
-- placement, when the next is due under the Care Planning Regulations 2010 (reg. 28) and whether
-- it is overdue. Visits in the period are counted.
with due as materialized (
    select * from {{ lac_visit_due(':as_at') }} d
),

-- a visit counts only when the child was seen (reg. 28); one recorded otherwise is a finding
visits_in_period as (
    select v.clav_person_id as person_id,
           sum(case when v.clav_cla_visit_seen = 'Y' then 1 else 0 end) as visits,
           sum(case when coalesce(v.clav_cla_visit_seen, 'N') <> 'Y' then 1 else 0 end) as not_seen,
           sum(case when v.clav_cla_visit_seen_alone = 'Y' then 1 else 0 end) as seen_alone
    from ssd_cla_visits v
    where v.clav_cla_visit_date >= :period_start and v.clav_cla_visit_date <= :period_end
    group by v.clav_person_id
),

final as (
    select
        d.person_id,
        {{ child_name('per') }} as child_name,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        d.placement_start,
        d.last_visit,
        d.visit_standard,
        d.next_visit_due,
        case when d.next_visit_due < :as_at then {{ days_between('d.next_visit_due', ':as_at') }} else 0 end
            as days_overdue,
        coalesce(vp.visits, 0) as visits_in_period,
        coalesce(vp.not_seen, 0) as visits_not_seen,
        coalesce(vp.seen_alone, 0) as seen_alone_in_period,
        case when d.next_visit_due < :as_at then 'Overdue'
             when d.next_visit_due <= {{ add_days(':as_at', 14) }} then 'Due in next 14 days'
             else 'In timescale' end as status,
        case when d.next_visit_due < :as_at then 'red'
             when d.next_visit_due <= {{ add_days(':as_at', 14) }} then 'amber' else 'green' end as status_rag,
        case when d.next_visit_due < :as_at then 1 else 0 end as is_overdue,
        case when d.next_visit_due >= :as_at then 1 else 0 end as is_in_timescale
    from due d
    join ssd_person per on per.pers_person_id = d.person_id
    left join visits_in_period vp on vp.person_id = d.person_id
    {{ allocation_joins('d.person_id', ':as_at') }}
)

select * from final
order by is_overdue desc, next_visit_due, team_name, person_id
