"""Local extension tables: what the 75 reports need and the SSD does not hold.

Every table here is named `ext_*` and carries a table comment saying why the standard does
not cover it, so nobody mistakes it for SSD. Columns follow the SSD habit of a four-letter
table prefix. An authority pointing the pipeline at its own SSD database builds these from
its case-management system (MOSAIC forms, HR and school systems) or leaves the reports that
need them switched off. docs/schema.md describes each one.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Index, Integer, MetaData, String, Table

PERSON = "ssd_person.pers_person_id"
STAFF = "ssd_professionals.prof_professional_id"
TEAM = "ssd_department.dept_team_id"


def _id(name: str) -> Column:
    return Column(name, String, primary_key=True)


def _ref(name: str, target: str, nullable: bool = True) -> Column:
    return Column(name, String, ForeignKey(target), nullable=nullable, index=True)


def add_extension_tables(metadata: MetaData) -> None:
    """Add every local extension table to `metadata` (after the SSD tables)."""
    Table(
        "ext_services", metadata,
        _id("serv_service_id"),
        Column("serv_service_name", String, nullable=False),
        Column("serv_area", String, nullable=False),
        _ref("serv_head_of_service_id", STAFF),
        comment="Local extension: services and their heads. SSD ssd_department has teams and a parent "
        "name only, not who heads a service.",
    )
    Table(
        "ext_teams", metadata,
        Column("team_team_id", String, ForeignKey(TEAM), primary_key=True),
        _ref("team_service_id", "ext_services.serv_service_id", nullable=False),
        Column("team_kind", String, nullable=False),
        _ref("team_manager_id", STAFF),
        comment="Local extension: the kind of each team (MASH, BIT, FIT, CIN, LAC, LC, CYPDS, GOSH, "
        "FOST, QAU...) and its manager; SSD does not record team function or management.",
    )
    Table(
        "ext_staff", metadata,
        Column("staf_professional_id", String, ForeignKey(STAFF), primary_key=True),
        Column("staf_role", String, nullable=False),
        _ref("staf_team_id", TEAM),
        Column("staf_grade", String),
        Column("staf_start_date", Date, nullable=False),
        Column("staf_leave_date", Date),
        Column("staf_is_agency", Boolean, nullable=False),
        Column("staf_is_asye", Boolean, nullable=False),
        Column("staf_email", String, nullable=False),
        _ref("staf_line_manager_id", STAFF),
        comment="Local extension: staff directory (role, team, grade, start/leave, agency, ASYE, e-mail). "
        "SSD ssd_professionals holds caseload and FTE but no role, dates or contact.",
    )
    Table(
        "ext_establishment", metadata,
        Column("esta_team_id", String, ForeignKey(TEAM), primary_key=True),
        Column("esta_role", String, primary_key=True),
        Column("esta_funded_fte", Float, nullable=False),
        comment="Local extension: funded posts per team and role, for vacancy rates. HR data, not in SSD.",
    )
    Table(
        "ext_strategy_discussions", metadata,
        _id("stra_strategy_id"),
        _ref("stra_person_id", PERSON, nullable=False),
        _ref("stra_referral_id", "ssd_cin_episodes.cine_referral_id"),
        Column("stra_requested_date", Date, nullable=False),
        Column("stra_start_date", Date),
        Column("stra_completed_date", Date),
        Column("stra_outcome", String),
        _ref("stra_team", TEAM),
        _ref("stra_worker_id", STAFF),
        comment="Local extension: strategy discussions (requested, started, completed, outcome). SSD "
        "starts at the S47 enquiry and has no strategy discussion record.",
    )
    Table(
        "ext_cin_reviews", metadata,
        _id("cinr_review_id"),
        _ref("cinr_person_id", PERSON, nullable=False),
        _ref("cinr_cin_plan_id", "ssd_cin_plans.cinp_cin_plan_id", nullable=False),
        Column("cinr_due_date", Date, nullable=False),
        Column("cinr_review_date", Date),
        comment="Local extension: CIN plan reviews. SSD holds CIN plans and visits but not reviews.",
    )
    Table(
        "ext_cp_conference_attendance", metadata,
        _id("atte_attendance_id"),
        Column("atte_meeting_id", String, nullable=False, index=True),
        Column("atte_conference_type", String, nullable=False),
        Column("atte_conference_date", Date, nullable=False),
        _ref("atte_person_id", PERSON, nullable=False),
        Column("atte_agency", String, nullable=False),
        Column("atte_invited", Boolean, nullable=False),
        Column("atte_attended", Boolean, nullable=False),
        Column("atte_report_submitted", Boolean, nullable=False),
        comment="Local extension: who was invited to and attended each CP conference, by agency; SSD "
        "records the conference, not its attendance.",
    )
    Table(
        "ext_case_supervisions", metadata,
        _id("casu_supervision_id"),
        _ref("casu_person_id", PERSON, nullable=False),
        _ref("casu_worker_id", STAFF, nullable=False),
        _ref("casu_supervisor_id", STAFF, nullable=False),
        Column("casu_supervision_date", Date, nullable=False),
        comment="Local extension: case supervision records (MOSAIC supervision step). Not in SSD.",
    )
    Table(
        "ext_case_audits", metadata,
        _id("audi_audit_id"),
        _ref("audi_person_id", PERSON, nullable=False),
        _ref("audi_worker_id", STAFF),
        _ref("audi_team_id", TEAM),
        _ref("audi_auditor_id", STAFF, nullable=False),
        Column("audi_audit_type", String, nullable=False),
        Column("audi_theme", String),
        Column("audi_due_date", Date, nullable=False),
        Column("audi_completed_date", Date),
        Column("audi_grade", String),
        Column("audi_moderated", Boolean, nullable=False),
        Column("audi_moderation_outcome", String),
        comment="Local extension: case audits of the QA programme (dip sample, thematic, practice week, "
        "front door, compliance) with grade and moderation. Quality assurance is outside SSD.",
    )
    Table(
        "ext_audit_findings", metadata,
        _id("aufi_finding_id"),
        _ref("aufi_audit_id", "ext_case_audits.audi_audit_id", nullable=False),
        Column("aufi_practice_area", String, nullable=False),
        Column("aufi_judgement", String, nullable=False),
        comment="Local extension: findings of each audit by core practice area of the QA framework.",
    )
    Table(
        "ext_homeless_16plus", metadata,
        _id("home_notification_id"),
        _ref("home_person_id", PERSON, nullable=False),
        Column("home_notification_date", Date, nullable=False),
        Column("home_assessment_date", Date),
        Column("home_disposal_date", Date),
        Column("home_disposal", String),
        _ref("home_team", TEAM),
        comment="Local extension: 16/17-year-old homelessness notifications from Housing and their "
        "disposal (Southwark judgment duties). Not in SSD.",
    )
    Table(
        "ext_schools", metadata,
        Column("scho_urn", String, primary_key=True),
        Column("scho_name", String, nullable=False),
        Column("scho_phase", String, nullable=False),
        Column("scho_is_maintained", Boolean, nullable=False),
        Column("scho_in_borough", Boolean, nullable=False),
        Column("scho_cp_lead_email", String),
        Column("scho_assistant_head_email", String),
        comment="Local extension: schools by URN with their child-protection lead contacts, for the "
        "per-school reports. School data is outside SSD.",
    )
    Table(
        "ext_school_roll", metadata,
        _id("roll_roll_id"),
        _ref("roll_person_id", PERSON, nullable=False),
        _ref("roll_urn", "ext_schools.scho_urn", nullable=False),
        Column("roll_start_date", Date, nullable=False),
        Column("roll_end_date", Date),
        Column("roll_education_consultant", String),
        comment="Local extension: which school each child attends (from the school census link). SSD "
        "holds the UPN only.",
    )
    Table(
        "ext_home_education", metadata,
        _id("hoed_id"),
        _ref("hoed_person_id", PERSON, nullable=False),
        Column("hoed_start_date", Date, nullable=False),
        Column("hoed_end_date", Date),
        Column("hoed_reason", String),
        comment="Local extension: elective home education register entries (education service data).",
    )
    Table(
        "ext_peps", metadata,
        _id("pepp_pep_id"),
        _ref("pepp_person_id", PERSON, nullable=False),
        Column("pepp_pep_date", Date, nullable=False),
        Column("pepp_quality", String),
        comment="Local extension: personal education plans of looked-after children (virtual school).",
    )
    Table(
        "ext_housing_flags", metadata,
        _id("hous_flag_id"),
        _ref("hous_person_id", PERSON, nullable=False),
        Column("hous_flag_type", String, nullable=False),
        Column("hous_start_date", Date, nullable=False),
        Column("hous_end_date", Date),
        comment="Local extension: the family is known to the Housing department (tenancy, temporary "
        "accommodation, homelessness). Housing data is outside SSD.",
    )
    Table(
        "ext_address_geography", metadata,
        Column("adge_address_id", String, ForeignKey("ssd_address.addr_table_id"), primary_key=True),
        Column("adge_local_authority", String, nullable=False),
        Column("adge_in_borough", Boolean, nullable=False),
        comment="Local extension: which local authority an address lies in, for out-of-borough reports. "
        "SSD keeps the postcode only.",
    )
    Table(
        "ext_family_episodes", metadata,
        _id("faep_episode_id"),
        Column("faep_family_id", String, nullable=False, index=True),
        _ref("faep_lead_person_id", PERSON, nullable=False),
        Column("faep_episode_date", Date, nullable=False),
        Column("faep_episode_type", String, nullable=False),
        comment="Local extension: a piece of work opened for a whole sibling group (MOSAIC copies the "
        "episode to each sibling). SSD has the family link but not the shared episode, so copies "
        "that were never made cannot be found from SSD alone.",
    )
    Table(
        "ext_care_packages", metadata,
        _id("capa_package_id"),
        _ref("capa_person_id", PERSON, nullable=False),
        _ref("capa_placement_id", "ssd_cla_placement.clap_cla_placement_id"),
        Column("capa_start_date", Date, nullable=False),
        Column("capa_end_date", Date),
        Column("capa_service_type", String, nullable=False),
        Column("capa_weekly_cost", Float),
        comment="Local extension: placements recorded as care packages (finance/commissioning), to "
        "audit that every placement is costed. SSD s251 finance is a placeholder.",
    )
    Table(
        "ext_placement_geography", metadata,
        Column("plge_placement_id", String, ForeignKey("ssd_cla_placement.clap_cla_placement_id"), primary_key=True),
        Column("plge_local_authority", String, nullable=False),
        Column("plge_in_borough", Boolean, nullable=False),
        comment="Local extension: which local authority a placement lies in and whether that is inside "
        "the borough (Ofsted Annex A list 8). SSD keeps the placement postcode only.",
    )
    Table(
        "ext_adopters", metadata,
        _id("adop_adopter_id"),
        Column("adop_household_id", String, nullable=False, index=True),
        Column("adop_sex", String, nullable=False),
        Column("adop_ethnicity", String),
        Column("adop_disability", String),
        Column("adop_fostering_for_adoption", String, nullable=False),
        Column("adop_enquiry_date", Date, nullable=False),
        Column("adop_stage1_start_date", Date),
        Column("adop_stage1_end_date", Date),
        Column("adop_stage2_start_date", Date),
        Column("adop_stage2_end_date", Date),
        Column("adop_application_date", Date),
        Column("adop_approval_date", Date),
        Column("adop_matched_date", Date),
        Column("adop_placed_date", Date),
        Column("adop_children_placed", Integer),
        Column("adop_adoption_order_date", Date),
        Column("adop_left_date", Date),
        Column("adop_leaving_reason", String),
        comment="Local extension: prospective adopters and their journey through assessment (enquiry, "
        "stages 1 and 2, approval, match, placement, order or leaving), one row per adopter, a "
        "household per couple (Ofsted Annex A list 11). SSD holds children, not adopters.",
    )
    Table(
        "ext_adoption_matches", metadata,
        Column("adma_permanence_id", String, ForeignKey("ssd_permanence.perm_table_id"), primary_key=True),
        Column("adma_household_id", String, nullable=False, index=True),
        comment="Local extension: the adoptive household a child was matched with, so that Annex A "
        "lists 10 and 11 share a family identifier. SSD ssd_family groups birth siblings only.",
    )
    Table(
        "ext_placement_checks", metadata,
        _id("plch_check_id"),
        _ref("plch_placement_id", "ssd_cla_placement.clap_cla_placement_id", nullable=False),
        Column("plch_checked_date", Date, nullable=False),
        _ref("plch_checked_by", STAFF),
        comment="Local extension: placement and address details checked by business support.",
    )
    Table(
        "ext_lac_pregnancies", metadata,
        _id("preg_id"),
        _ref("preg_person_id", PERSON, nullable=False),
        Column("preg_notified_date", Date, nullable=False),
        Column("preg_expected_date", Date),
        Column("preg_outcome", String),
        comment="Local extension: pregnancies of looked-after young people and care leavers (health).",
    )
    Table(
        "ext_cypds_assessments", metadata,
        _id("cypa_assessment_id"),
        _ref("cypa_person_id", PERSON, nullable=False),
        Column("cypa_assessment_type", String, nullable=False),
        Column("cypa_requested_date", Date, nullable=False),
        Column("cypa_start_date", Date),
        Column("cypa_completed_date", Date),
        _ref("cypa_worker_id", STAFF),
        comment="Local extension: disability-service transition (14-17) and adult (18+, Care Act) "
        "assessments. SSD stops at children's statutory assessments.",
    )
    Table(
        "ext_cypds_plans", metadata,
        _id("cypp_plan_id"),
        _ref("cypp_person_id", PERSON, nullable=False),
        Column("cypp_plan_type", String, nullable=False),
        Column("cypp_plan_date", Date, nullable=False),
        Column("cypp_shared_with_adults", Boolean, nullable=False),
        comment="Local extension: transition plans for disabled young people (due by 17).",
    )
    Table(
        "ext_cypds_reviews", metadata,
        _id("cypr_review_id"),
        _ref("cypr_person_id", PERSON, nullable=False),
        Column("cypr_review_type", String, nullable=False),
        Column("cypr_due_date", Date, nullable=False),
        Column("cypr_review_date", Date),
        comment="Local extension: disability-service reviews (under-18, short breaks, 18+).",
    )
    Table(
        "ext_cypds_visits", metadata,
        _id("cypv_visit_id"),
        _ref("cypv_person_id", PERSON, nullable=False),
        Column("cypv_visit_date", Date, nullable=False),
        Column("cypv_seen", Boolean, nullable=False),
        comment="Local extension: visits to disabled young adults (18+) still held by the children's "
        "disability service. SSD visits are for CIN, CP and LAC only.",
    )
    Table(
        "ext_short_breaks", metadata,
        _id("shbr_package_id"),
        _ref("shbr_person_id", PERSON, nullable=False),
        Column("shbr_start_date", Date, nullable=False),
        Column("shbr_end_date", Date),
        Column("shbr_package_type", String, nullable=False),
        Column("shbr_hours_per_year", Integer),
        comment="Local extension: short-break packages for disabled children (not in SSD).",
    )
    Table(
        "ext_care_leaver_contacts", metadata,
        _id("clco_contact_id"),
        _ref("clco_person_id", PERSON, nullable=False),
        Column("clco_contact_date", Date, nullable=False),
        Column("clco_contact_type", String, nullable=False),
        Column("clco_seen", Boolean, nullable=False),
        comment="Local extension: every personal-adviser contact with a care leaver. SSD keeps only the "
        "latest contact date, which cannot show 8-weekly compliance over time.",
    )
    Table(
        "ext_pathway_plan_reviews", metadata,
        _id("pprv_review_id"),
        _ref("pprv_person_id", PERSON, nullable=False),
        Column("pprv_review_date", Date, nullable=False),
        comment="Local extension: every pathway plan review. SSD keeps only the latest review date.",
    )
    Table(
        "ext_child_deaths", metadata,
        _id("chde_id"),
        _ref("chde_person_id", PERSON, nullable=False),
        Column("chde_death_date", Date, nullable=False),
        Column("chde_notification_date", Date, nullable=False),
        Column("chde_category", String, nullable=False),
        Column("chde_known_status", String, nullable=False),
        comment="Local extension: child death notifications (CDOP). SSD has a death date only.",
    )
    calendar = Table(
        "ext_calendar", metadata,
        Column("cal_date", Date, primary_key=True),
        Column("cal_is_working_day", Boolean, nullable=False),
        Column("cal_working_day_number", Integer, nullable=False),
        Column("cal_day_number", Integer, nullable=False),
        Column("cal_is_bank_holiday", Boolean, nullable=False),
        Column("cal_year", Integer, nullable=False),
        Column("cal_month", Integer, nullable=False),
        Column("cal_iso_year", Integer, nullable=False),
        Column("cal_iso_week", Integer, nullable=False),
        Column("cal_fiscal_year", Integer, nullable=False),
        Column("cal_fiscal_quarter", Integer, nullable=False),
        Column("cal_school_year", Integer, nullable=False),
        Column("cal_school_term", String),
        Column("cal_is_half_term", Boolean, nullable=False),
        comment="Local extension: one row per date 2015-2035 with working-day numbers (England and "
        "Wales bank holidays) so that working days between two dates is a subtraction in plain SQL.",
    )
    Index("ix_ext_calendar_working_day_number", calendar.c.cal_working_day_number)
    # add_days/days_between (sql/_blocks/blocks.sql) look a date up by its day number, and
    # birthday() (sql/_blocks/looked_after.sql) by year and month, once per report row: without
    # these each lookup scanned the whole calendar (7,670 rows), seconds per report at county scale.
    Index("ix_ext_calendar_day_number", calendar.c.cal_day_number)
    Index("ix_ext_calendar_year_month", calendar.c.cal_year, calendar.c.cal_month)
