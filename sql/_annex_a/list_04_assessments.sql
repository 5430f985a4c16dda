-- Annex A list 4, assessments: every child and family assessment open at any time in the six
-- months to the as-at date (started by then, not authorised before the six months), with the
-- team and worker completing it. "Assessed as requiring LA children's social care support" is
-- the assessment's outcome: no further action = No; blank until it is authorised.
-- Grain: one row per assessment.
select a.cina_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       {{ aa_disabled('a.cina_person_id') }} as disabled,
       a.cina_assessment_start_date as start_date, coalesce(a.cina_assessment_child_seen, 'U') as child_seen,
       {{ aa_by_as_at('a.cina_assessment_auth_date') }} as authorised_date,
       case when a.cina_assessment_auth_date <= :as_at then a.cina_assessment_outcome_nfa end as outcome_nfa,
       d.dept_team_name as team, w.prof_professional_name as worker
  from ssd_cin_assessments a
  join ssd_person p on p.pers_person_id = a.cina_person_id
  left join ssd_department d on d.dept_team_id = a.cina_assessment_team
  left join ssd_professionals w on w.prof_professional_id = a.cina_assessment_worker_id
 where a.cina_assessment_start_date <= :as_at
   and (a.cina_assessment_auth_date is null or a.cina_assessment_auth_date >= :window_start)
 order by a.cina_assessment_start_date, a.cina_assessment_id
