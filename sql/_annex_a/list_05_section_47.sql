-- Annex A list 5, section 47 enquiries and initial child protection conferences: every S47
-- enquiry open at any time in the six months to the as-at date, its ICPC (if any, by the as-at
-- date), and the child's S47 enquiries and ICPCs in the 12 months to the as-at date.
-- "ICPC deemed unnecessary" is the enquiry's outcome (no further action = Yes); blank while the
-- enquiry is open.
-- Grain: one row per S47 enquiry (per ICPC, if an enquiry had more than one).
select s.s47e_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       {{ aa_disabled('s.s47e_person_id') }} as disabled,
       s.s47e_s47_start_date as start_date,
       case when s.s47e_s47_end_date <= :as_at then s.s47e_s47_nfa end as icpc_unnecessary,
       {{ aa_by_as_at('i.icpc_icpc_date') }} as icpc_date,
       case when i.icpc_icpc_date <= :as_at then coalesce(i.icpc_icpc_outcome_cp_flag, 'U') end as icpc_to_plan,
       (select count(*) from ssd_s47_enquiry s12
         where s12.s47e_person_id = s.s47e_person_id
           and s12.s47e_s47_start_date between :year_start and :as_at) as s47_12_months,
       (select count(*) from ssd_initial_cp_conference i12
         where i12.icpc_person_id = s.s47e_person_id
           and i12.icpc_icpc_date between :year_start and :as_at) as icpc_12_months,
       d.dept_team_name as team, w.prof_professional_name as worker
  from ssd_s47_enquiry s
  join ssd_person p on p.pers_person_id = s.s47e_person_id
  left join ssd_initial_cp_conference i on i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id
  left join ssd_department d on d.dept_team_id = s.s47e_s47_completed_by_team
  left join ssd_professionals w on w.prof_professional_id = s.s47e_s47_completed_by_worker_id
 where s.s47e_s47_start_date <= :as_at
   and (s.s47e_s47_end_date is null or s.s47e_s47_end_date >= :window_start)
 order by s.s47e_s47_start_date, s.s47e_s47_enquiry_id, i.icpc_icpc_id
