-- Annex A list 7, child protection: every CP plan open at any time in the six months to the
-- as-at date. The last statutory visit is the plan's latest visit with the child seen by the
-- as-at date (and whether the child was seen alone then); the latest review conference is the
-- plan's latest by then. EPO / police protection: a legal status of police protection (L1) or
-- an emergency protection order (L2) at any time in the six months. Previous plans: the child's
-- CP plans that started before this one. Team and worker: who held the case at the plan's end
-- or on the as-at date.
-- Grain: one row per CP plan.
select c.cppl_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       {{ aa_disabled('c.cppl_person_id') }} as disabled,
       c.cppl_cp_plan_start_date as start_date, c.cppl_cp_plan_initial_category as initial_category,
       c.cppl_cp_plan_latest_category as latest_category,
       lv.cppv_cp_visit_date as last_visit, case when lv.cppv_cp_visit_id is not null
                                                 then coalesce(lv.cppv_cp_visit_seen_alone, 'U') end as seen_alone,
       (select max(r.cppr_cp_review_date) from ssd_cp_reviews r
         where r.cppr_cp_plan_id = c.cppl_cp_plan_id and r.cppr_cp_review_date <= :as_at) as last_review,
       {{ aa_by_as_at('c.cppl_cp_plan_end_date') }} as end_date,
       case when exists (select 1 from ssd_legal_status pp
                          where pp.lega_person_id = c.cppl_person_id and pp.lega_legal_status in ('L1', 'L2')
                            and pp.lega_legal_status_start_date <= :as_at
                            and (pp.lega_legal_status_end_date is null
                                 or pp.lega_legal_status_end_date >= :window_start))
            then 'Y' else 'N' end as protection,
       (select count(*) from ssd_cp_plans o
         where o.cppl_person_id = c.cppl_person_id
           and o.cppl_cp_plan_start_date < c.cppl_cp_plan_start_date) as previous_plans,
       d.dept_team_name as team, w.prof_professional_name as worker
  from ssd_cp_plans c
  join ssd_person p on p.pers_person_id = c.cppl_person_id
  left join ssd_cp_visits lv on lv.cppv_cp_visit_id = (
        select v.cppv_cp_visit_id from ssd_cp_visits v
         where v.cppv_cp_plan_id = c.cppl_cp_plan_id and v.cppv_cp_visit_seen = 'Y' and v.cppv_cp_visit_date <= :as_at
         order by v.cppv_cp_visit_date desc, v.cppv_cp_visit_id desc
         limit 1)
  left join ssd_involvements iv on iv.invo_involvements_id
          = {{ aa_allocation('c.cppl_person_id', aa_until('c.cppl_cp_plan_end_date')) }}
  left join ssd_department d on d.dept_team_id = iv.invo_professional_team
  left join ssd_professionals w on w.prof_professional_id = iv.invo_professional_id
 where c.cppl_cp_plan_start_date <= :as_at
   and (c.cppl_cp_plan_end_date is null or c.cppl_cp_plan_end_date >= :window_start)
 order by c.cppl_cp_plan_start_date, c.cppl_cp_plan_id
