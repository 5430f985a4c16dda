-- Annex A list 10, adoption: every child with a decision that they should be placed for
-- adoption made by the as-at date whose adoption is still in progress then, or whose adoption
-- order or reversed decision came in the 12 months to the as-at date. The family identifier is
-- the adoptive household the child was matched with (list 11's).
-- Grain: one row per decision (ssd_permanence row).
select pm.perm_person_id as child_id, m.adma_household_id as family_id, p.pers_sex as sex,
       p.pers_ethnicity as ethnicity, p.pers_dob as dob, {{ aa_disabled('pm.perm_person_id') }} as disabled,
       (select min(e.clae_entered_care_date) from ssd_cla_episodes e
        where e.clae_cla_id = pm.perm_cla_id) as entered_care,
       pm.perm_adm_decision_date as decision_date,
       {{ aa_by_as_at('pm.perm_placement_order_date') }} as placement_order_date,
       {{ aa_by_as_at('pm.perm_matched_date') }} as matched_date,
       {{ aa_by_as_at('pm.perm_placed_for_adoption_date') }} as placed_date,
       case when pm.perm_permanence_order_type = 'Adoption order' and pm.perm_permanence_order_date <= :as_at
            then pm.perm_permanence_order_date end as adoption_order_date,
       {{ aa_by_as_at('pm.perm_decision_reversed_date') }} as reversed_date,
       case when pm.perm_decision_reversed_date <= :as_at then pm.perm_decision_reversed_reason end as reversed_reason,
       {{ aa_by_as_at('pm.perm_placed_ffa_cp_date') }} as ffa_placed_date
  from ssd_permanence pm
  join ssd_person p on p.pers_person_id = pm.perm_person_id
  left join ext_adoption_matches m on m.adma_permanence_id = pm.perm_table_id
 where pm.perm_adm_decision_date <= :as_at
   and (((pm.perm_permanence_order_date is null or pm.perm_permanence_order_date > :as_at)
         and (pm.perm_decision_reversed_date is null or pm.perm_decision_reversed_date > :as_at))
        or pm.perm_permanence_order_date between :year_start and :as_at
        or pm.perm_decision_reversed_date between :year_start and :as_at)
 order by pm.perm_adm_decision_date, pm.perm_table_id
