{#-
  Building blocks for the front door, assessment, CIN, CP, workforce and QA reports (issue 7).
  Names start with `cf_` so they cannot clash with blocks.sql or another area's file (macro
  names are global across sql/_blocks/). Like blocks.sql, every macro expands to plain SQL that
  runs unchanged on SQLite and PostgreSQL; arguments are SQL expressions, never values.
-#}

{#- Local practice standards, in one place (the configuration the issue asks for): change a
    number here and every report that uses it follows. -#}
{#- Working days within which a child on a CIN plan is visited again (local standard: 20). -#}
{% macro cf_cin_visit_standard_wd() -%}20{%- endmacro %}
{#- Working days within which a child on a CP plan is visited again (local standard: 10). -#}
{% macro cf_cp_visit_standard_wd() -%}10{%- endmacro %}
{#- Working days from strategy discussion to initial CP conference (Working Together: 15). -#}
{% macro cf_icpc_standard_wd() -%}15{%- endmacro %}
{#- Working days from referral to the assessment's authorisation (Working Together: 45). -#}
{% macro cf_assessment_standard_wd() -%}45{%- endmacro %}
{#- Calendar days within which a social worker is supervised again (local standard: 35). -#}
{% macro cf_supervision_standard_days() -%}35{%- endmacro %}

{#- The months of the 12 ending with the month of `at`: one row per month with its first and
    last date, `month_index` (year * 12 + month) and `month` as 'YYYY-MM' text. -#}
{% macro cf_last_12_months(at) -%}
(select m12.cal_year * 12 + m12.cal_month as month_index,
        {{ cf_month_label('m12.cal_year', 'm12.cal_month') }} as month,
        min(m12.cal_date) as month_start, max(m12.cal_date) as month_end
   from ext_calendar m12
   join ext_calendar m12_at on m12_at.cal_date = {{ at }}
  where m12.cal_year * 12 + m12.cal_month between m12_at.cal_year * 12 + m12_at.cal_month - 11
                                              and m12_at.cal_year * 12 + m12_at.cal_month
  group by m12.cal_year, m12.cal_month)
{%- endmacro %}

{#- The first day of the 12 months ending on `at`'s month (the 12-month window's start). -#}
{% macro cf_window_start(at) -%}
(select min(ws.cal_date) from ext_calendar ws join ext_calendar ws_at on ws_at.cal_date = {{ at }}
  where ws.cal_year * 12 + ws.cal_month = ws_at.cal_year * 12 + ws_at.cal_month - 11)
{%- endmacro %}

{#- The first day of the financial (CIN census) year that `at` falls in. -#}
{% macro cf_year_start(at) -%}
(select min(ys.cal_date) from ext_calendar ys join ext_calendar ys_at on ys_at.cal_date = {{ at }}
  where ys.cal_fiscal_year = ys_at.cal_fiscal_year)
{%- endmacro %}

{#- 'YYYY-MM' from a year and month number (no lpad/to_char: SQLite has neither). -#}
{% macro cf_month_label(year, month) -%}
(cast({{ year }} as varchar(4)) || '-' || case when {{ month }} < 10 then '0' else '' end
 || cast({{ month }} as varchar(2)))
{%- endmacro %}

{#- 'YYYY-MM' of a date column (its ISO text: the same on SQLite and PostgreSQL). -#}
{% macro cf_month_of(d) -%}
substr(cast({{ d }} as varchar(10)), 1, 7)
{%- endmacro %}

{#- 'This period' when `d` falls in the reporting period, else 'Previous 11 months': the
    summaries group by it, so their Total row is the 12-month figure. -#}
{% macro cf_window(d) -%}
case when {{ d }} >= :period_start then 'This period' else 'Previous 11 months' end
{%- endmacro %}

{#- DfE's bands for working days from strategy discussion / S47 start to ICPC (table C4). -#}
{% macro cf_icpc_band(wd) -%}
case when {{ wd }} is null then 'Not known'
     when {{ wd }} <= 10 then '0-10' when {{ wd }} <= 15 then '11-15'
     when {{ wd }} <= 20 then '16-20' else '21+' end
{%- endmacro %}

{#- 100 when the item met its standard, 0 when it did not, null when it is not yet due: the mean
    of this column is the % on time over the items that count (declare it `type: percent`, so
    a summary's mean of it shows as one). -#}
{% macro cf_score(met, counted) -%}
case when not ({{ counted }}) then null when {{ met }} then 100 else 0 end
{%- endmacro %}

{#- Teams with their manager: who must put a record right besides the worker. -#}
{% macro cf_teams() -%}
(select t.team_team_id as team_id, d.dept_team_name as team_name, t.team_kind as team_kind,
        t.team_service_id as service_id, s.serv_service_name as service_name,
        tm.prof_professional_name as team_manager_name
   from ext_teams t
   join ssd_department d on d.dept_team_id = t.team_team_id
   join ext_services s on s.serv_service_id = t.team_service_id
   left join ssd_professionals tm on tm.prof_professional_id = t.team_manager_id)
{%- endmacro %}

{#- Who holds each child's case on `at`, with the names the lists show: person_id, worker_id,
    worker_name, team_id, team_name, team_manager_name, service_name. -#}
{% macro cf_case_holder_at(at) -%}
(select ch_a.person_id, ch_a.worker_id, ch_w.prof_professional_name as worker_name, ch_a.allocated_from,
        ch_t.team_id, ch_t.team_name, ch_t.team_manager_name, ch_t.service_name
   from {{ allocation_at(at) }} ch_a
   left join ssd_professionals ch_w on ch_w.prof_professional_id = ch_a.worker_id
   left join {{ cf_teams() }} ch_t on ch_t.team_id = ch_a.team_id)
{%- endmacro %}

{#- The kind of open case a child has on `at`: CP plan, looked after, CIN plan or other open
    case (assessment, disability service...), most intensive first. Looked after as the DfE counts
    it (SSDA903): a child in care only for short breaks (legal status V3 or V4) is not, so the
    count agrees with the looked-after reports; such a child is "Short breaks". -#}
{% macro cf_case_type(person_id, at) -%}
case when exists (select 1 from ssd_cp_plans ct_cp where ct_cp.cppl_person_id = {{ person_id }}
                    and ct_cp.cppl_cp_plan_start_date <= {{ at }}
                    and (ct_cp.cppl_cp_plan_end_date is null or ct_cp.cppl_cp_plan_end_date > {{ at }}))
       then 'Child protection plan'
     when exists (select 1 from ssd_cla_episodes ct_la where ct_la.clae_person_id = {{ person_id }}
                    and ct_la.clae_cla_episode_start_date <= {{ at }}
                    and (ct_la.clae_cla_episode_ceased_date is null or ct_la.clae_cla_episode_ceased_date > {{ at }}))
       then case when {{ short_breaks_on(person_id, at) }} then 'Short breaks' else 'Looked after' end
     when exists (select 1 from ssd_cin_plans ct_cin where ct_cin.cinp_person_id = {{ person_id }}
                    and ct_cin.cinp_cin_plan_start_date <= {{ at }}
                    and (ct_cin.cinp_cin_plan_end_date is null or ct_cin.cinp_cin_plan_end_date > {{ at }}))
       then 'Child in need plan'
     else 'Other open case' end
{%- endmacro %}

{#- Whole years of age of a `ssd_person` alias on date `at`, from the ISO text of the dates. -#}
{% macro cf_age(alias, at) -%}
(cast(substr(cast({{ at }} as varchar(10)), 1, 4) as integer) - cast(substr(cast({{ alias }}.pers_dob as varchar(10)), 1, 4) as integer)
 - case when substr(cast({{ at }} as varchar(10)), 6, 5) < substr(cast({{ alias }}.pers_dob as varchar(10)), 6, 5) then 1 else 0 end)
{%- endmacro %}

{% set CF_FACTOR_CODES = ["1B", "1C", "2B", "2C", "3B", "3C", "4B", "4C", "5B", "5C", "6B", "6C", "7B", "7C",
                          "8B", "8C", "8D", "8E", "8F", "9B", "9C", "10A", "11A", "12A", "13A", "14A", "15A",
                          "16A", "17A", "18B", "18C", "19B", "19C", "20", "21", "22A", "23A", "24A"] %}
{#- The DfE assessment factor codes (CIN census) as a one-column table (`code`). A factors form
    is a JSON list of quoted codes; a report counts the codes on it (`cf_json_list_length`) and
    the valid ones it contains (a LIKE per code): plain SQL, because SQLite and PostgreSQL read
    JSON differently (and nested replace() over 38 codes overflows SQLite's parser). -#}
{% macro cf_factor_codes() -%}
(select '{{ CF_FACTOR_CODES[0] }}' as code{% for code in CF_FACTOR_CODES[1:] %} union all select '{{ code }}'{% endfor %})
{%- endmacro %}

{#- How many quoted items a JSON list of strings holds (its double quotes / 2). -#}
{% macro cf_json_list_length(json) -%}
((length(coalesce({{ json }}, '')) - length(replace(coalesce({{ json }}, ''), '"', ''))) / 2)
{%- endmacro %}

{#- A CP plan's category of abuse in words, as Working Together names it (the case system's codes
    NEG, PHY, SAB, EMO, MUL): "EMO" in a list means nothing to most readers. -#}
{% macro cf_cp_category_name(code) -%}
case {{ code }}
    when 'NEG' then 'Neglect'
    when 'PHY' then 'Physical abuse'
    when 'SAB' then 'Sexual abuse'
    when 'EMO' then 'Emotional abuse'
    when 'MUL' then 'Multiple'
    else {{ code }}
end
{%- endmacro %}
