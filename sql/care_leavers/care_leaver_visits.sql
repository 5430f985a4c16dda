-- One row per care leaver allocated at the period end: the last contact by their personal
-- adviser, contacts in the period, and whether contact is overdue (at least every 8 weeks). Only a
-- contact that happened (the young person seen or spoken to) counts towards the standard.
with leavers as materialized (
    select cl.person_id, cl.team_id, al2.worker_id, lc.last_contact,
           case when lc.last_contact is not null then {{ add_days('lc.last_contact', 56) }} end as next_contact_due
    from {{ care_leavers_at(':as_at') }} cl
    join {{ allocation_at(':as_at') }} al2 on al2.person_id = cl.person_id
    left join (select clco_person_id as person_id, max(clco_contact_date) as last_contact
                 from ext_care_leaver_contacts where clco_contact_date <= :as_at and clco_seen = {{ true_() }}
                group by clco_person_id) lc on lc.person_id = cl.person_id
),

in_period as (
    select c.clco_person_id as person_id, count(*) as contacts,
           sum(case when c.clco_seen = {{ true_() }} then 1 else 0 end) as seen
    from ext_care_leaver_contacts c
    where c.clco_contact_date >= :period_start and c.clco_contact_date <= :period_end
    group by c.clco_person_id
)

select
    l.person_id,
    {{ child_name('per') }} as young_person,
    {{ age_years('per.pers_dob', ':as_at') }} as age,
    t.team_id,
    t.team_name,
    prof.prof_professional_name as personal_adviser,
    l.last_contact,
    case when l.last_contact is not null then {{ days_between('l.last_contact', ':as_at') }} end as days_since_contact,
    l.next_contact_due,
    coalesce(ip.contacts, 0) as contacts_in_period,
    coalesce(ip.seen, 0) as seen_in_period,
    -- a contact attempted but not made (not seen or spoken to) is in the period's count, not here
    case when l.last_contact is null then 'Not yet seen or spoken to'
         when l.next_contact_due < :as_at then 'Overdue'
         else 'In timescale' end as status,
    case when l.last_contact is null or l.next_contact_due < :as_at then 'red' else 'green' end as status_rag,
    case when l.last_contact is not null and l.next_contact_due >= :as_at then 1 else 0 end as is_in_timescale
from leavers l
join ssd_person per on per.pers_person_id = l.person_id
left join in_period ip on ip.person_id = l.person_id
left join {{ teams() }} t on t.team_id = l.team_id
left join ssd_professionals prof on prof.prof_professional_id = l.worker_id
order by is_in_timescale, l.last_contact, l.person_id
