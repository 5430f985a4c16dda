-- Annex A list 6, children in need: every CIN episode open at any time in the six months to the
-- as-at date. The date the child was last seen is the latest visit with the child seen (CIN,
-- CP or looked-after visit) in the episode, up to its closure or the as-at date. Case status on
-- the as-at date: closed, else looked after (short breaks aside), else on a CP plan, else on a
-- CIN plan, else open for assessment (referral or assessment stage). Team and worker: who held
-- the case at closure or on the as-at date.
-- Grain: one row per CIN episode.
select e.cine_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       {{ aa_disabled('e.cine_person_id') }} as disabled,
       e.cine_referral_date as start_date, e.cine_cin_primary_need_code as need,
       (select max(seen.visit_date) from (
            select (select max(v.cinv_cin_visit_date) from ssd_cin_visits v
                     where v.cinv_person_id = e.cine_person_id and v.cinv_cin_visit_seen = 'Y'
                       and v.cinv_cin_visit_date
                           between e.cine_referral_date and {{ aa_until('e.cine_close_date') }}) as visit_date
            union all
            select (select max(v.cppv_cp_visit_date) from ssd_cp_visits v
                     where v.cppv_person_id = e.cine_person_id and v.cppv_cp_visit_seen = 'Y'
                       and v.cppv_cp_visit_date between e.cine_referral_date and {{ aa_until('e.cine_close_date') }})
            union all
            select (select max(v.clav_cla_visit_date) from ssd_cla_visits v
                     where v.clav_person_id = e.cine_person_id and v.clav_cla_visit_seen = 'Y'
                       and v.clav_cla_visit_date between e.cine_referral_date and {{ aa_until('e.cine_close_date') }})
        ) seen) as last_seen,
       {{ aa_by_as_at('e.cine_close_date') }} as close_date,
       case when e.cine_close_date <= :as_at then e.cine_close_reason end as close_reason,
       case when e.cine_close_date <= :as_at then 'closed'
            when exists (select 1 from ssd_cla_episodes la
                          where la.clae_person_id = e.cine_person_id and la.clae_cla_episode_start_date <= :as_at
                            and (la.clae_cla_episode_ceased_date is null or la.clae_cla_episode_ceased_date > :as_at))
                 and not {{ short_breaks_on('e.cine_person_id', ':as_at') }} then 'looked_after'
            when exists (select 1 from ssd_cp_plans cp
                          where cp.cppl_person_id = e.cine_person_id and cp.cppl_cp_plan_start_date <= :as_at
                            and (cp.cppl_cp_plan_end_date is null or cp.cppl_cp_plan_end_date > :as_at))
                 then 'child_protection'
            when exists (select 1 from ssd_cin_plans cn
                          where cn.cinp_person_id = e.cine_person_id and cn.cinp_cin_plan_start_date <= :as_at
                            and (cn.cinp_cin_plan_end_date is null or cn.cinp_cin_plan_end_date > :as_at))
                 then 'cin_plan'
            else 'open_assessment' end as case_status,
       d.dept_team_name as team, w.prof_professional_name as worker
  from ssd_cin_episodes e
  join ssd_person p on p.pers_person_id = e.cine_person_id
  left join ssd_involvements iv on iv.invo_involvements_id
          = {{ aa_allocation('e.cine_person_id', aa_until('e.cine_close_date')) }}
  left join ssd_department d on d.dept_team_id = coalesce(iv.invo_professional_team, e.cine_referral_team)
  left join ssd_professionals w on w.prof_professional_id = coalesce(iv.invo_professional_id, e.cine_referral_worker_id)
 where e.cine_referral_date <= :as_at
   and (e.cine_close_date is null or e.cine_close_date >= :window_start)
 order by e.cine_referral_date, e.cine_referral_id
