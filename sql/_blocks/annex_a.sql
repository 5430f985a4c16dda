{#-
  Building blocks for Ofsted's Annex A lists (sql/_annex_a/). Same rules as blocks.sql:
  arguments are SQL expressions, values are bound parameters, plain SQL on SQLite and PostgreSQL.
-#}

{#- The involvement (allocated worker and team) holding `person`'s case on `at`: the latest one
    started on or before that day and not ended before it, so a case closed on `at` still shows
    who held it. One involvement id, or NULL when nobody held the case. -#}
{% macro aa_allocation(person, at) -%}
(select aal.invo_involvements_id from ssd_involvements aal
  where aal.invo_person_id = {{ person }} and aal.invo_involvement_start_date <= {{ at }}
    and (aal.invo_involvement_end_date is null or aal.invo_involvement_end_date >= {{ at }})
  order by aal.invo_involvement_start_date desc, aal.invo_involvements_id desc
  limit 1)
{%- endmacro %}

{#- 'Y' when `person` has a disability recorded (any SSD disability code but NONE), else 'N'. -#}
{% macro aa_disabled(person) -%}
case when exists (select 1 from ssd_disability aad
                   where aad.disa_person_id = {{ person }} and aad.disa_disability_code <> 'NONE')
     then 'Y' else 'N' end
{%- endmacro %}

{#- `d` if it is on or before the as-at date, else NULL: what had not happened by then is blank. -#}
{% macro aa_by_as_at(d) -%}
case when {{ d }} <= :as_at then {{ d }} end
{%- endmacro %}

{#- The earlier of `d` and the as-at date (`d` NULL = still open: the as-at date). -#}
{% macro aa_until(d) -%}
case when {{ d }} is not null and {{ d }} <= :as_at then {{ d }} else :as_at end
{%- endmacro %}
