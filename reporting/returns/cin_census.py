"""The Children in Need census: XML per the DfE specification (element names as the
csc-validator-be-cin ingress reads them: Message/Header/Children/Child/...).

Who is in it: every child with a CIN episode (referral) open at any time in the collection year
(1 April to 31 March), with each such episode's activity that belongs to the year: assessments not
completed before it, CIN and CP plans not ended before it, S47 enquiries whose ICPC (if any) is
in it, CP reviews held in it (DfE rules 4013, 8696, 8715, 8930). Dates after the reference date
are left out: the census is a picture at 31 March.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Engine

from reporting.returns.common import LA_CODE, CollectionYear, ReturnResult, age_on, as_date, iso, rows, upns


def _sub(parent: ET.Element, tag: str, value=None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if value is not None:
        element.text = str(value)
    return element


def _upn_unknown(dob: date, on: date) -> str:
    # UN1 over compulsory school age, UN3 under it and not at school, UN5 sources disagree.
    age = age_on(dob, on)
    return "UN3" if age < 5 else "UN1" if age >= 16 else "UN5"


def _by(items: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        out[item[key]].append(item)
    return out


def build(engine: Engine, year: int, out_dir: Path) -> ReturnResult:
    cy = CollectionYear(year)
    end = cy.end
    p = {"start": cy.start, "end": end}
    with engine.connect() as conn:
        episodes = rows(conn, """
            select e.* from ssd_cin_episodes e
            where e.cine_referral_date <= :end and (e.cine_close_date is null or e.cine_close_date >= :start)
            order by e.cine_person_id, e.cine_referral_date, e.cine_referral_id""", **p)
        people = {r["pers_person_id"]: r for r in rows(conn, """
            select p.* from ssd_person p where p.pers_person_id in (
              select e.cine_person_id from ssd_cin_episodes e
              where e.cine_referral_date <= :end """
            """and (e.cine_close_date is null or e.cine_close_date >= :start))""", **p)}
        disabilities = _by(rows(conn, "select disa_person_id as person, disa_disability_code as code "
                                      "from ssd_disability"), "person")
        assessments = _by(rows(conn, "select * from ssd_cin_assessments where cina_assessment_start_date <= :end "
                                     "and (cina_assessment_auth_date is null "
                                     "or cina_assessment_auth_date >= :start)", **p),
                          "cina_referral_id")
        factors = {r["cinf_assessment_id"]: r["cinf_assessment_factors_json"]
                   for r in rows(conn, "select * from ssd_assessment_factors")}
        plans = _by(rows(conn, "select * from ssd_cin_plans where cinp_cin_plan_start_date <= :end "
                                "and (cinp_cin_plan_end_date is null or cinp_cin_plan_end_date >= :start)", **p),
                    "cinp_referral_id")
        # An S47 belongs to the year if it was open in it, or if its ICPC is in it: an enquiry
        # that ended in March with its conference in April is the year's (rules 2885, 8696).
        s47s = _by(rows(conn, "select * from ssd_s47_enquiry s where s.s47e_s47_start_date <= :end and not exists ("
                                "select 1 from ssd_initial_cp_conference i "
                                "where i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id "
                                "and i.icpc_icpc_date < :start) "
                                "and (s.s47e_s47_end_date is null or s.s47e_s47_end_date >= :start "
                                "or exists (select 1 from ssd_initial_cp_conference i where "
                                "i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id "
                                "and i.icpc_icpc_date between :start and :end))",
                   **p), "s47e_referral_id")
        icpcs = {r["icpc_s47_enquiry_id"]: r for r in rows(conn, "select * from ssd_initial_cp_conference "
                                                                 "where icpc_icpc_date <= :end", **p)}
        cpps = _by(rows(conn, "select * from ssd_cp_plans where cppl_cp_plan_start_date <= :end "
                               "and (cppl_cp_plan_end_date is null or cppl_cp_plan_end_date >= :start)", **p),
                   "cppl_referral_id")
        all_cpps = _by(rows(conn, "select cppl_person_id, cppl_cp_plan_start_date from ssd_cp_plans"), "cppl_person_id")
        reviews = _by(rows(conn, "select * from ssd_cp_reviews where cppr_cp_review_date between :start and :end", **p),
                      "cppr_cp_plan_id")
        upn = upns(conn)

    root = ET.Element("Message")
    header = _sub(root, "Header")
    details = _sub(header, "CollectionDetails")
    _sub(details, "Collection", "CIN")
    _sub(details, "Year", year)
    _sub(details, "ReferenceDate", end.isoformat())
    source = _sub(header, "Source")
    for tag, value in (("SourceLevel", "L"), ("LEA", LA_CODE), ("SoftwareCode", "MI pipeline"),
                       ("Release", "1"), ("SerialNo", "001"),
                       ("DateTime", datetime.combine(end, datetime.min.time()).isoformat())):
        _sub(source, tag, value)
    children = _sub(root, "Children")
    counts: defaultdict[str, int] = defaultdict(int)
    for person_id, person_episodes in _by(episodes, "cine_person_id").items():
        person = people[person_id]
        dob = as_date(person["pers_dob"])
        child = _sub(children, "Child")
        ids = _sub(child, "ChildIdentifiers")
        _sub(ids, "LAchildID", person_id)
        if person_id in upn:
            _sub(ids, "UPN", upn[person_id])
        else:
            _sub(ids, "UPNunknown", _upn_unknown(cast(date, dob), end))  # cast only: a missing DOB is not checked
        _sub(ids, "PersonBirthDate", iso(dob))
        _sub(ids, "Sex", {"M": "M", "F": "F"}.get(person["pers_sex"], "U"))
        if person["pers_death_date"] and cast(date, as_date(person["pers_death_date"])) <= end:  # set: a date
            _sub(ids, "PersonDeathDate", iso(person["pers_death_date"]))
        chars = _sub(child, "ChildCharacteristics")
        _sub(chars, "Ethnicity", person["pers_ethnicity"] or "NOBT")
        dis = _sub(chars, "Disabilities")
        codes = sorted({d["code"] for d in disabilities.get(person_id, [])}) or ["NONE"]
        for code in codes:
            _sub(dis, "Disability", code)
        counts["children"] += 1
        for episode in person_episodes:
            _episode(child, episode, assessments, factors, plans, s47s, icpcs, cpps, all_cpps, reviews, end, counts)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"cin_census_{year}.xml"
    ET.indent(root)
    tmp = path.with_suffix(".tmp")
    ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
    tmp.replace(path)
    return ReturnResult("cin-census", [path], dict(counts))


def _closed(value, end: date) -> str | None:
    d = as_date(value)
    return iso(d) if d and d <= end else None


def _episode(child, episode, assessments, factors, plans, s47s, icpcs, cpps, all_cpps, reviews, end, counts):
    referral_id = episode["cine_referral_id"]
    detail = _sub(child, "CINdetails")
    _sub(detail, "CINreferralDate", iso(episode["cine_referral_date"]))
    _sub(detail, "ReferralSource", episode["cine_referral_source_code"])
    _sub(detail, "PrimaryNeedCode", episode["cine_cin_primary_need_code"])
    closure = _closed(episode["cine_close_date"], end)
    if closure:
        _sub(detail, "CINclosureDate", closure)
        _sub(detail, "ReasonForClosure", episode["cine_close_reason"])
    _sub(detail, "ReferralNFA", "true" if episode["cine_referral_nfa"] == "Y" else "false")
    counts["cin_episodes"] += 1
    for a in assessments.get(referral_id, []):
        block = _sub(detail, "Assessments")
        _sub(block, "AssessmentActualStartDate", iso(a["cina_assessment_start_date"]))
        authorised = _closed(a["cina_assessment_auth_date"], end)
        if authorised:
            _sub(block, "AssessmentAuthorisationDate", authorised)
            found = _sub(block, "FactorsIdentifiedAtAssessment")
            for code in _factor_codes(factors.get(a["cina_assessment_id"])):
                _sub(found, "AssessmentFactors", code)
        counts["assessments"] += 1
    for plan in plans.get(referral_id, []):
        block = _sub(detail, "CINPlanDates")
        _sub(block, "CINPlanStartDate", iso(plan["cinp_cin_plan_start_date"]))
        plan_end = _closed(plan["cinp_cin_plan_end_date"], end)
        if plan_end:
            _sub(block, "CINPlanEndDate", plan_end)
        counts["cin_plans"] += 1
    for s in s47s.get(referral_id, []):
        block = _sub(detail, "Section47")
        _sub(block, "S47ActualStartDate", iso(s["s47e_s47_start_date"]))
        icpc = icpcs.get(s["s47e_s47_enquiry_id"])
        if icpc:
            _sub(block, "InitialCPCtarget", iso(icpc["icpc_icpc_target_date"]))
            _sub(block, "DateOfInitialCPC", iso(icpc["icpc_icpc_date"]))
            _sub(block, "ICPCnotRequired", "false")
        else:
            ended = _closed(s["s47e_s47_end_date"], end)
            _sub(block, "ICPCnotRequired", "true" if ended else "false")
        counts["section47"] += 1
    for plan in cpps.get(referral_id, []):
        block = _sub(detail, "ChildProtectionPlans")
        start = as_date(plan["cppl_cp_plan_start_date"])
        _sub(block, "CPPstartDate", iso(start))
        plan_end = _closed(plan["cppl_cp_plan_end_date"], end)
        if plan_end:
            _sub(block, "CPPendDate", plan_end)
        _sub(block, "InitialCategoryOfAbuse", plan["cppl_cp_plan_initial_category"])
        _sub(block, "LatestCategoryOfAbuse", plan["cppl_cp_plan_latest_category"])
        previous = sum(1 for other in all_cpps.get(plan["cppl_person_id"], [])
                       if as_date(other["cppl_cp_plan_start_date"]) < start)
        _sub(block, "NumberOfPreviousCPP", previous)
        for review in sorted(reviews.get(plan["cppl_cp_plan_id"], []), key=lambda r: str(r["cppr_cp_review_date"])):
            if review["cppr_cp_review_date"]:
                _sub(_sub(block, "Reviews"), "CPPreviewDate", iso(review["cppr_cp_review_date"]))
                counts["cp_reviews"] += 1
        counts["cp_plans"] += 1


def _factor_codes(raw) -> list[str]:
    """Assessment factor codes from the SSD JSON (a list, or an object of code: flag)."""
    import json

    if not raw:
        return []
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return []
    if isinstance(data, dict):
        data = [k for k, v in data.items() if v not in (None, "", "N", False, 0)]
    return [str(c) for c in data]
