-- Annex A list 1, contacts: every contact dated in the six months to the as-at date.
-- Grain: one row per contact.
select c.cont_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, p.pers_dob as dob,
       c.cont_contact_date as contact_date, c.cont_contact_source_code as source
  from ssd_contacts c
  join ssd_person p on p.pers_person_id = c.cont_person_id
 where c.cont_contact_date between :window_start and :as_at
 order by c.cont_contact_date, c.cont_contact_id
