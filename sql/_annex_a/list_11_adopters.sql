-- Annex A list 11, adopters: every prospective adopter who made an enquiry by the as-at date and
-- was still in the process at any time in the 12 months to it (not left, and no adoption order,
-- before them). Stage dates after the as-at date are blank.
-- Grain: one row per adopter (a couple is two rows with one family identifier).
select a.adop_adopter_id as adopter_id, a.adop_household_id as family_id, a.adop_sex as sex,
       a.adop_ethnicity as ethnicity, coalesce(a.adop_disability, 'U') as disabled,
       a.adop_fostering_for_adoption as fostering_for_adoption, a.adop_enquiry_date as enquiry_date,
       {{ aa_by_as_at('a.adop_stage1_start_date') }} as stage1_start,
       {{ aa_by_as_at('a.adop_stage1_end_date') }} as stage1_end,
       {{ aa_by_as_at('a.adop_stage2_start_date') }} as stage2_start,
       {{ aa_by_as_at('a.adop_stage2_end_date') }} as stage2_end,
       {{ aa_by_as_at('a.adop_application_date') }} as application_date,
       {{ aa_by_as_at('a.adop_approval_date') }} as approval_date,
       {{ aa_by_as_at('a.adop_matched_date') }} as matched_date,
       {{ aa_by_as_at('a.adop_placed_date') }} as placed_date,
       case when a.adop_placed_date <= :as_at then a.adop_children_placed end as children_placed,
       {{ aa_by_as_at('a.adop_adoption_order_date') }} as adoption_order_date,
       {{ aa_by_as_at('a.adop_left_date') }} as left_date,
       case when a.adop_left_date <= :as_at then a.adop_leaving_reason end as leaving_reason
  from ext_adopters a
 where a.adop_enquiry_date <= :as_at
   and (a.adop_left_date is null or a.adop_left_date >= :year_start)
   and (a.adop_adoption_order_date is null or a.adop_adoption_order_date >= :year_start)
 order by a.adop_enquiry_date, a.adop_adopter_id
