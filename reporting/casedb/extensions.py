"""Local extension tables: what the reports need and the SSD does not hold.

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


def _id(name: str, comment: str) -> Column:
    return Column(name, String, primary_key=True, comment=comment)


def _ref(name: str, target: str, *, comment: str, nullable: bool = True) -> Column:
    return Column(name, String, ForeignKey(target), nullable=nullable, index=True, comment=comment)


def add_extension_tables(metadata: MetaData) -> None:
    """Add every local extension table to `metadata` (after the SSD tables)."""
    Table(
        "ext_services", metadata,
        _id("serv_service_id", "Service ID (the service also has a row in ssd_department under this ID)"),
        Column("serv_service_name", String, nullable=False, comment="Service name"),
        Column("serv_area", String, nullable=False,
               comment="Area of work of the service: front_door, cin_cp, gosh, lac, cypds, qa"),
        _ref("serv_head_of_service_id", STAFF, comment="Staff ID of the head of service"),
        comment="Local extension: services and their heads. SSD ssd_department has teams and a parent "
        "name only, not who heads a service.",
    )
    Table(
        "ext_teams", metadata,
        Column("team_team_id", String, ForeignKey(TEAM), primary_key=True, comment="Team ID"),
        _ref("team_service_id", "ext_services.serv_service_id", nullable=False,
             comment="Service ID of the service the team belongs to"),
        Column("team_kind", String, nullable=False,
               comment="Team kind: MASH, BIT, FIT, CIN, GOSH, LAC, LC (leaving care), FOST (fostering), "
                       "CYPDS, IRO, PERF"),
        _ref("team_manager_id", STAFF, comment="Staff ID of the team manager"),
        comment="Local extension: the kind of each team (MASH, BIT, FIT, CIN, LAC, LC, CYPDS, GOSH, "
        "FOST, IRO, PERF...) and its manager; SSD does not record team function or management.",
    )
    Table(
        "ext_staff", metadata,
        Column("staf_professional_id", String, ForeignKey(STAFF), primary_key=True, comment="Staff ID"),
        Column("staf_role", String, nullable=False,
               comment="Role code: SW, SP, TM, SM, HOS, PA or a central role such as IRO, CPO, "
                       "AUDITOR (config/roles.yml)"),
        _ref("staf_team_id", TEAM,
             comment="Team ID the member of staff works in (a service ID for heads of service and service managers)"),
        Column("staf_grade", String, comment="Grade, e.g. Level 1, Level 2, Level 3, Manager"),
        Column("staf_start_date", Date, nullable=False, comment="Date the member of staff started in post"),
        Column("staf_leave_date", Date, comment="Date the member of staff left; empty while in post"),
        Column("staf_is_agency", Boolean, nullable=False, comment="True if an agency worker, else false"),
        Column("staf_is_asye", Boolean, nullable=False,
               comment="True if a newly qualified social worker in the Assessed and Supported Year "
                       "in Employment (ASYE), else false"),
        Column("staf_email", String, nullable=False, comment="Work e-mail address, for sending reports"),
        _ref("staf_line_manager_id", STAFF, comment="Staff ID of the line manager"),
        comment="Local extension: staff directory (role, team, grade, start/leave, agency, ASYE, e-mail). "
        "SSD ssd_professionals holds caseload and FTE but no role, dates or contact.",
    )
    Table(
        "ext_establishment", metadata,
        Column("esta_team_id", String, ForeignKey(TEAM), primary_key=True, comment="Team ID"),
        Column("esta_role", String, primary_key=True, comment="Role code of the funded posts, e.g. SW, SP, PA"),
        Column("esta_funded_fte", Float, nullable=False,
               comment="Funded posts for the role in the team, in full-time equivalents"),
        comment="Local extension: funded posts per team and role, for vacancy rates. HR data, not in SSD.",
    )
    Table(
        "ext_strategy_discussions", metadata,
        _id("stra_strategy_id", "Strategy discussion ID"),
        _ref("stra_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        _ref("stra_referral_id", "ssd_cin_episodes.cine_referral_id", comment="Referral ID"),
        Column("stra_requested_date", Date, nullable=False, comment="Date the strategy discussion was requested"),
        Column("stra_start_date", Date, comment="Date the strategy discussion started"),
        Column("stra_completed_date", Date, comment="Date the strategy discussion was completed"),
        Column("stra_outcome", String, comment="Outcome of the strategy discussion, e.g. Section 47 enquiry"),
        _ref("stra_team", TEAM, comment="Team ID of the team holding the strategy discussion"),
        _ref("stra_worker_id", STAFF, comment="Worker ID of the worker holding the strategy discussion"),
        comment="Local extension: strategy discussions (requested, started, completed, outcome). SSD "
        "starts at the S47 enquiry and has no strategy discussion record.",
    )
    Table(
        "ext_cin_reviews", metadata,
        _id("cinr_review_id", "CIN plan review ID"),
        _ref("cinr_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        _ref("cinr_cin_plan_id", "ssd_cin_plans.cinp_cin_plan_id", nullable=False, comment="CIN plan ID"),
        Column("cinr_due_date", Date, nullable=False, comment="Date the CIN plan review was due"),
        Column("cinr_review_date", Date, comment="Date the CIN plan review was held; empty if not yet held"),
        comment="Local extension: CIN plan reviews. SSD holds CIN plans and visits but not reviews.",
    )
    Table(
        "ext_cp_conference_attendance", metadata,
        _id("atte_attendance_id", "Attendance record ID"),
        Column("atte_meeting_id", String, nullable=False, index=True,
               comment="Conference meeting ID (as icpc_icpc_meeting_id or cppr_cp_review_meeting_id in SSD)"),
        Column("atte_conference_type", String, nullable=False,
               comment="Conference type: ICPC (initial) or RCPC (review)"),
        Column("atte_conference_date", Date, nullable=False, comment="Date of the conference"),
        _ref("atte_person_id", PERSON, nullable=False,
             comment="Person Unique ID of the child the conference was for (one child of a sibling group)"),
        Column("atte_agency", String, nullable=False,
               comment="Agency, e.g. Police, School, Health visitor, GP, Housing, CAMHS"),
        Column("atte_invited", Boolean, nullable=False, comment="True if the agency was invited, else false"),
        Column("atte_attended", Boolean, nullable=False, comment="True if the agency attended, else false"),
        Column("atte_report_submitted", Boolean, nullable=False,
               comment="True if the agency submitted a report to the conference, else false"),
        comment="Local extension: who was invited to and attended each CP conference, by agency; SSD "
        "records the conference, not its attendance.",
    )
    Table(
        "ext_case_supervisions", metadata,
        _id("casu_supervision_id", "Case supervision ID"),
        _ref("casu_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        _ref("casu_worker_id", STAFF, nullable=False, comment="Worker ID of the allocated worker supervised"),
        _ref("casu_supervisor_id", STAFF, nullable=False, comment="Staff ID of the supervisor"),
        Column("casu_supervision_date", Date, nullable=False, comment="Date of the case supervision"),
        comment="Local extension: case supervision records (MOSAIC supervision step). Not in SSD.",
    )
    Table(
        "ext_case_audits", metadata,
        _id("audi_audit_id", "Case audit ID"),
        _ref("audi_person_id", PERSON, nullable=False, comment="Person Unique ID of the child whose case was audited"),
        _ref("audi_worker_id", STAFF, comment="Worker ID of the worker holding the case"),
        _ref("audi_team_id", TEAM, comment="Team ID of the team holding the case"),
        _ref("audi_auditor_id", STAFF, nullable=False, comment="Staff ID of the auditor"),
        Column("audi_audit_type", String, nullable=False,
               comment="Audit type: dip_sample, practice_week, front_door, thematic, compliance"),
        Column("audi_theme", String,
               comment="Theme of a thematic audit, e.g. Neglect, Domestic abuse; empty for other audits"),
        Column("audi_due_date", Date, nullable=False, comment="Date the audit was due (the end of the audit month)"),
        Column("audi_completed_date", Date, comment="Date the audit was completed"),
        Column("audi_grade", String, comment="Grade given by the audit"),
        Column("audi_moderated", Boolean, nullable=False, comment="True if the audit was moderated, else false"),
        Column("audi_moderation_outcome", String, comment="Outcome of moderation: Agreed, Upgraded, Downgraded"),
        comment="Local extension: case audits of the QA programme (dip sample, thematic, practice week, "
        "front door, compliance) with grade and moderation. Quality assurance is outside SSD.",
    )
    Table(
        "ext_audit_findings", metadata,
        _id("aufi_finding_id", "Audit finding ID"),
        _ref("aufi_audit_id", "ext_case_audits.audi_audit_id", nullable=False, comment="Case audit ID"),
        Column("aufi_practice_area", String, nullable=False,
               comment="Practice area of the QA framework the finding is about"),
        Column("aufi_judgement", String, nullable=False,
               comment="Judgement on the practice area: Strength or Area for development"),
        comment="Local extension: findings of each audit by core practice area of the QA framework.",
    )
    Table(
        "ext_homeless_16plus", metadata,
        _id("home_notification_id", "Homelessness notification ID"),
        _ref("home_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("home_notification_date", Date, nullable=False, comment="Date Housing notified children's services"),
        Column("home_assessment_date", Date, comment="Date the young person was assessed"),
        Column("home_disposal_date", Date, comment="Date of the disposal"),
        Column("home_disposal", String, comment="Disposal: how the notification was dealt with"),
        _ref("home_team", TEAM, comment="Team ID of the team dealing with the notification"),
        comment="Local extension: 16/17-year-old homelessness notifications from Housing and their "
        "disposal (Southwark judgment duties). Not in SSD.",
    )
    Table(
        "ext_schools", metadata,
        Column("scho_urn", String, primary_key=True, comment="School URN (unique reference number)"),
        Column("scho_name", String, nullable=False, comment="School name"),
        Column("scho_phase", String, nullable=False, comment="School phase: Primary, Secondary"),
        Column("scho_is_maintained", Boolean, nullable=False,
               comment="True if the school is maintained by the authority, else false"),
        Column("scho_in_borough", Boolean, nullable=False, comment="True if the school is in the borough, else false"),
        Column("scho_cp_lead_email", String,
               comment="E-mail address of the school's child-protection lead, for sending reports"),
        Column("scho_assistant_head_email", String,
               comment="E-mail address of the school's assistant head, for sending reports"),
        comment="Local extension: schools by URN with their child-protection lead contacts, for the "
        "per-school reports. School data is outside SSD.",
    )
    Table(
        "ext_school_roll", metadata,
        _id("roll_roll_id", "School roll entry ID"),
        _ref("roll_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        _ref("roll_urn", "ext_schools.scho_urn", nullable=False, comment="School URN"),
        Column("roll_start_date", Date, nullable=False, comment="Date the child joined the school roll"),
        Column("roll_end_date", Date, comment="Date the child left the school roll; empty while on roll"),
        Column("roll_education_consultant", String, comment="Name of the child's education consultant"),
        comment="Local extension: which school each child attends (from the school census link). SSD "
        "holds the UPN only.",
    )
    Table(
        "ext_home_education", metadata,
        _id("hoed_id", "Elective home education entry ID"),
        _ref("hoed_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("hoed_start_date", Date, nullable=False, comment="Date elective home education started"),
        Column("hoed_end_date", Date, comment="Date elective home education ended; empty while home educated"),
        Column("hoed_reason", String,
               comment="Reason for home education, e.g. Parental preference, Health, Dissatisfied with school"),
        comment="Local extension: elective home education register entries (education service data).",
    )
    Table(
        "ext_peps", metadata,
        _id("pepp_pep_id", "Personal education plan ID"),
        _ref("pepp_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("pepp_pep_date", Date, nullable=False, comment="Date of the personal education plan"),
        Column("pepp_quality", String, comment="Quality rating of the plan: Good, Requires improvement, Inadequate"),
        comment="Local extension: personal education plans of looked-after children (virtual school).",
    )
    Table(
        "ext_housing_flags", metadata,
        _id("hous_flag_id", "Housing flag ID"),
        _ref("hous_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("hous_flag_type", String, nullable=False,
               comment="Housing flag type: Temporary accommodation, Council tenant, Homeless application"),
        Column("hous_start_date", Date, nullable=False, comment="Date the flag started"),
        Column("hous_end_date", Date, comment="Date the flag ended; empty while open"),
        comment="Local extension: the family is known to the Housing department (tenancy, temporary "
        "accommodation, homelessness). Housing data is outside SSD.",
    )
    Table(
        "ext_address_geography", metadata,
        Column("adge_address_id", String, ForeignKey("ssd_address.addr_table_id"), primary_key=True,
               comment="Address table row ID (ssd_address)"),
        Column("adge_local_authority", String, nullable=False, comment="Local authority the address lies in"),
        Column("adge_in_borough", Boolean, nullable=False, comment="True if the address is in the borough, else false"),
        comment="Local extension: which local authority an address lies in, for out-of-borough reports. "
        "SSD keeps the postcode only.",
    )
    Table(
        "ext_family_episodes", metadata,
        _id("faep_episode_id", "Family episode ID"),
        Column("faep_family_id", String, nullable=False, index=True,
               comment="Family ID (ssd_family) of the sibling group"),
        _ref("faep_lead_person_id", PERSON, nullable=False,
             comment="Person Unique ID of the lead child the episode was opened on"),
        Column("faep_episode_date", Date, nullable=False, comment="Date the episode was opened (the referral date)"),
        Column("faep_episode_type", String, nullable=False, comment="Episode type, e.g. Referral"),
        comment="Local extension: a piece of work opened for a whole sibling group (MOSAIC copies the "
        "episode to each sibling). SSD has the family link but not the shared episode, so copies "
        "that were never made cannot be found from SSD alone.",
    )
    Table(
        "ext_care_packages", metadata,
        _id("capa_package_id", "Care package ID"),
        _ref("capa_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        _ref("capa_placement_id", "ssd_cla_placement.clap_cla_placement_id",
             comment="Placement ID the package pays for"),
        Column("capa_start_date", Date, nullable=False, comment="Date the care package started"),
        Column("capa_end_date", Date, comment="Date the care package ended; empty while open"),
        Column("capa_service_type", String, nullable=False,
               comment="Service type of the package, e.g. Placement U4 (the placement type code)"),
        Column("capa_weekly_cost", Float, comment="Weekly cost of the care package"),
        comment="Local extension: placements recorded as care packages (finance/commissioning), to "
        "audit that every placement is costed. SSD s251 finance is a placeholder.",
    )
    Table(
        "ext_placement_geography", metadata,
        Column("plge_placement_id", String, ForeignKey("ssd_cla_placement.clap_cla_placement_id"), primary_key=True,
               comment="Placement ID"),
        Column("plge_local_authority", String, nullable=False,
               comment="Local authority the placement lies in (Annex A: LA of Placement)"),
        Column("plge_in_borough", Boolean, nullable=False,
               comment="True if the placement is in the borough, else false (Annex A: Placement Location)"),
        comment="Local extension: which local authority a placement lies in and whether that is inside "
        "the borough (Ofsted Annex A list 8). SSD keeps the placement postcode only.",
    )
    Table(
        "ext_adopters", metadata,
        _id("adop_adopter_id", "Adopter ID"),
        Column("adop_household_id", String, nullable=False, index=True,
               comment="Adoptive household ID, shared by a couple (the Annex A family identifier)"),
        Column("adop_sex", String, nullable=False, comment="Adopter's sex: M, F"),
        Column("adop_ethnicity", String, comment="Adopter's ethnicity code (as for ssd_person, e.g. WBRI)"),
        Column("adop_disability", String, comment="Y if the adopter is disabled, N if not; empty if not known"),
        Column("adop_fostering_for_adoption", String, nullable=False,
               comment="Y if the (prospective) adopter is fostering for adoption, else N"),
        Column("adop_enquiry_date", Date, nullable=False, comment="Date the adopter's enquiry was received"),
        Column("adop_stage1_start_date", Date, comment="Date stage 1 of the assessment started"),
        Column("adop_stage1_end_date", Date, comment="Date stage 1 of the assessment ended"),
        Column("adop_stage2_start_date", Date, comment="Date stage 2 of the assessment started"),
        Column("adop_stage2_end_date", Date, comment="Date stage 2 of the assessment ended"),
        Column("adop_application_date", Date, comment="Date the application was submitted"),
        Column("adop_approval_date", Date, comment="Date the application was approved"),
        Column("adop_matched_date", Date, comment="Date the adopter was matched with a child or children"),
        Column("adop_placed_date", Date, comment="Date a child or children were placed with the adopter"),
        Column("adop_children_placed", Integer, comment="Number of children placed with the adopter"),
        Column("adop_adoption_order_date", Date, comment="Date of the adoption order"),
        Column("adop_left_date", Date, comment="Date the adopter left the adoption process"),
        Column("adop_leaving_reason", String, comment="Reason the adopter left the adoption process"),
        comment="Local extension: prospective adopters and their journey through assessment (enquiry, "
        "stages 1 and 2, approval, match, placement, order or leaving), one row per adopter, a "
        "household per couple (Ofsted Annex A list 11). SSD holds children, not adopters.",
    )
    Table(
        "ext_adoption_matches", metadata,
        Column("adma_permanence_id", String, ForeignKey("ssd_permanence.perm_table_id"), primary_key=True,
               comment="Permanence table row ID (ssd_permanence) of the child's adoption decision"),
        Column("adma_household_id", String, nullable=False, index=True,
               comment="Adoptive household ID (ext_adopters) the child was matched with"),
        comment="Local extension: the adoptive household a child was matched with, so that Annex A "
        "lists 10 and 11 share a family identifier. SSD ssd_family groups birth siblings only.",
    )
    Table(
        "ext_placement_checks", metadata,
        _id("plch_check_id", "Placement check ID"),
        _ref("plch_placement_id", "ssd_cla_placement.clap_cla_placement_id", nullable=False, comment="Placement ID"),
        Column("plch_checked_date", Date, nullable=False,
               comment="Date business support checked the placement details"),
        _ref("plch_checked_by", STAFF, comment="Staff ID of the business support officer who checked"),
        comment="Local extension: placement and address details checked by business support.",
    )
    Table(
        "ext_lac_pregnancies", metadata,
        _id("preg_id", "Pregnancy ID"),
        _ref("preg_person_id", PERSON, nullable=False, comment="Person Unique ID of the young person"),
        Column("preg_notified_date", Date, nullable=False, comment="Date the pregnancy was notified"),
        Column("preg_expected_date", Date, comment="Expected delivery date"),
        Column("preg_outcome", String, comment="Outcome of the pregnancy"),
        comment="Local extension: pregnancies of looked-after young people and care leavers (health).",
    )
    Table(
        "ext_cypds_assessments", metadata,
        _id("cypa_assessment_id", "CYPDS assessment ID"),
        _ref("cypa_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("cypa_assessment_type", String, nullable=False,
               comment="Assessment type: transition (age 14-17) or 18plus (adult, Care Act)"),
        Column("cypa_requested_date", Date, nullable=False, comment="Date the assessment was requested"),
        Column("cypa_start_date", Date, comment="Date the assessment started"),
        Column("cypa_completed_date", Date, comment="Date the assessment was completed"),
        _ref("cypa_worker_id", STAFF, comment="Worker ID of the worker doing the assessment"),
        comment="Local extension: disability-service transition (14-17) and adult (18+, Care Act) "
        "assessments. SSD stops at children's statutory assessments.",
    )
    Table(
        "ext_cypds_plans", metadata,
        _id("cypp_plan_id", "CYPDS plan ID"),
        _ref("cypp_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("cypp_plan_type", String, nullable=False, comment="Plan type, e.g. Transition plan"),
        Column("cypp_plan_date", Date, nullable=False, comment="Date of the plan"),
        Column("cypp_shared_with_adults", Boolean, nullable=False,
               comment="True if the plan was shared with adult services, else false"),
        comment="Local extension: transition plans for disabled young people (due by 17).",
    )
    Table(
        "ext_cypds_reviews", metadata,
        _id("cypr_review_id", "CYPDS review ID"),
        _ref("cypr_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("cypr_review_type", String, nullable=False, comment="Review type: u18 (under 18), short_breaks, 18plus"),
        Column("cypr_due_date", Date, nullable=False, comment="Date the review was due"),
        Column("cypr_review_date", Date, comment="Date the review was held; empty if not yet held"),
        comment="Local extension: disability-service reviews (under-18, short breaks, 18+).",
    )
    Table(
        "ext_cypds_visits", metadata,
        _id("cypv_visit_id", "CYPDS visit ID"),
        _ref("cypv_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("cypv_visit_date", Date, nullable=False, comment="Date of the visit"),
        Column("cypv_seen", Boolean, nullable=False, comment="True if the young person was seen, else false"),
        comment="Local extension: visits to disabled young adults (18+) still held by the children's "
        "disability service. SSD visits are for CIN, CP and LAC only.",
    )
    Table(
        "ext_short_breaks", metadata,
        _id("shbr_package_id", "Short-break package ID"),
        _ref("shbr_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("shbr_start_date", Date, nullable=False, comment="Date the package started"),
        Column("shbr_end_date", Date, comment="Date the package ended; empty while open"),
        Column("shbr_package_type", String, nullable=False,
               comment="Package type, e.g. Overnight respite, Day care, Direct payment, Holiday scheme"),
        Column("shbr_hours_per_year", Integer, comment="Hours of short breaks a year in the package"),
        comment="Local extension: short-break packages for disabled children (not in SSD).",
    )
    Table(
        "ext_care_leaver_contacts", metadata,
        _id("clco_contact_id", "Care leaver contact ID"),
        _ref("clco_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("clco_contact_date", Date, nullable=False, comment="Date of the contact"),
        Column("clco_contact_type", String, nullable=False, comment="Contact type: Visit, Phone, Video"),
        Column("clco_seen", Boolean, nullable=False,
               comment="True if the young person was seen or spoken to, else false"),
        comment="Local extension: every personal-adviser contact with a care leaver. SSD keeps only the "
        "latest contact date, which cannot show 8-weekly compliance over time.",
    )
    Table(
        "ext_pathway_plan_reviews", metadata,
        _id("pprv_review_id", "Pathway plan review ID"),
        _ref("pprv_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("pprv_review_date", Date, nullable=False, comment="Date of the pathway plan review"),
        comment="Local extension: every pathway plan review. SSD keeps only the latest review date.",
    )
    Table(
        "ext_child_deaths", metadata,
        _id("chde_id", "Child death notification ID"),
        _ref("chde_person_id", PERSON, nullable=False, comment="Person Unique ID"),
        Column("chde_death_date", Date, nullable=False, comment="Date of death"),
        Column("chde_notification_date", Date, nullable=False, comment="Date the death was notified"),
        Column("chde_category", String, nullable=False, comment="Category of death: Expected, Unexpected"),
        Column("chde_known_status", String, nullable=False,
               comment="Whether the child was known to the service: Open case, Previously known"),
        comment="Local extension: child death notifications (CDOP). SSD has a death date only.",
    )
    calendar = Table(
        "ext_calendar", metadata,
        Column("cal_date", Date, primary_key=True, comment="Date (one row per date)"),
        Column("cal_is_working_day", Boolean, nullable=False,
               comment="True on a working day (Monday to Friday and not a bank holiday), else false"),
        Column("cal_working_day_number", Integer, nullable=False,
               comment="Running count of working days from 2015-01-01 up to and including the date; "
                       "a non-working day carries the previous working day's number"),
        Column("cal_day_number", Integer, nullable=False, comment="Days since 2015-01-01 (0 on that date)"),
        Column("cal_is_bank_holiday", Boolean, nullable=False,
               comment="True on an England and Wales bank holiday, else false"),
        Column("cal_year", Integer, nullable=False, comment="Calendar year"),
        Column("cal_month", Integer, nullable=False, comment="Calendar month, 1-12"),
        Column("cal_iso_year", Integer, nullable=False, comment="ISO 8601 week-numbering year"),
        Column("cal_iso_week", Integer, nullable=False, comment="ISO 8601 week number"),
        Column("cal_fiscal_year", Integer, nullable=False,
               comment="Financial year starting 1 April, by the year it starts (2026 = 2026/27)"),
        Column("cal_fiscal_quarter", Integer, nullable=False, comment="Financial quarter, 1-4 (April-June = 1)"),
        Column("cal_school_year", Integer, nullable=False,
               comment="School year starting in September, by the year it starts"),
        Column("cal_school_term", String,
               comment="School term: autumn, spring, summer; empty in the holidays between terms"),
        Column("cal_is_half_term", Boolean, nullable=False, comment="True on a half-term day, else false"),
        comment="Local extension: one row per date 2015-2035 with working-day numbers (England and "
        "Wales bank holidays) so that working days between two dates is a subtraction in plain SQL.",
    )
    Index("ix_ext_calendar_working_day_number", calendar.c.cal_working_day_number)
    # add_days/days_between (sql/_blocks/blocks.sql) look a date up by its day number, and
    # birthday() (sql/_blocks/looked_after.sql) by year and month, once per report row: without
    # these each lookup scanned the whole calendar (7,670 rows), seconds per report at county scale.
    Index("ix_ext_calendar_day_number", calendar.c.cal_day_number)
    Index("ix_ext_calendar_year_month", calendar.c.cal_year, calendar.c.cal_month)
