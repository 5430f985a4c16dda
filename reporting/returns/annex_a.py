"""Ofsted Annex A (ILACS) lists 1-11 as one XLSX workbook, from the case database.

Columns follow the Annex A specification (as in liia-tools `spec/annex_a`): every list starts
with the child's identifiers. The window is the 6 months to the as-at date (Ofsted asks for
activity "in the last six months"); lists 6-9 are positions at the as-at date. A summary sheet
gives the count of rows per list. Child-level content: the file is OFFICIAL-SENSITIVE.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine

from reporting.indicators.compute import add_months
from reporting.render.tabular import append_row
from reporting.returns.common import ReturnResult, age_on, as_date, rows

COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
PERSON = ("p.pers_person_id as child_id, p.pers_sex as sex, p.pers_ethnicity as ethnicity, "
          "p.pers_dob as dob")

# (sheet, title, extra column labels, SQL returning child_id/sex/ethnicity/dob + the extra columns in order)
LISTS = [
    ("List 1", "Contacts", ["Date of Contact", "Contact Source"],
     f"select {PERSON}, c.cont_contact_date, c.cont_contact_source_desc from ssd_contacts c "
     "join ssd_person p on p.pers_person_id = c.cont_person_id where c.cont_contact_date between :start and :as_at "
     "order by c.cont_contact_date, c.cont_contact_id"),
    ("List 2", "Early help", ["Assessment start date", "Assessment completion date", "Organisation completing assessment"],
     f"select {PERSON}, e.earl_episode_start_date, e.earl_episode_end_date, e.earl_episode_organisation "
     "from ssd_early_help_episodes e join ssd_person p on p.pers_person_id = e.earl_person_id "
     "where e.earl_episode_start_date <= :as_at and (e.earl_episode_end_date is null or e.earl_episode_end_date >= :start) "
     "order by e.earl_episode_start_date"),
    ("List 3", "Referrals", ["Date of referral", "Referral Source", "Referral NFA?", "Allocated Team"],
     f"select {PERSON}, e.cine_referral_date, e.cine_referral_source_desc, e.cine_referral_nfa, e.cine_referral_team "
     "from ssd_cin_episodes e join ssd_person p on p.pers_person_id = e.cine_person_id "
     "where e.cine_referral_date between :start and :as_at order by e.cine_referral_date, e.cine_referral_id"),
    ("List 4", "Assessments", ["Continuous Assessment Start Date", "Child Seen During Continuous Assessment",
                               "Continuous Assessment Date of Authorisation", "Allocated Team"],
     f"select {PERSON}, a.cina_assessment_start_date, a.cina_assessment_child_seen, a.cina_assessment_auth_date, "
     "a.cina_assessment_team from ssd_cin_assessments a join ssd_person p on p.pers_person_id = a.cina_person_id "
     "where a.cina_assessment_start_date <= :as_at and (a.cina_assessment_auth_date is null or a.cina_assessment_auth_date >= :start) "
     "order by a.cina_assessment_start_date, a.cina_assessment_id"),
    ("List 5", "Section 47 enquiries and ICPCs", ["Section 47 Enquiry Start Date", "Date of ICPC", "Did the ICPC Result in a CP Plan"],
     f"select {PERSON}, s.s47e_s47_start_date, i.icpc_icpc_date, i.icpc_icpc_outcome_cp_flag from ssd_s47_enquiry s "
     "join ssd_person p on p.pers_person_id = s.s47e_person_id "
     "left join ssd_initial_cp_conference i on i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id "
     "where s.s47e_s47_start_date between :start and :as_at order by s.s47e_s47_start_date, s.s47e_s47_enquiry_id"),
    ("List 6", "Children in need", ["CIN Start Date", "Primary Need Code", "CIN Closure Date", "Reason for Closure"],
     f"select {PERSON}, e.cine_referral_date, e.cine_cin_primary_need_code, e.cine_close_date, e.cine_close_reason "
     "from ssd_cin_episodes e join ssd_person p on p.pers_person_id = e.cine_person_id "
     "where e.cine_referral_date <= :as_at and (e.cine_close_date is null or e.cine_close_date >= :start) "
     "order by e.cine_referral_date, e.cine_referral_id"),
    ("List 7", "Child protection", ["Child Protection Plan Start Date", "Initial Category of Abuse",
                                    "Latest Category of Abuse", "Child Protection Plan End Date"],
     f"select {PERSON}, c.cppl_cp_plan_start_date, c.cppl_cp_plan_initial_category, c.cppl_cp_plan_latest_category, "
     "c.cppl_cp_plan_end_date from ssd_cp_plans c join ssd_person p on p.pers_person_id = c.cppl_person_id "
     "where c.cppl_cp_plan_start_date <= :as_at and (c.cppl_cp_plan_end_date is null or c.cppl_cp_plan_end_date >= :start) "
     "order by c.cppl_cp_plan_start_date, c.cppl_cp_plan_id"),
    ("List 8", "Children looked after", ["Date Started to be Looked After", "Category of Need", "Date Ceased",
                                         "Reason Ceased", "Placement Type"],
     f"select {PERSON}, e.clae_cla_episode_start_date, e.clae_cla_primary_need_code, e.clae_cla_episode_ceased_date, "
     "e.clae_cla_episode_ceased_reason, pl.clap_cla_placement_type from ssd_cla_episodes e "
     "join ssd_person p on p.pers_person_id = e.clae_person_id "
     "left join ssd_cla_placement pl on pl.clap_cla_placement_id = e.clae_cla_placement_id "
     "where e.clae_cla_episode_start_date <= :as_at and (e.clae_cla_episode_ceased_date is null or e.clae_cla_episode_ceased_date >= :start) "
     "order by e.clae_cla_episode_start_date, e.clae_cla_episode_id"),
    ("List 9", "Care leavers", ["Eligibility Category", "LA in Touch", "Type of Accommodation",
                                "Suitability of Accommodation", "Activity Status"],
     f"select {PERSON}, c.clea_care_leaver_eligibility, c.clea_care_leaver_in_touch, c.clea_care_leaver_accommodation, "
     "c.clea_care_leaver_accom_suitable, c.clea_care_leaver_activity from ssd_care_leavers c "
     "join ssd_person p on p.pers_person_id = c.clea_person_id order by c.clea_person_id"),
    ("List 10", "Adoption", ["Date of decision that child should be placed for adoption", "Date of placement order",
                             "Date of matching", "Date placed for adoption"],
     f"select {PERSON}, m.perm_adm_decision_date, m.perm_placement_order_date, m.perm_matched_date, "
     "m.perm_placed_for_adoption_date from ssd_permanence m join ssd_person p on p.pers_person_id = m.perm_person_id "
     "where m.perm_adm_decision_date is not null and m.perm_adm_decision_date <= :as_at order by m.perm_adm_decision_date"),
    ("List 11", "Adopters", ["Number of adopters", "Sex of adopter(s)", "Legal status of adopter(s)"],
     f"select {PERSON}, m.perm_number_of_adopters, m.perm_adopter_sex, m.perm_adopter_legal_status "
     "from ssd_permanence m join ssd_person p on p.pers_person_id = m.perm_person_id "
     "where m.perm_matched_date between :start and :as_at order by m.perm_matched_date"),
]


def build(engine: Engine, as_at: date, out_dir: Path) -> ReturnResult:
    start = add_months(as_at, -6)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    append_row(summary, [f"Ofsted Annex A lists, {start:%d %b %Y} to {as_at:%d %b %Y}"])
    append_row(summary, ["List", "Title", "Rows"])
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for sheet_name, title, extra, sql in LISTS:
            sheet = workbook.create_sheet(sheet_name)
            append_row(sheet, COMMON + extra)
            data = rows(conn, sql, start=start, as_at=as_at)
            for r in data:
                values = list(r.values())
                dob = as_date(values[3])
                append_row(sheet, [values[0], values[1], values[2], dob, age_on(dob, as_at) if dob else None,
                                   *[as_date(v) if _looks_like_date(v) else v for v in values[4:]]])
            counts[f"{sheet_name}: {title}"] = len(data)
            append_row(summary, [sheet_name, title, len(data)])
    workbook.properties.created = datetime.combine(as_at, datetime.min.time())
    workbook.properties.modified = workbook.properties.created
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"annex_a_{as_at.isoformat()}.xlsx"
    tmp = path.with_suffix(".tmp")
    workbook.save(tmp)
    tmp.replace(path)
    return ReturnResult("annex-a", [path], counts)


def _looks_like_date(value) -> bool:
    if isinstance(value, date):
        return True
    text = str(value or "")
    return len(text) == 10 and text[4] == "-" and text[7] == "-"
