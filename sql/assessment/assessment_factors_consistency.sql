-- One row per assessment authorised in the financial year to the period end whose factors form is
-- inconsistent: empty, or carrying a code that is not in the DfE list of assessment factors.
-- materialized: the year's forms are picked first, then their codes checked; inlined, SQLite
-- checked the 38 codes on every factors form ever recorded before filtering on the year
with forms as materialized (
    select
        a.cina_assessment_id as assessment_id,
        a.cina_person_id as person_id,
        a.cina_assessment_auth_date as authorised_date,
        a.cina_assessment_worker_id as worker_id,
        a.cina_assessment_team as team_id,
        f.cinf_assessment_factors_json as factors,
        {{ cf_json_list_length('f.cinf_assessment_factors_json') }} as codes_recorded,
        (select count(*) from {{ cf_factor_codes() }} dfe
          where f.cinf_assessment_factors_json like '%"' || dfe.code || '"%') as valid_codes
    from ssd_cin_assessments a
    join ssd_assessment_factors f on f.cinf_assessment_id = a.cina_assessment_id
    where a.cina_assessment_auth_date >= {{ cf_year_start(':period_end') }}
      and a.cina_assessment_auth_date <= :period_end
),

flagged as (
    select fo.*,
           case when fo.codes_recorded = 0 then 'Factors form is empty'
                when fo.valid_codes < fo.codes_recorded then 'Factor code not in the DfE list'
           end as gap
    from forms fo
),

final as (
    select
        f.assessment_id,
        f.person_id,
        {{ child_name('per') }} as child_name,
        f.authorised_date,
        f.factors as factors_recorded,
        f.gap,
        f.worker_id,
        w.prof_professional_name as worker_name,
        t.team_id,
        t.team_name,
        t.team_manager_name,
        case when f.authorised_date >= :period_start then 1 else 0 end as authorised_in_period
    from flagged f
    join ssd_person per on per.pers_person_id = f.person_id
    left join ssd_professionals w on w.prof_professional_id = f.worker_id
    left join {{ cf_teams() }} t on t.team_id = f.team_id
    where f.gap is not null
)

select * from final
order by team_name, worker_name, authorised_date, assessment_id
