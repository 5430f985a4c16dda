-- Annex A list 8, children looked after: every child looked after at any time in the six months
-- to the as-at date (short breaks aside, as in the DfE's figures), described by their latest
-- episode in that time. "On" below means the episode's end, or the as-at date if it is open.
--   UASC: an unaccompanied asylum-seeking status at any time in the 12 months to the as-at date.
--   Second or subsequent period: this period began in those 12 months and an earlier period of
--     care ended in them.
--   Legal status: the latest (not a short-breaks status) that started on or before "on".
--   Latest review, last social work visit (child seen), permanence plan, IRO contact, health
--     assessment and dental check: the latest on or before "on" in this period of care (health
--     checks: the latest completed, whenever).
--   Placements in the last 12 months: placements open on any day of the 12 months (one that
--     ended on or before their first day does not count, as in the DfE's 3+ placements).
--   Missing / absent: episodes that started in the 12 months; return interview: of the latest
--     missing episode in them.
-- Grain: one row per child.
with latest as (
    select e.*, row_number() over (partition by e.clae_person_id
                                   order by e.clae_cla_episode_start_date desc, e.clae_cla_episode_id desc) as rn
      from ssd_cla_episodes e
     where e.clae_cla_episode_start_date <= :as_at
       and (e.clae_cla_episode_ceased_date is null or e.clae_cla_episode_ceased_date >= :window_start)
       and not {{ short_breaks_on('e.clae_person_id', 'e.clae_cla_episode_start_date') }}
)
select l.clae_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       case when exists (select 1 from ssd_immigration_status u
                          where u.immi_person_id = l.clae_person_id and u.immi_immigration_status = 'UASC'
                            and u.immi_immigration_status_start_date <= :as_at
                            and (u.immi_immigration_status_end_date is null
                                 or u.immi_immigration_status_end_date >= :year_start))
            then 'Y' else 'N' end as uasc,
       {{ aa_disabled('l.clae_person_id') }} as disabled,
       l.clae_entered_care_date as entered_care, l.clae_cla_primary_need_code as need,
       case when l.clae_entered_care_date >= :year_start
                 and exists (select 1 from ssd_cla_episodes o
                              where o.clae_person_id = l.clae_person_id
                                and o.clae_cla_episode_ceased_date < l.clae_entered_care_date
                                and o.clae_cla_episode_ceased_date >= :year_start)
            then 'Y' else 'N' end as second_period,
       ls.lega_legal_status_start_date as legal_status_start, ls.lega_legal_status as legal_status,
       (select max(r.clar_cla_review_date) from ssd_cla_reviews r
         where r.clar_cla_id = l.clae_cla_id
           and r.clar_cla_review_date <= {{ aa_until('l.clae_cla_episode_ceased_date') }}
           and coalesce(r.clar_cla_review_cancelled, 'N') <> 'Y') as last_review,
       (select max(v.clav_cla_visit_date) from ssd_cla_visits v
         where v.clav_person_id = l.clae_person_id and v.clav_cla_visit_seen = 'Y'
           and v.clav_cla_visit_date
               between l.clae_entered_care_date and {{ aa_until('l.clae_cla_episode_ceased_date') }}) as last_visit,
       (select cp.lacp_cla_care_plan_json from ssd_cla_care_plan cp
         where cp.lacp_person_id = l.clae_person_id
           and cp.lacp_cla_care_plan_start_date <= {{ aa_until('l.clae_cla_episode_ceased_date') }}
         order by cp.lacp_cla_care_plan_start_date desc, cp.lacp_table_id desc
         limit 1) as care_plan,
       {{ aa_by_as_at('l.clae_cla_last_iro_contact_date') }} as last_iro_contact,
       (select max(h.clah_health_check_date) from ssd_cla_health h
         where h.clah_person_id = l.clae_person_id and h.clah_health_check_type = 'Health assessment'
           and h.clah_health_check_status = 'Completed'
           and h.clah_health_check_date <= :as_at) as last_health_assessment,
       (select max(h.clah_health_check_date) from ssd_cla_health h
         where h.clah_person_id = l.clae_person_id and h.clah_health_check_type = 'Dental check'
           and h.clah_health_check_status = 'Completed' and h.clah_health_check_date <= :as_at) as last_dental_check,
       (select count(*) from ssd_cla_placement pc
         where pc.clap_person_id = l.clae_person_id and pc.clap_cla_placement_start_date <= :as_at
           and (pc.clap_cla_placement_end_date is null
                or pc.clap_cla_placement_end_date > :year_start)) as placements_12_months,
       {{ aa_by_as_at('l.clae_cla_episode_ceased_date') }} as ceased_date,
       case when l.clae_cla_episode_ceased_date <= :as_at then l.clae_cla_episode_ceased_reason end as reason_ceased,
       pl.clap_cla_placement_start_date as placement_start, pl.clap_cla_placement_type as placement_type,
       pl.clap_cla_placement_provider as placement_provider, pl.clap_cla_placement_postcode as placement_postcode,
       pl.clap_cla_placement_urn as placement_urn,
       case when g.plge_in_borough is null then null
            when g.plge_in_borough = {{ true_() }} then 'Y' else 'N' end as placement_in_borough,
       g.plge_local_authority as placement_authority,
       (select count(*) from ssd_missing m
         where m.miss_person_id = l.clae_person_id and m.miss_missing_episode_type = 'M'
           and m.miss_missing_episode_start_date between :year_start and :as_at) as missing_12_months,
       (select count(*) from ssd_missing m
         where m.miss_person_id = l.clae_person_id and m.miss_missing_episode_type = 'A'
           and m.miss_missing_episode_start_date between :year_start and :as_at) as absent_12_months,
       lm.miss_missing_rhi_offered as rhi_offered, lm.miss_missing_rhi_accepted as rhi_accepted,
       d.dept_team_name as team, w.prof_professional_name as worker
  from latest l
  join ssd_person p on p.pers_person_id = l.clae_person_id
  left join ssd_legal_status ls on ls.lega_legal_status_id = (
        select x.lega_legal_status_id from ssd_legal_status x
         where x.lega_person_id = l.clae_person_id and x.lega_legal_status not in ('V3', 'V4')
           and x.lega_legal_status_start_date <= {{ aa_until('l.clae_cla_episode_ceased_date') }}
         order by x.lega_legal_status_start_date desc, x.lega_legal_status_id desc
         limit 1)
  left join ssd_cla_placement pl on pl.clap_cla_placement_id = l.clae_cla_placement_id
  left join ext_placement_geography g on g.plge_placement_id = pl.clap_cla_placement_id
  left join ssd_missing lm on lm.miss_table_id = (
        select m.miss_table_id from ssd_missing m
         where m.miss_person_id = l.clae_person_id and m.miss_missing_episode_type = 'M'
           and m.miss_missing_episode_start_date between :year_start and :as_at
         order by m.miss_missing_episode_start_date desc, m.miss_table_id desc
         limit 1)
  left join ssd_involvements iv on iv.invo_involvements_id
          = {{ aa_allocation('l.clae_person_id', aa_until('l.clae_cla_episode_ceased_date')) }}
  left join ssd_department d on d.dept_team_id = iv.invo_professional_team
  left join ssd_professionals w on w.prof_professional_id = iv.invo_professional_id
 where l.rn = 1
 order by l.clae_entered_care_date, l.clae_person_id
