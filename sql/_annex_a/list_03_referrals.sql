-- Annex A list 3, referrals: every referral dated in the six months to the as-at date, with
-- the child's referrals in the 12 months to the as-at date (this one included) and who holds
-- the case: the allocation made for this referral (its latest by the as-at date), else the
-- team and worker who took the referral.
-- Grain: one row per referral (CIN episode).
select e.cine_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       e.cine_referral_date as referral_date, e.cine_referral_source_code as source, e.cine_referral_nfa as nfa,
       (select count(*) from ssd_cin_episodes r
         where r.cine_person_id = e.cine_person_id
           and r.cine_referral_date between :year_start and :as_at) as referrals_12_months,
       d.dept_team_name as team, w.prof_professional_name as worker
  from ssd_cin_episodes e
  join ssd_person p on p.pers_person_id = e.cine_person_id
  left join ssd_involvements iv on iv.invo_involvements_id = (
        select ri.invo_involvements_id from ssd_involvements ri
         where ri.invo_referral_id = e.cine_referral_id and ri.invo_involvement_start_date <= :as_at
         order by ri.invo_involvement_start_date desc, ri.invo_involvements_id desc
         limit 1)
  left join ssd_department d on d.dept_team_id = coalesce(iv.invo_professional_team, e.cine_referral_team)
  left join ssd_professionals w on w.prof_professional_id = coalesce(iv.invo_professional_id, e.cine_referral_worker_id)
 where e.cine_referral_date between :window_start and :as_at
 order by e.cine_referral_date, e.cine_referral_id
