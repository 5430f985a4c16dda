{#-
  Building blocks for looked-after children, care leavers, health, education and CYPDS reports
  (issue 8). Same rules as blocks.sql: arguments are SQL expressions, values are bound parameters,
  every macro expands to SQL that runs unchanged on SQLite and PostgreSQL.
-#}

{#- ISO text of a date expression: the same 'YYYY-MM-DD' on SQLite (dates are text) and
    PostgreSQL (DateStyle ISO), so date parts can be compared without dialect functions. -#}
{% macro iso(d) -%}
cast({{ d }} as varchar(10))
{%- endmacro %}

{#- Age in whole years on date `at` of someone born on `dob` (birthday counted on the day). -#}
{% macro age_years(dob, at) -%}
(cast(substr({{ iso(at) }}, 1, 4) as integer) - cast(substr({{ iso(dob) }}, 1, 4) as integer)
 - case when substr({{ iso(at) }}, 6, 5) < substr({{ iso(dob) }}, 6, 5) then 1 else 0 end)
{%- endmacro %}

{#- The date of someone's `n`th birthday (29 February birthdays fall on 28 February in other
    years): the last calendar day of the birth month `n` years on that is not after the birth
    day of the month. -#}
{% macro birthday(dob, n) -%}
(select max(bd.cal_date) from ext_calendar bd
  where bd.cal_year = cast(substr({{ iso(dob) }}, 1, 4) as integer) + {{ n }}
    and bd.cal_month = cast(substr({{ iso(dob) }}, 6, 2) as integer)
    and substr({{ iso('bd.cal_date') }}, 9, 2) <= substr({{ iso(dob) }}, 9, 2))
{%- endmacro %}

{#- Children looked after on date `at` (short breaks excluded): one row per child (their current
    episode), with the period of care (cla_id), the date they entered care and the current placement. -#}
{% macro looked_after_at(at) -%}
(select e.clae_person_id as person_id, e.clae_cla_id as cla_id, e.clae_entered_care_date as entered_care,
        e.clae_cla_episode_id as episode_id, e.clae_cla_episode_start_date as episode_start,
        e.clae_cla_placement_id as placement_id, e.clae_cla_episode_start_reason as start_reason
   from ssd_cla_episodes e
  where e.clae_cla_episode_start_date <= {{ at }}
    and (e.clae_cla_episode_ceased_date is null or e.clae_cla_episode_ceased_date > {{ at }})
    and not {{ short_breaks_on('e.clae_person_id', at) }})
{%- endmacro %}

{#- Children looked after for at least one day from `from_date` to `to_date` (episodes that began
    under a short-breaks status excluded): one row per child with their first and last day in
    care inside that window. -#}
{% macro looked_after_between(from_date, to_date) -%}
(select e.clae_person_id as person_id, min(e.clae_entered_care_date) as entered_care,
        max(e.clae_cla_episode_start_date) as last_episode_start
   from ssd_cla_episodes e
  where e.clae_cla_episode_start_date <= {{ to_date }}
    and (e.clae_cla_episode_ceased_date is null or e.clae_cla_episode_ceased_date >= {{ from_date }})
    and not {{ short_breaks_on('e.clae_person_id', 'e.clae_cla_episode_start_date') }}
  group by e.clae_person_id)
{%- endmacro %}

{#- Periods of care that ended from `from_date` to `to_date` (the last episode's ceased date and
    reason; a move between placements is not an ending: reason X1; short breaks excluded, by
    the legal status the last episode began under). -#}
{% macro care_ended_between(from_date, to_date) -%}
(select e.clae_person_id as person_id, e.clae_cla_id as cla_id, e.clae_entered_care_date as entered_care,
        e.clae_cla_episode_ceased_date as ceased, e.clae_cla_episode_ceased_reason as ceased_reason,
        e.clae_cla_placement_id as placement_id
   from ssd_cla_episodes e
  where e.clae_cla_episode_ceased_date >= {{ from_date }}
    and e.clae_cla_episode_ceased_date <= {{ to_date }}
    and e.clae_cla_episode_ceased_reason <> 'X1'
    and not {{ short_breaks_on('e.clae_person_id', 'e.clae_cla_episode_start_date') }})
{%- endmacro %}

{#- Statutory LAC review due for each child looked after on `at` (Care Planning, Placement and
    Case Review (England) Regulations 2010, reg. 33): first review within 20 working days of
    entering care, the second within 3 months of the first, then at most every 6 months. -#}
{% macro lac_review_due(at) -%}
(select la.person_id, la.cla_id, la.entered_care, rv.reviews_held, rv.last_review,
        case when rv.reviews_held is null or rv.reviews_held = 0 then {{ add_working_days('la.entered_care', 20) }}
             when rv.reviews_held = 1 then {{ add_months('rv.last_review', 3) }}
             else {{ add_months('rv.last_review', 6) }} end as next_review_due,
        case when rv.reviews_held is null or rv.reviews_held = 0 then '20 working days from entering care'
             when rv.reviews_held = 1 then '3 months from first review'
             else '6 months from last review' end as review_standard
   from {{ looked_after_at(at) }} la
   left join (select r.clar_cla_id as cla_id, count(*) as reviews_held, max(r.clar_cla_review_date) as last_review
                from ssd_cla_reviews r
               where r.clar_cla_review_date <= {{ at }}
               group by r.clar_cla_id) rv on rv.cla_id = la.cla_id)
{%- endmacro %}

{#- Every statutory LAC review held up to `to_date` (cancelled ones not counted), with the date it
    was due under the Care Planning, Placement and Case Review (England) Regulations 2010, reg. 33
    (the first within 20 working days of entering care, the second within 3 months of the first,
    then not more than 6 months after the previous one) and the due date recorded in the case
    system, which may differ (the regulation wins; a difference is a data-quality finding).
    Short breaks excluded, by the legal status on the review date. -#}
{% macro lac_reviews_by_regulation(to_date) -%}
(select rv.review_id, rv.cla_id, rv.person_id, rv.entered_care, rv.review_date, rv.recorded_due, rv.review_number,
        case when rv.review_number = 1 then {{ add_working_days('rv.entered_care', 20) }}
             when rv.review_number = 2 then {{ add_months('rv.previous_review', 3) }}
             else {{ add_months('rv.previous_review', 6) }} end as due_by_regulation
   from (select r.clar_cla_review_id as review_id, r.clar_cla_id as cla_id, pc.person_id, pc.entered_care,
                r.clar_cla_review_date as review_date, r.clar_cla_review_due_date as recorded_due,
                row_number() over (partition by r.clar_cla_id
                                   order by r.clar_cla_review_date, r.clar_cla_review_id) as review_number,
                lag(r.clar_cla_review_date) over (partition by r.clar_cla_id
                                                  order by r.clar_cla_review_date, r.clar_cla_review_id) as previous_review
           from ssd_cla_reviews r
           join (select e.clae_cla_id as cla_id, min(e.clae_person_id) as person_id,
                        min(e.clae_entered_care_date) as entered_care
                   from ssd_cla_episodes e group by e.clae_cla_id) pc on pc.cla_id = r.clar_cla_id
          where r.clar_cla_review_date <= {{ to_date }}
            and coalesce(r.clar_cla_review_cancelled, 'N') <> 'Y') rv
  where not {{ short_breaks_on('rv.person_id', 'rv.review_date') }})
{%- endmacro %}

{#- Statutory social worker visit due for each child looked after on `at` (reg. 28): within one
    week of a placement starting, then at most every 6 weeks in the placement's first year;
    after that 3-monthly where the placement is intended to last to 18 (permanence plan of
    long-term foster care), otherwise still 6-weekly. Only a visit at which the child was seen
    counts (reg. 28(4): the social worker must see the child). -#}
{% macro lac_visit_due(at) -%}
(select la.person_id, la.cla_id, pl.clap_cla_placement_start_date as placement_start, lv.last_visit,
        case when lv.last_visit is null then {{ add_days('pl.clap_cla_placement_start_date', 7) }}
             when lv.last_visit >= {{ add_months('pl.clap_cla_placement_start_date', 12) }}
                  and cp.lacp_cla_care_plan_json like '%Long-term foster care%'
             then {{ add_months('lv.last_visit', 3) }}
             else {{ add_days('lv.last_visit', 42) }} end as next_visit_due,
        case when lv.last_visit is null then 'Within 1 week of placement'
             when lv.last_visit >= {{ add_months('pl.clap_cla_placement_start_date', 12) }}
                  and cp.lacp_cla_care_plan_json like '%Long-term foster care%' then '3-monthly (permanent placement)'
             else '6-weekly' end as visit_standard
   from {{ looked_after_at(at) }} la
   join ssd_cla_placement pl on pl.clap_cla_placement_id = la.placement_id
   left join ssd_cla_care_plan cp on cp.lacp_person_id = la.person_id
        and cp.lacp_cla_care_plan_start_date = la.entered_care
   left join (select v.clav_person_id as person_id, v.clav_cla_id as cla_id, max(v.clav_cla_visit_date) as last_visit
                from ssd_cla_visits v join ssd_cla_placement p2 on p2.clap_person_id = v.clav_person_id
               where v.clav_cla_visit_date <= {{ at }}
                 and v.clav_cla_visit_seen = 'Y'
                 and v.clav_cla_visit_date >= p2.clap_cla_placement_start_date
                 and (p2.clap_cla_placement_end_date is null or p2.clap_cla_placement_end_date > {{ at }})
                 and p2.clap_cla_placement_start_date <= {{ at }}
               group by v.clav_person_id, v.clav_cla_id) lv on lv.person_id = la.person_id and lv.cla_id = la.cla_id)
{%- endmacro %}

{#- Latest health check of a kind ('Health assessment', 'Dental check') per person on `at`. -#}
{% macro last_health_check(kind, at) -%}
(select h.clah_person_id as person_id, max(h.clah_health_check_date) as last_check
   from ssd_cla_health h
  where h.clah_health_check_type = '{{ kind }}' and h.clah_health_check_status = 'Completed'
    and h.clah_health_check_date <= {{ at }}
  group by h.clah_person_id)
{%- endmacro %}

{#- Care leavers open to the leaving care service on `at` (the SSD care leavers table, joined to
    their allocation), one row per young person. -#}
{% macro care_leavers_at(at) -%}
(select cl.clea_person_id as person_id, cl.clea_care_leaver_eligibility as eligibility,
        cl.clea_care_leaver_in_touch as in_touch, cl.clea_care_leaver_accommodation as accommodation,
        cl.clea_care_leaver_accom_suitable as accommodation_suitable, cl.clea_care_leaver_activity as activity,
        cl.clea_care_leaver_personal_advisor as personal_adviser_id,
        coalesce(al.team_id, cl.clea_care_leaver_allocated_team) as team_id
   from ssd_care_leavers cl
   join {{ allocation_at(at) }} al on al.person_id = cl.clea_person_id)
{%- endmacro %}

{#- Children whose case is held by a CYPDS (disability service) team on `at`: one row per child
    (`person_id`, `team_id`, `worker_id`), from their allocation on that date. -#}
{% macro cypds_open_at(at) -%}
(select al.person_id, al.team_id, al.worker_id
   from {{ allocation_at(at) }} al
   join ext_teams cyt on cyt.team_team_id = al.team_id
  where cyt.team_kind = 'CYPDS')
{%- endmacro %}

{#- The Pupil Premium Plus rate per looked-after child for the financial year of the date `at`:
    configuration by year (config/rates.yml), not data. -#}
{% macro pupil_premium_plus_rate(at) -%}
{{ yearly_rate('pupil_premium_plus', at) }}
{%- endmacro %}
{#- Where the Pupil Premium Plus rate for the financial year of `at` comes from (the source
    config/rates.yml names for that year), to show beside the figure. -#}
{% macro pupil_premium_plus_source(at) -%}
{{ yearly_rate('pupil_premium_plus', at, want='source') }}
{%- endmacro %}

{#- The date `n` calendar months before `from_date` (same day of the month, or the last day of a
    shorter month): "the last 6 months" = the day after months_before(period_end, 6) to period_end. -#}
{% macro months_before(from_date, n) -%}
(select max(mb_t.cal_date) from ext_calendar mb_t
   join ext_calendar mb_b on mb_b.cal_date = {{ from_date }}
  where mb_t.cal_year * 12 + mb_t.cal_month = mb_b.cal_year * 12 + mb_b.cal_month - {{ n }}
    and substr({{ iso('mb_t.cal_date') }}, 9, 2) <= substr({{ iso('mb_b.cal_date') }}, 9, 2))
{%- endmacro %}

{#- First day of the fiscal (April-March) year containing `at`: the SSDA903 collection year. -#}
{% macro fiscal_year_start(at) -%}
(select min(fy.cal_date) from ext_calendar fy
  where fy.cal_fiscal_year = (select fy_b.cal_fiscal_year from ext_calendar fy_b where fy_b.cal_date = {{ at }}))
{%- endmacro %}
{#- Last day of the fiscal (April-March) year containing `at`: the SSDA903 collection year. -#}
{% macro fiscal_year_end(at) -%}
(select max(fy.cal_date) from ext_calendar fy
  where fy.cal_fiscal_year = (select fy_b.cal_fiscal_year from ext_calendar fy_b where fy_b.cal_date = {{ at }}))
{%- endmacro %}

{#- Team name and worker name for a person's allocation on `at` (left-joinable, aliases al, t, prof). -#}
{% macro allocation_joins(person, at) -%}
left join {{ allocation_at(at) }} al on al.person_id = {{ person }}
left join {{ teams() }} t on t.team_id = al.team_id
left join ssd_professionals prof on prof.prof_professional_id = al.worker_id
{%- endmacro %}

{#- The whole statement of a CYPDS assessment timescales report: one row per assessment of type
    `assessment_type` (a SQL string literal, e.g. "'18plus'") completed in the 12 months to
    :period_end or still open, with days from start to completion against a standard of
    `standard_days` days (an integer). Shared by cypds_18plus_assessment_timescales and
    cypds_transition_assessment_timescales. -#}
{% macro cypds_assessment_timescales(assessment_type, standard_days) -%}
with assessments as materialized (
    select a.cypa_assessment_id as assessment_id, a.cypa_person_id as person_id,
           a.cypa_requested_date as requested_date,
           case when a.cypa_start_date <= :as_at then a.cypa_start_date end as start_date,
           case when a.cypa_completed_date <= :as_at then a.cypa_completed_date end as completed_date
    from ext_cypds_assessments a
    where a.cypa_assessment_type = {{ assessment_type }}
      and a.cypa_requested_date <= :as_at
      and (a.cypa_completed_date is null or a.cypa_completed_date > {{ months_before(':period_end', 12) }})
)

select
    a.assessment_id,
    a.person_id,
    {{ child_name('per') }} as young_person,
    t.team_id,
    t.team_name,
    a.requested_date,
    a.start_date,
    a.completed_date,
    case when a.completed_date is not null and a.start_date is not null
         then {{ days_between('a.start_date', 'a.completed_date') }} end as days_to_complete,
    case when a.completed_date is null then 'Open'
         when {{ days_between('a.start_date', 'a.completed_date') }} <= {{ standard_days }} then 'Within {{ standard_days }} days'
         else 'Over {{ standard_days }} days' end as status,
    case when a.completed_date is null then 'amber'
         when {{ days_between('a.start_date', 'a.completed_date') }} <= {{ standard_days }} then 'green' else 'red' end as status_rag,
    case when a.completed_date is not null then 1 else 0 end as is_completed,
    case when a.completed_date is not null and {{ days_between('a.start_date', 'a.completed_date') }} <= {{ standard_days }}
         then 1 else 0 end as within_standard,
    case when a.completed_date >= :period_start then 1 else 0 end as completed_in_period
from assessments a
join ssd_person per on per.pers_person_id = a.person_id
{{ allocation_joins('a.person_id', ':as_at') }}
order by a.completed_date, a.assessment_id
{%- endmacro %}

{#- The whole statement of a CYPDS review timescales report: one row per review whose type is in
    `review_types` (SQL string literals, e.g. "'u18', 'short_breaks'") due in the period, or due
    earlier and still not held at :period_end, and whether it was held on time (on or before its
    due date). Shared by cypds_18plus_reviews_compliance and cypds_u18_review_timescales. -#}
{% macro cypds_review_timescales(review_types) -%}
with reviews as materialized (
    select r.cypr_review_id as review_id, r.cypr_person_id as person_id, r.cypr_review_type as review_type,
           r.cypr_due_date as due_date,
           case when r.cypr_review_date <= :period_end then r.cypr_review_date end as review_date
    from ext_cypds_reviews r
    where r.cypr_review_type in ({{ review_types }})
      and r.cypr_due_date <= :period_end
      and (r.cypr_due_date >= :period_start or r.cypr_review_date is null or r.cypr_review_date > :period_end)
)

select
    r.review_id,
    r.person_id,
    {{ child_name('per') }} as child_name,
    {{ age_years('per.pers_dob', ':period_end') }} as age,
    t.team_id,
    t.team_name,
    prof.prof_professional_name as worker_name,
    -- the case system's codes in words: a reader sees "Short breaks review", not "short_breaks"
    case r.review_type when 'u18' then 'Under-18 review' when 'short_breaks' then 'Short breaks review'
                       when '18plus' then '18+ review' else r.review_type end as review_type,
    r.due_date,
    r.review_date,
    case when r.review_date is null then 'Overdue'
         when r.review_date <= r.due_date then 'Held on time' else 'Held late' end as status,
    case when r.review_date is null then 'red' when r.review_date <= r.due_date then 'green' else 'amber' end
        as status_rag,
    case when r.due_date >= :period_start then 1 else 0 end as due_in_period,
    case when r.review_date is not null and r.review_date <= r.due_date then 1 else 0 end as on_time,
    case when r.review_date is null then 1 else 0 end as is_overdue
from reviews r
join ssd_person per on per.pers_person_id = r.person_id
{{ allocation_joins('r.person_id', ':as_at') }}
order by is_overdue desc, r.due_date, r.review_id
{%- endmacro %}

{#- Why a period of care ended, in words: the DfE's SSDA903 "reason episode ceased" codes, shortened
    only where the DfE's own wording runs to a sentence. (The list once said "Died" for E3, which is
    care taken over by another local authority; E2 is died.) -#}
{% macro la_ceased_reason_name(code) -%}
case {{ code }}
    when 'E11' then 'Adopted (application unopposed)'
    when 'E12' then 'Adopted (consent dispensed with by the court)'
    when 'E13' then 'Left care to live with parents, relatives or others with no parental responsibility'
    when 'E14' then 'Accommodation on remand ended'
    when 'E15' then 'Age assessment found the child aged 18 or over'
    when 'E16' then 'Moved abroad'
    when 'E17' then 'Aged 18 or over, stayed with current carers (staying put)'
    when 'E2' then 'Died'
    when 'E3' then 'Care taken over by another local authority'
    when 'E41' then 'Child arrangements (residence) order'
    when 'E43' then 'Special guardianship order'
    when 'E44' then 'Special guardianship order'
    when 'E45' then 'Special guardianship order (former foster carers, relatives or friends)'
    when 'E46' then 'Special guardianship order (former foster carers, not relatives or friends)'
    when 'E47' then 'Special guardianship order (other carers, relatives or friends)'
    when 'E48' then 'Special guardianship order (other carers, not relatives or friends)'
    when 'E4A' then 'Returned home as part of the care plan'
    when 'E4B' then 'Returned home, not as part of the care plan'
    when 'E5' then 'Independent living with formal support'
    when 'E6' then 'Independent living without formal support'
    when 'E7' then 'Transferred to residential care funded by adult social care'
    when 'E8' then 'Care ended for any other reason'
    when 'E9' then 'Sentenced to custody'
    else {{ code }}
end
{%- endmacro %}

{#- A placement's type in words: the DfE's SSDA903 placement type codes, shortened where the DfE's
    wording runs to a sentence (the adoption codes name the Acts); a code not listed stays as it is. -#}
{% macro la_placement_type_name(code) -%}
case {{ code }}
    when 'A3' then 'Placed for adoption with consent, with current foster carers'
    when 'A4' then 'Placed for adoption with consent, not with current foster carers'
    when 'A5' then 'Placed for adoption under a placement order, with current foster carers'
    when 'A6' then 'Placed for adoption under a placement order, not with current foster carers'
    when 'H5' then 'Semi-independent living, not subject to children''s homes regulations'
    when 'K1' then 'Secure children''s home'
    when 'K2' then 'Children''s home'
    when 'K3' then 'Registered supported accommodation'
    when 'P1' then 'Placed with parents or others with parental responsibility'
    when 'P2' then 'Independent living (flat, lodgings, bedsit, B&B or with friends)'
    when 'P3' then 'Residential employment'
    when 'R1' then 'Residential care home'
    when 'R2' then 'NHS or health trust establishment (medical or nursing care)'
    when 'R3' then 'Family centre or mother and baby unit'
    when 'R5' then 'Young offender institution'
    when 'S1' then 'Residential school'
    when 'T0' then 'Temporary move'
    when 'T1' then 'Temporary period in hospital'
    when 'T2' then 'Temporary absence on holiday'
    when 'T3' then 'Temporary accommodation while the foster carers are on holiday'
    when 'T4' then 'Temporary accommodation of seven days or less'
    when 'U1' then 'Foster care with relatives or friends: long-term'
    when 'U2' then 'Foster care with relatives or friends who are approved adopters (fostering for adoption)'
    when 'U3' then 'Foster care with relatives or friends: not long-term or fostering for adoption'
    when 'U4' then 'Foster care with other foster carers: long-term'
    when 'U5' then 'Foster care with other foster carers who are approved adopters (fostering for adoption)'
    when 'U6' then 'Foster care with other foster carers: not long-term or fostering for adoption'
    when 'Z1' then 'Other placement (listed for the DfE)'
    else {{ code }}
end
{%- endmacro %}

{#- Who provides a placement, in words: the DfE's SSDA903 placement provider codes. -#}
{% macro la_placement_provider_name(code) -%}
case {{ code }}
    when 'PR0' then 'Parents or others with parental responsibility'
    when 'PR1' then 'This authority''s own provision'
    when 'PR2' then 'Another local authority''s provision'
    when 'PR3' then 'Other public provision'
    when 'PR4' then 'Private provision'
    when 'PR5' then 'Voluntary or third sector provision'
    else {{ code }}
end
{%- endmacro %}

{#- Whether a care leaver is in touch, in words: the DfE's SSDA903 OC3 codes, as the two blocks
    after it name accommodation and activity; the DfE's words, shortened; a code not listed stays
    as it is. -#}
{% macro cl_in_touch_name(code) -%}
case {{ code }}
    when 'YES' then 'In touch'
    when 'NO' then 'Not in touch'
    when 'DIED' then 'Died'
    when 'REFU' then 'Refuses contact'
    when 'NREQ' then 'No longer needs services'
    when 'RHOM' then 'Returned home for 6 months or more'
    else {{ code }}
end
{%- endmacro %}

{#- A care leaver's accommodation type in words, from its SSDA903 letter (T1, T2: a foyer). -#}
{% macro cl_accommodation_name(code) -%}
case substr({{ code }}, 1, 1)
    when 'B' then 'With parents or relatives'
    when 'C' then 'Community home or other residential care'
    when 'D' then 'Semi-independent, transitional accommodation'
    when 'E' then 'Supported lodgings'
    when 'G' then 'Gone abroad'
    when 'H' then 'Deported'
    when 'K' then 'Ordinary lodgings, without support'
    when 'R' then 'Residence not known'
    when 'S' then 'No fixed abode or homeless'
    when 'T' then 'Foyer or similar supported accommodation'
    when 'U' then 'Independent living'
    when 'V' then 'Emergency accommodation'
    when 'W' then 'Bed and breakfast'
    when 'X' then 'In custody'
    when 'Y' then 'Other accommodation'
    when 'Z' then 'With former foster carers'
    else {{ code }}
end
{%- endmacro %}

{#- A care leaver's main activity in words (SSDA903: F full-time, P part-time, G not in education,
    employment or training). -#}
{% macro cl_activity_name(code) -%}
case {{ code }}
    when 'F1' then 'Full-time higher education'
    when 'F2' then 'Full-time education (not higher)'
    when 'F3' then 'Full-time training or employment'
    when 'F4' then 'Full-time apprenticeship'
    when 'F5' then 'Full-time training or employment (not apprenticeship)'
    when 'P1' then 'Part-time higher education'
    when 'P2' then 'Part-time education (not higher)'
    when 'P3' then 'Part-time training or employment'
    when 'P4' then 'Part-time apprenticeship'
    when 'P5' then 'Part-time training or employment (not apprenticeship)'
    when 'G4' then 'NEET: illness or disability'
    when 'G5' then 'NEET: other circumstances'
    when 'G6' then 'NEET: pregnancy or parenting'
    else {{ code }}
end
{%- endmacro %}
