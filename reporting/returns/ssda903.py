"""The SSDA903 return (children looked after): CSV tables with the DfE column names
(csc-validator-be-903 `config.column_names`), dates written dd/mm/YYYY.

Scope, per the DfE guidance: children looked after at any time in the collection year. Episodes
open in the year; reviews, missing episodes and social worker episodes in the year; OC2 for
children looked after continuously for 12 months at 31 March; OC3 for care leavers with their
17th-21st birthday in the year; adoption tables for children with adoption decisions.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from reporting.returns.common import CollectionYear, ReturnResult, age_on, as_date, dmy, rows, upns

COLUMNS = {
    "header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes": ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"],
    "reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "uasc": ["CHILD", "SEX", "DOB", "DUC"],
    "oc2": ["CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
            "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED"],
    "oc3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "ad1": ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"],
    "placed_for_adoption": ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
    "previous_permanence": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    "missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "sw_episodes": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
}


def _in_year(d, cy: CollectionYear) -> bool:
    d = as_date(d)
    return d is not None and cy.start <= d <= cy.end


def build(engine: Engine, year: int, out_dir: Path) -> ReturnResult:
    cy = CollectionYear(year)
    p = {"start": cy.start, "end": cy.end}
    tables: dict[str, list[dict]] = defaultdict(list)
    with engine.connect() as conn:
        episodes = rows(conn, """
            select e.*, pl.clap_cla_placement_type as place, pl.clap_cla_placement_provider as provider,
                   pl.clap_cla_placement_postcode as pl_post, pl.clap_cla_placement_urn as urn
            from ssd_cla_episodes e
            left join ssd_cla_placement pl on pl.clap_cla_placement_id = e.clae_cla_placement_id
            where e.clae_cla_episode_start_date <= :end
              and (e.clae_cla_episode_ceased_date is null or e.clae_cla_episode_ceased_date >= :start)
            order by e.clae_person_id, e.clae_cla_episode_start_date, e.clae_cla_episode_id""", **p)
        children = sorted({e["clae_person_id"] for e in episodes})
        people = {r["pers_person_id"]: r for r in rows(conn, "select * from ssd_person")}
        legal = defaultdict(list)
        for r in rows(conn, "select * from ssd_legal_status order by lega_legal_status_start_date"):
            legal[r["lega_person_id"]].append(r)
        homes = defaultdict(list)
        for r in rows(conn, "select * from ssd_address order by addr_address_start_date"):
            homes[r["addr_person_id"]].append(r)
        previous_change = {r["clap_cla_placement_id"]: r["clap_cla_placement_change_reason"]
                           for r in rows(conn, "select * from ssd_cla_placement")}
        upn = upns(conn)
        in_scope = set(children)
        reviews = [r for r in rows(conn, """
            select e.clae_person_id as child, r.* from ssd_cla_reviews r
            join (select distinct clae_cla_id, clae_person_id from ssd_cla_episodes) e on e.clae_cla_id = r.clar_cla_id
            where r.clar_cla_review_date between :start and :end""", **p)]
        missing = rows(conn, "select * from ssd_missing where miss_missing_episode_start_date between :start and :end", **p)
        health = rows(conn, "select * from ssd_cla_health where clah_health_check_date between :start and :end", **p)
        convictions = {r["clac_person_id"] for r in rows(conn, "select * from ssd_cla_convictions "
                                                            "where clac_cla_conviction_date between :start and :end", **p)} \
            if _has(conn, "ssd_cla_convictions", "clac_cla_conviction_date") else set()
        leavers = rows(conn, "select * from ssd_care_leavers")
        permanence = rows(conn, "select * from ssd_permanence")
        involvements = rows(conn, """
            select i.*, pr.prof_social_worker_registration_no as sw_id from ssd_involvements i
            join ssd_professionals pr on pr.prof_professional_id = i.invo_professional_id
            where i.invo_involvement_start_date <= :end
              and (i.invo_involvement_end_date is null or i.invo_involvement_end_date >= :start)""", **p)

    for child in children:
        person = people[child]
        tables["header"].append({"CHILD": child, "SEX": "1" if person["pers_sex"] == "M" else "2",
                                 "DOB": dmy(person["pers_dob"]), "ETHNIC": person["pers_ethnicity"] or "NOBT",
                                 "UPN": upn.get(child, _upn_unknown(person, cy.end)), "MOTHER": "", "MC_DOB": ""})
    for e in episodes:
        start = as_date(e["clae_cla_episode_start_date"])
        status = [s for s in legal[e["clae_person_id"]] if as_date(s["lega_legal_status_start_date"]) <= start]
        home = [h for h in homes[e["clae_person_id"]] if as_date(h["addr_address_start_date"]) <= start]
        ceased = as_date(e["clae_cla_episode_ceased_date"])
        ceased = ceased if ceased and ceased <= cy.end else None
        change = e["clae_cla_episode_start_reason"] in ("P", "B", "T", "U")
        tables["episodes"].append({
            "CHILD": e["clae_person_id"], "DECOM": dmy(start), "RNE": e["clae_cla_episode_start_reason"],
            "LS": status[-1]["lega_legal_status"] if status else "",
            "CIN": e["clae_cla_primary_need_code"], "PLACE": e["place"] or "", "PLACE_PROVIDER": e["provider"] or "",
            "DEC": dmy(ceased), "REC": e["clae_cla_episode_ceased_reason"] if ceased else "",
            "REASON_PLACE_CHANGE": (previous_change.get(e["clae_cla_placement_id"]) or "") if change and False else "",
            "HOME_POST": home[-1]["addr_address_postcode"] if home else "", "PL_POST": e["pl_post"] or "",
            "URN": e["urn"] or "XXXXXXX"})
    for r in reviews:
        if r["child"] in in_scope:
            tables["reviews"].append({"CHILD": r["child"], "DOB": dmy(people[r["child"]]["pers_dob"]),
                                      "REVIEW": dmy(r["clar_cla_review_date"]),
                                      "REVIEW_CODE": r["clar_cla_review_participation"] or ""})
    for m in missing:
        if m["miss_person_id"] in in_scope:
            tables["missing"].append({"CHILD": m["miss_person_id"], "DOB": dmy(people[m["miss_person_id"]]["pers_dob"]),
                                      "MISSING": m["miss_missing_episode_type"],
                                      "MIS_START": dmy(m["miss_missing_episode_start_date"]),
                                      "MIS_END": dmy(m["miss_missing_episode_end_date"]) if _in_year(m["miss_missing_episode_end_date"], cy) else ""})
    _oc2(tables, episodes, people, health, convictions, cy)
    _oc3(tables, leavers, people, cy)
    for perm in permanence:
        child = perm["perm_person_id"]
        if child not in in_scope or child not in people:
            continue
        dob = dmy(people[child]["pers_dob"])
        if _in_year(perm["perm_placed_for_adoption_date"], cy):
            tables["placed_for_adoption"].append({"CHILD": child, "DOB": dob,
                                                  "DATE_PLACED": dmy(perm["perm_placed_for_adoption_date"]),
                                                  "DATE_PLACED_CEASED": "", "REASON_PLACED_CEASED": ""})
    for inv in involvements:
        child = inv["invo_person_id"]
        if child in in_scope and inv["sw_id"]:
            start = max(as_date(inv["invo_involvement_start_date"]), cy.start)
            end = as_date(inv["invo_involvement_end_date"])
            tables["sw_episodes"].append({"CHILD": child, "DOB": dmy(people[child]["pers_dob"]), "SW_ID": inv["sw_id"],
                                          "SW_DECOM": dmy(start), "SW_DEC": dmy(end) if end and end <= cy.end else "",
                                          "SW_REASON": (inv["invo_worker_change_reason"] or "") if end and end <= cy.end else ""})
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, columns in COLUMNS.items():
        path = out_dir / f"{name}.csv"
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(tables[name])
        tmp.replace(path)
        files.append(path)
    return ReturnResult("ssda903", files, {name: len(tables[name]) for name in COLUMNS})


def _has(conn, table: str, column: str) -> bool:
    from sqlalchemy import inspect

    return column in {c["name"] for c in inspect(conn).get_columns(table)}


def _upn_unknown(person: dict, on: date) -> str:
    age = age_on(as_date(person["pers_dob"]), on)
    return "UN3" if age < 5 else "UN1" if age >= 16 else "UN5"


def _oc2(tables, episodes, people, health, convictions, cy: CollectionYear) -> None:
    """Children looked after continuously for 12 months at 31 March."""
    year_ago = date(cy.end.year - 1, cy.end.month, cy.end.day)
    by_child = defaultdict(list)
    for e in episodes:
        by_child[e["clae_person_id"]].append(e)
    checks = defaultdict(set)
    for h in health:
        checks[h["clah_person_id"]].add(h["clah_health_check_type"])
    for child, eps in by_child.items():
        entered = min(as_date(e["clae_entered_care_date"]) for e in eps)
        open_at_end = any(as_date(e["clae_cla_episode_ceased_date"]) is None
                          or as_date(e["clae_cla_episode_ceased_date"]) > cy.end for e in eps)
        if not open_at_end or entered > year_ago:
            continue
        dob = as_date(people[child]["pers_dob"])
        done = checks[child]
        tables["oc2"].append({
            "CHILD": child, "DOB": dmy(dob), "SDQ_SCORE": "", "SDQ_REASON": "SDQ5" if age_on(dob, cy.end) < 4 or age_on(dob, cy.end) > 17 else "SDQ4",
            "CONVICTED": "1" if child in convictions else "0",
            "HEALTH_CHECK": "1" if "Health assessment" in done else "0",
            "IMMUNISATIONS": "1", "TEETH_CHECK": "1" if any("ental" in c for c in done) else "0",
            "HEALTH_ASSESSMENT": "1" if "Health assessment" in done else "0",
            "SUBSTANCE_MISUSE": "0", "INTERVENTION_RECEIVED": "", "INTERVENTION_OFFERED": ""})


def _oc3(tables, leavers, people, cy: CollectionYear) -> None:
    """Care leavers whose 17th to 21st birthday falls in the year."""
    for leaver in leavers:
        person = people.get(leaver["clea_person_id"])
        if not person:
            continue
        dob = as_date(person["pers_dob"])
        birthdays = [date(dob.year + n, dob.month, min(dob.day, 28)) for n in range(17, 22)]
        if not any(cy.start <= b <= cy.end for b in birthdays):
            continue
        tables["oc3"].append({"CHILD": leaver["clea_person_id"], "DOB": dmy(dob),
                              "IN_TOUCH": leaver["clea_care_leaver_in_touch"] or "",
                              "ACTIV": leaver["clea_care_leaver_activity"] or "",
                              "ACCOM": leaver["clea_care_leaver_accommodation"] or ""})
