{#-
  Shared SQL building blocks. Every report's SQL can call these macros; they expand to plain
  SQL that runs unchanged on SQLite and PostgreSQL. Arguments are SQL expressions (a column or a
  bound parameter such as ':period_end'), never values: values are always bound parameters.
-#}

{#- Working days after `from_date` up to and including `to_date` (same day = 0): a difference of
    the calendar's running working-day numbers. -#}
{% macro working_days(from_date, to_date) -%}
((select wd_to.cal_working_day_number from ext_calendar wd_to where wd_to.cal_date = {{ to_date }})
 - (select wd_from.cal_working_day_number from ext_calendar wd_from where wd_from.cal_date = {{ from_date }}))
{%- endmacro %}

{#- Calendar days from `from_date` to `to_date`. -#}
{% macro days_between(from_date, to_date) -%}
((select d_to.cal_day_number from ext_calendar d_to where d_to.cal_date = {{ to_date }})
 - (select d_from.cal_day_number from ext_calendar d_from where d_from.cal_date = {{ from_date }}))
{%- endmacro %}

{#- The date `n` working days after `from_date` (n >= 1). -#}
{% macro add_working_days(from_date, n) -%}
(select wd_add.cal_date from ext_calendar wd_add
 where wd_add.cal_is_working_day = {{ true_() }}
   and wd_add.cal_working_day_number = (select wd_base.cal_working_day_number from ext_calendar wd_base
                                       where wd_base.cal_date = {{ from_date }}) + {{ n }})
{%- endmacro %}

{#- The date `n` calendar days after `from_date` (n may be negative). -#}
{% macro add_days(from_date, n) -%}
(select d_add.cal_date from ext_calendar d_add
 where d_add.cal_day_number = (select d_base.cal_day_number from ext_calendar d_base
                               where d_base.cal_date = {{ from_date }}) + ({{ n }}))
{%- endmacro %}

{#- A condition that is always true, `(1 = 1)`: compare a boolean column with it
    (`x.flag = {{ true_() }}`), which reads the same on SQLite (0/1) and PostgreSQL (true/false). -#}
{% macro true_() -%}
(1 = 1)
{%- endmacro %}

{#- Who holds each child's case on date `at`: one row per person (the most recent allocation):
    `person_id`, `worker_id`, `team_id`, `allocated_from`. -#}
{% macro allocation_at(at) -%}
(select ranked.person_id, ranked.worker_id, ranked.team_id, ranked.allocated_from
   from (select invo_person_id as person_id, invo_professional_id as worker_id,
                invo_professional_team as team_id, invo_involvement_start_date as allocated_from,
                row_number() over (partition by invo_person_id
                                   order by invo_involvement_start_date desc, invo_involvements_id desc) as rn
           from ssd_involvements
          where invo_involvement_start_date <= {{ at }}
            and (invo_involvement_end_date is null or invo_involvement_end_date > {{ at }})) ranked
  where ranked.rn = 1)
{%- endmacro %}

{#- Teams with their names, kind and service: `team_id`, `team_name`, `team_kind`, `service_id`,
    `service_name`. -#}
{% macro teams() -%}
(select t.team_team_id as team_id, d.dept_team_name as team_name, t.team_kind as team_kind,
        s.serv_service_id as service_id, s.serv_service_name as service_name
   from ext_teams t
   join ssd_department d on d.dept_team_id = t.team_team_id
   join ext_services s on s.serv_service_id = t.team_service_id)
{%- endmacro %}

{#- Children with an open CIN episode (an open case) on date `at`, one row per person:
    `person_id`, `case_open_date`. -#}
{% macro open_cases_at(at) -%}
(select e.cine_person_id as person_id, min(e.cine_referral_date) as case_open_date
   from ssd_cin_episodes e
  where e.cine_referral_date <= {{ at }}
    and (e.cine_close_date is null or e.cine_close_date > {{ at }})
  group by e.cine_person_id)
{%- endmacro %}

{#- Child protection plans open on date `at`: `cp_plan_id`, `person_id`, `plan_start`, `category`. -#}
{% macro cp_plans_at(at) -%}
(select p.cppl_cp_plan_id as cp_plan_id, p.cppl_person_id as person_id,
        p.cppl_cp_plan_start_date as plan_start, p.cppl_cp_plan_latest_category as category
   from ssd_cp_plans p
  where p.cppl_cp_plan_start_date <= {{ at }}
    and (p.cppl_cp_plan_end_date is null or p.cppl_cp_plan_end_date > {{ at }}))
{%- endmacro %}

{#- CP plans open at any time in the report period (started by its end, not ended before its start):
    `cp_plan_id`, `person_id`, `plan_start`, `plan_end`. -#}
{% macro cp_plans_in_period() -%}
(select p.cppl_cp_plan_id as cp_plan_id, p.cppl_person_id as person_id,
        p.cppl_cp_plan_start_date as plan_start, p.cppl_cp_plan_end_date as plan_end
   from ssd_cp_plans p
  where p.cppl_cp_plan_start_date <= :period_end
    and (p.cppl_cp_plan_end_date is null or p.cppl_cp_plan_end_date >= :period_start))
{%- endmacro %}

{#- A person's display name, forename and surname, from an `ssd_person` alias (`alias` is the
    alias as text, e.g. 'per'). -#}
{% macro child_name(alias) -%}
({{ alias }}.pers_forename || ' ' || {{ alias }}.pers_surname)
{%- endmacro %}

{#- The date `n` calendar months after `from_date` (n >= 1), the same day of the month or the
    last day of a shorter month (31 Jan + 1 month = 28/29 Feb): "within 3 months", "not more
    than 6-monthly". The day of the month is read from the ISO text of the date, which is the
    same on SQLite and PostgreSQL. -#}
{% macro add_months(from_date, n) -%}
(select max(am_t.cal_date) from ext_calendar am_t
   join ext_calendar am_b on am_b.cal_date = {{ from_date }}
  where am_t.cal_date > am_b.cal_date
    and am_t.cal_date <= {{ add_days(from_date, 31 * n + 1) }}
    and am_t.cal_year * 12 + am_t.cal_month = am_b.cal_year * 12 + am_b.cal_month + {{ n }}
    and substr(cast(am_t.cal_date as varchar(10)), 9, 2) <= substr(cast(am_b.cal_date as varchar(10)), 9, 2))
{%- endmacro %}

{#- Every CP review conference held up to `to_date`, with the date it was due under Working
    Together (the first review within 3 months of the initial conference, then not more than 6
    months after the previous review) and the due date recorded in the case system, which may
    differ (the regulation wins; a difference is a data-quality finding). -#}
{% macro cp_reviews_by_regulation(to_date) -%}
(select rv.review_id, rv.person_id, rv.cp_plan_id, rv.review_date, rv.recorded_due, rv.review_number,
        case when rv.review_number = 1 then {{ add_months('rv.icpc_date', 3) }}
             else {{ add_months('rv.previous_review', 6) }} end as due_by_regulation
   from (select r.cppr_cp_review_id as review_id, r.cppr_person_id as person_id, r.cppr_cp_plan_id as cp_plan_id,
                r.cppr_cp_review_date as review_date, r.cppr_cp_review_due as recorded_due,
                coalesce((select min(i.icpc_icpc_date) from ssd_initial_cp_conference i
                           where i.icpc_cp_plan_id = r.cppr_cp_plan_id), pl.cppl_cp_plan_start_date) as icpc_date,
                row_number() over (partition by r.cppr_cp_plan_id
                                   order by r.cppr_cp_review_date, r.cppr_cp_review_id) as review_number,
                lag(r.cppr_cp_review_date) over (partition by r.cppr_cp_plan_id
                                                 order by r.cppr_cp_review_date, r.cppr_cp_review_id) as previous_review
           from ssd_cp_reviews r
           join ssd_cp_plans pl on pl.cppl_cp_plan_id = r.cppr_cp_plan_id
          where r.cppr_cp_review_date <= {{ to_date }}) rv)
{%- endmacro %}

{#- The last day of the calendar month of `d`. -#}
{% macro month_end(d) -%}
(select max(me_t.cal_date) from ext_calendar me_t
   join ext_calendar me_b on me_b.cal_date = {{ d }}
  where me_t.cal_year = me_b.cal_year and me_t.cal_month = me_b.cal_month)
{%- endmacro %}

{#- Whether `person` is looked after only under an agreed series of short-term placements on
    `at`: their legal status then is V3 or V4 (short breaks). The DfE's looked-after figures exclude
    them ("figures exclude children looked after under an agreed series of short-term placements":
    Children looked after in England including adoptions, methodology), and so do every
    looked-after figure and list here (the looked-after blocks and the kind of case). Here, in the
    shared basics, because blocks of two service areas use it. -#}
{% macro short_breaks_on(person, at) -%}
exists (select 1 from ssd_legal_status sbo
         where sbo.lega_person_id = {{ person }} and sbo.lega_legal_status in ('V3', 'V4')
           and sbo.lega_legal_status_start_date <= {{ at }}
           and (sbo.lega_legal_status_end_date is null or sbo.lega_legal_status_end_date > {{ at }}))
{%- endmacro %}

{#- A member of staff's role in words, from the local staff role codes (ext_staff.staf_role:
    SW, SP, TM, PA, SM, HOS); a code not listed stays as it is. -#}
{% macro staff_role_name(code) -%}
case {{ code }}
    when 'SW' then 'Social worker'
    when 'SP' then 'Senior practitioner'
    when 'TM' then 'Team manager'
    when 'PA' then 'Personal adviser'
    when 'SM' then 'Service manager'
    when 'HOS' then 'Head of service'
    else {{ code }}
end
{%- endmacro %}
