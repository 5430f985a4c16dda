-- Annex A list 2, early help assessments: every early help episode open at any time in the six
-- months to the as-at date (the SSD records the early help episode, not a separate assessment).
-- Grain: one row per early help episode.
select e.earl_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       e.earl_episode_start_date as start_date, {{ aa_by_as_at('e.earl_episode_end_date') }} as completion_date,
       e.earl_episode_organisation as organisation
  from ssd_early_help_episodes e
  join ssd_person p on p.pers_person_id = e.earl_person_id
 where e.earl_episode_start_date <= :as_at
   and (e.earl_episode_end_date is null or e.earl_episode_end_date >= :window_start)
 order by e.earl_episode_start_date, e.earl_episode_id
