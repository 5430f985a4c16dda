-- Annex A list 9, care leavers: every care leaver open to the service on the as-at date (an
-- allocation then). UASC: an unaccompanied asylum-seeking status at any time (or formerly, for
-- those 18 and over). The accommodation is the SSDA903 code's letter (its 1/2 suffix is the
-- suitability). The SSD care leavers table holds the latest values only: a list for a past date
-- shows today's eligibility, contact, accommodation and activity.
-- Grain: one row per young person.
select cl.clea_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       case when exists (select 1 from ssd_immigration_status u
                          where u.immi_person_id = cl.clea_person_id and u.immi_immigration_status = 'UASC'
                            and u.immi_immigration_status_start_date <= :as_at)
            then 'Y' else 'N' end as uasc,
       {{ aa_disabled('cl.clea_person_id') }} as disabled,
       d.dept_team_name as team, w.prof_professional_name as worker, pa.prof_professional_name as personal_adviser,
       cl.clea_care_leaver_eligibility as eligibility,
       {{ aa_by_as_at('cl.clea_pathway_plan_review_date') }} as pathway_plan_review,
       cl.clea_care_leaver_in_touch as in_touch,
       {{ aa_by_as_at('cl.clea_care_leaver_latest_contact') }} as latest_contact,
       substr(cl.clea_care_leaver_accommodation, 1, 1) as accommodation,
       cl.clea_care_leaver_accom_suitable as suitability, cl.clea_care_leaver_activity as activity
  from ssd_care_leavers cl
  join ssd_person p on p.pers_person_id = cl.clea_person_id
  join ssd_involvements iv on iv.invo_involvements_id = {{ aa_allocation('cl.clea_person_id', ':as_at') }}
  left join ssd_department d on d.dept_team_id = coalesce(iv.invo_professional_team, cl.clea_care_leaver_allocated_team)
  left join ssd_professionals w
          on w.prof_professional_id = coalesce(iv.invo_professional_id, cl.clea_care_leaver_worker_id)
  left join ssd_professionals pa on pa.prof_professional_id = cl.clea_care_leaver_personal_advisor
 order by cl.clea_person_id
