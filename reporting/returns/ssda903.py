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
from typing import Any, cast

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


# The 2025-26 collection split placement type Z1 ("other placements") into Z11-Z14 (the DfE
# validator's rule 146 for 2025-26 lists Z11-Z14, for 2024-25 Z1). The case database holds today's
# codes, so a return for an earlier year writes them as that year's code list had them.
# A Z1 still recorded today is left as it is: which of Z11-Z14 it is needs a person to decide,
# and the validator names it.
FIRST_YEAR_OF_Z11_TO_Z14 = 2026
SPLIT_FROM_Z1 = {"Z11", "Z12", "Z13", "Z14"}


def placement_type_for_year(code: str, cy: CollectionYear) -> str:
    """The placement type code as the collection year's code list has it."""
    if cy.year < FIRST_YEAR_OF_Z11_TO_Z14 and code in SPLIT_FROM_Z1:
        return "Z1"
    return code


def _known_date(value) -> date:
    """`as_date` for a date the return relies on being there (a start date, a date of birth).
    Only a cast for the type checker: a missing one is still None, as with `as_date`."""
    return cast(date, as_date(value))


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
                   pl.clap_cla_placement_postcode as pl_post, pl.clap_cla_placement_urn as urn,
                   pl.clap_cla_placement_end_date as placement_end
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
        reviews = list(rows(conn, """
            select e.clae_person_id as child, r.* from ssd_cla_reviews r
            join (select distinct clae_cla_id, clae_person_id from ssd_cla_episodes) e on e.clae_cla_id = r.clar_cla_id
            where r.clar_cla_review_date between :start and :end""", **p))
        missing = rows(conn, "select * from ssd_missing "
                             "where miss_missing_episode_start_date between :start and :end", **p)
        health = rows(conn, "select * from ssd_cla_health where clah_health_check_date between :start and :end", **p)
        convictions = {r["clac_person_id"] for r in rows(conn, "select * from ssd_cla_convictions "
                                                            "where clac_cla_conviction_date "
                                                            "between :start and :end", **p)} \
            if _has(conn, "ssd_cla_convictions", "clac_cla_conviction_date") else set()
        leavers = rows(conn, "select * from ssd_care_leavers")
        uasc_status = rows(conn, """
            select * from ssd_immigration_status where immi_immigration_status = 'UASC'
              and immi_immigration_status_start_date <= :end
            order by immi_immigration_status_start_date""", **p) \
            if _has(conn, "ssd_immigration_status", "immi_immigration_status") else []
        # When each young person last left care (any year): OC3 needs it for rules 1007/1016.
        left_care = {r["p"]: as_date(r["d"]) for r in rows(conn, """
            select clae_person_id as p, max(clae_cla_episode_ceased_date) as d from ssd_cla_episodes
            group by clae_person_id""")}
        # The category of need is the one at the start of the period of care (rule 504).
        period_need = {r["clae_cla_id"]: r["clae_cla_primary_need_code"] for r in rows(conn, """
            select clae_cla_id, clae_cla_primary_need_code from ssd_cla_episodes
            order by clae_cla_episode_start_date desc, clae_cla_episode_id desc""")}
        permanence = rows(conn, "select * from ssd_permanence")
        previous_permanence = defaultdict(list)
        for r in rows(conn, "select * from ssd_cla_previous_permanence order by lapp_previous_permanence_order_date"):
            previous_permanence[r["lapp_person_id"]].append(r)
        involvements = rows(conn, """
            select i.*, pr.prof_social_worker_registration_no as sw_id from ssd_involvements i
            join ssd_professionals pr on pr.prof_professional_id = i.invo_professional_id
            where i.invo_involvement_start_date <= :end
              and (i.invo_involvement_end_date is null or i.invo_involvement_end_date >= :start)""", **p)

    # Children only ever looked after under V3/V4 (short breaks) carry no MOTHER, reviews or
    # placement postcode (rules 398, 399, 420).
    short_breaks = set(children) - {e["clae_person_id"] for e in episodes
                                    if _status(legal[e["clae_person_id"]], e) not in SHORT_BREAK_STATUSES}
    for child in children:
        tables["header"].append(_header(people[child], upn, cy, mother=child not in short_breaks))
    # An unaccompanied asylum-seeking child has no home postcode in England: HOME_POST is left
    # blank, so no placement distance is derived (rule 406), whether the status still holds or not.
    tables["uasc"] = _uasc(uasc_status, in_scope, people, cy)
    uasc = {r["CHILD"] for r in tables["uasc"]}
    for e in episodes:
        start = _known_date(e["clae_cla_episode_start_date"])
        status = [s for s in legal[e["clae_person_id"]] if _known_date(s["lega_legal_status_start_date"]) <= start]
        home = [h for h in homes[e["clae_person_id"]] if _known_date(h["addr_address_start_date"]) <= start]
        ceased = as_date(e["clae_cla_episode_ceased_date"])
        ceased = ceased if ceased and ceased <= cy.end else None
        ls = status[-1]["lega_legal_status"] if status else ""
        short_break = ls in SHORT_BREAK_STATUSES  # no home, placement postcode or URN (rules 214, 398)
        placement_ends = ceased is not None and as_date(e["placement_end"]) == ceased
        tables["episodes"].append({
            "CHILD": e["clae_person_id"], "DECOM": dmy(start), "RNE": e["clae_cla_episode_start_reason"],
            "LS": ls, "CIN": period_need.get(e["clae_cla_id"], e["clae_cla_primary_need_code"]),
            "PLACE": placement_type_for_year(e["place"] or "", cy), "PLACE_PROVIDER": e["provider"] or "",
            "DEC": dmy(ceased), "REC": e["clae_cla_episode_ceased_reason"] if ceased else "",
            # Rule 225: the reason is recorded on the episode a placement change ends (REC X1);
            # an episode ended by a change of legal status alone (next RNE L) has none.
            "REASON_PLACE_CHANGE": (previous_change.get(e["clae_cla_placement_id"]) or "")
            if placement_ends and e["clae_cla_episode_ceased_reason"] == "X1" else "",
            "HOME_POST": "" if short_break or e["clae_person_id"] in uasc
            else (home[-1]["addr_address_postcode"] if home else ""),
            "PL_POST": "" if short_break else (e["pl_post"] or ""),
            "URN": "" if short_break else (e["urn"] or "")})
    for r in reviews:
        if r["child"] in in_scope and r["child"] not in short_breaks:
            tables["reviews"].append({"CHILD": r["child"], "DOB": dmy(people[r["child"]]["pers_dob"]),
                                      "REVIEW": dmy(r["clar_cla_review_date"]),
                                      "REVIEW_CODE": r["clar_cla_review_participation"] or ""})
    for m in missing:
        if m["miss_person_id"] in in_scope:
            tables["missing"].append({"CHILD": m["miss_person_id"], "DOB": dmy(people[m["miss_person_id"]]["pers_dob"]),
                                      "MISSING": m["miss_missing_episode_type"],
                                      "MIS_START": dmy(m["miss_missing_episode_start_date"]),
                                      "MIS_END": dmy(m["miss_missing_episode_end_date"])
                                      if _in_year(m["miss_missing_episode_end_date"], cy) else ""})
    _oc2(tables, people, health, convictions, cy)
    looked_after_at_end = {e["clae_person_id"] for e in episodes
                           if as_date(e["clae_cla_episode_ceased_date"]) is None
                           or _known_date(e["clae_cla_episode_ceased_date"]) > cy.end}
    _oc3(tables, leavers, people, left_care, looked_after_at_end | {r["CHILD"] for r in tables["oc2"]}, cy)
    # Every child in any table has a header row (internal check INT06 and its kin).
    for child in sorted({r["CHILD"] for r in tables["oc3"]} - in_scope):
        tables["header"].append(_header(people[child], upn, cy, mother=False))  # rule 628
    tables["placed_for_adoption"] = _placed_for_adoption(permanence, in_scope, people, cy)
    tables["previous_permanence"] = _previous_permanence(tables["episodes"], previous_permanence, people, cy)
    tables["sw_episodes"] = _sw_episodes(involvements, tables["episodes"], in_scope - short_breaks, people, cy)
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


SHORT_BREAK_STATUSES = ("V3", "V4")
# DfE LA numbers of the authorities a previous permanence order may come from (rule 633 takes
# the number); the case record holds the authority's name.
LA_NUMBERS = {"Camden": "202", "Islington": "206", "Barnet": "302", "Haringey": "309"}


def _placed_for_adoption(permanence, in_scope: set[str], people, cy: CollectionYear) -> list[dict]:
    """Children with a decision that they should be placed for adoption (DATE_PLACED is the
    decision date, rules 551, 553), in force in the year or reversed during it."""
    out = []
    for perm in permanence:
        child = perm["perm_person_id"]
        decided = as_date(perm["perm_adm_decision_date"])
        reversed_on = as_date(perm["perm_decision_reversed_date"])
        if child not in in_scope or decided is None or decided > cy.end \
                or (reversed_on is not None and reversed_on < cy.start):
            continue
        reversed_in_year = reversed_on is not None and reversed_on <= cy.end
        out.append({"CHILD": child, "DOB": dmy(people[child]["pers_dob"]), "DATE_PLACED": dmy(decided),
                    "DATE_PLACED_CEASED": dmy(reversed_on) if reversed_in_year else "",
                    "REASON_PLACED_CEASED": (perm["perm_decision_reversed_reason"] or "") if reversed_in_year else ""})
    return out


def _previous_permanence(episodes: list[dict], previous: dict, people, cy: CollectionYear) -> list[dict]:
    """PREV_PERM for every child who started a period of care in the year (rule 630): the last
    permanence order before that start, or Z1 (none) with no LA or date (rule 635)."""
    started: dict[str, date] = {}
    for e in episodes:
        decom = cast(date, _parse_dmy(e["DECOM"]))  # DECOM is always written
        if e["RNE"] == "S" and decom >= cy.start:
            started[e["CHILD"]] = max(started.get(e["CHILD"], decom), decom)
    out = []
    for child, decom in sorted(started.items()):
        before = [r for r in previous.get(child, []) if _known_date(r["lapp_previous_permanence_order_date"]) < decom]
        row = {"CHILD": child, "DOB": dmy(people[child]["pers_dob"]), "PREV_PERM": "Z1", "LA_PERM": "",
               "DATE_PERM": ""}
        if before:
            order = before[-1]
            la = order["lapp_previous_permanence_la"]
            if la not in LA_NUMBERS and la not in LA_NUMBERS.values():
                raise ValueError(f"ssd_cla_previous_permanence.lapp_previous_permanence_la: unknown authority "
                                 f"{la!r} (expected one of {sorted(LA_NUMBERS)} or a DfE LA number)")
            row.update(PREV_PERM=order["lapp_previous_permanence_option"], LA_PERM=LA_NUMBERS.get(la, la),
                       DATE_PERM=dmy(order["lapp_previous_permanence_order_date"]))
        out.append(row)
    return out


def _parse_dmy(value: str) -> date | None:
    return date.fromisoformat("-".join(reversed(value.split("/")))) if value else None


def _status(legal: list[dict], episode: dict) -> str:
    start = _known_date(episode["clae_cla_episode_start_date"])
    status = [s for s in legal if _known_date(s["lega_legal_status_start_date"]) <= start]
    return status[-1]["lega_legal_status"] if status else ""


def _header(person: dict, upn: dict, cy: CollectionYear, mother: bool) -> dict:
    child = person["pers_person_id"]
    # MOTHER is required for girls (rules 393, 607); the case record holds no births to
    # looked-after young women (ext_lac_pregnancies has no outcomes), so 0.
    return {"CHILD": child, "SEX": _sex(person), "DOB": dmy(person["pers_dob"]),
            "ETHNIC": person["pers_ethnicity"] or "NOBT",
            "UPN": upn.get(child, _upn_unknown(person, cy)), "MOTHER": "0" if mother and _sex(person) == "F" else "",
            "MC_DOB": ""}


def _uasc(statuses, in_scope: set[str], people, cy: CollectionYear) -> list[dict]:
    """Children looked after in the year who were unaccompanied asylum-seekers (the validator
    marks their header UASC = 1), one row each, with the date that status ceased if it did by
    the year's end (DUC: at the latest the 18th birthday, rule 304)."""
    ceased: dict[str, str] = {}
    for s in statuses:  # in start order: a later period of the status overrides an earlier one
        if s["immi_person_id"] in in_scope:
            end = as_date(s["immi_immigration_status_end_date"])
            ceased[s["immi_person_id"]] = dmy(end) if end is not None and end <= cy.end else ""
    return [{"CHILD": child, "SEX": _sex(people[child]), "DOB": dmy(people[child]["pers_dob"]), "DUC": duc}
            for child, duc in sorted(ceased.items())]


def _sex(person: dict) -> str:
    # The 2024-25 rules onwards (rule 101) take M / F / U, no longer 1 / 2.
    return person["pers_sex"] if person["pers_sex"] in ("M", "F") else "U"


# MOSAIC-style change reasons -> the DfE SW_REASON codes (rule SW13STG1).
SW_REASONS: dict[str | None, str] = {"Worker left": "LEFTRL"}  # looked up with None too (no reason)
SW_HANDOVER_DAYS = 7  # rule SW10aSTG2: a new worker starts within 7 days of the last one ending


SW_MIN_DAYS = 3  # rule SW09STG2: an episode lasting under this (from start to end date) is an error


def _sw_window(episodes: list[dict], cy: CollectionYear) -> dict[str, tuple[date, date | None]]:
    """Per child, the days whose social workers the return reports (rule SW12STG2).

    From 1 April, or from the start of a period of care that began in the year (the rule
    wants no earlier worker then), to 31 March, or to the day the child last left care for a
    child not looked after at 31 March (no worker starting after that)."""
    window: dict[str, tuple[date, date | None]] = {}
    for e in sorted(episodes, key=lambda r: (r["CHILD"], _parse_dmy(r["DECOM"]))):
        child, decom, dec = e["CHILD"], cast(date, _parse_dmy(e["DECOM"])), _parse_dmy(e["DEC"])
        first, _ = window.get(child, (cy.start, None))
        if e["RNE"] == "S" and decom >= cy.start:
            first = decom
        window[child] = (first, dec if dec is not None and e["REC"] != "X1" else None)
    return window


def _sw_episodes(involvements, episodes: list[dict], children: set[str], people, cy: CollectionYear) -> list[dict]:
    """One child's social workers over the year as a gap-free sequence (rules SW06-SW19).

    Scope (rule SW12STG2): every child looked after in the year but those only on short breaks,
    over the window `_sw_window` gives. Allocations by different teams overlap in the case
    record (assessment team, then CIN or LAC team); the return wants one worker at a time, so
    a worker's episode ends when the next one starts, and the last stays open (rule SW17STG2).
    The first worker of the year, or one starting more than 7 days after the previous ended,
    is coded FCONTA (first contact).
    """
    window = _sw_window(episodes, cy)
    by_child = defaultdict(list)
    for inv in involvements:
        child = inv["invo_person_id"]
        if child in children and child in window and inv["sw_id"]:
            first, last = window[child]
            start = max(_known_date(inv["invo_involvement_start_date"]), first)
            end = as_date(inv["invo_involvement_end_date"])
            end = end if end and end <= cy.end else None
            if (end is None or end >= start) and (last is None or start <= last):
                by_child[child].append((start, end, inv["sw_id"], inv["invo_worker_change_reason"]))
    out = []
    for child in sorted(by_child):
        spans = sorted(by_child[child], key=lambda s: (s[0], s[1] or date.max))
        left = window[child][1]
        if left is not None and any(s[0] < left for s in spans):
            # The worker allocated the day the child left care (the leaving-care personal adviser)
            # is not a looked-after child's social worker: the one they had stays the last.
            spans = [s for s in spans if s[0] < left]
        # Same start day (rule SW19STG2): the later-listed, longer allocation wins.
        spans = list({s[0]: s for s in spans}.values())
        # One worker at a time: an episode ends when the next starts. One that would then last
        # under SW_MIN_DAYS is left out and the next worker's episode starts in its place.
        sequence: list[tuple[date, date | None, Any, Any]] = []
        for i, (start, end, sw_id, reason) in enumerate(spans):
            if sequence and sequence[-1][1] is None:
                break  # the open episode is the last (rule SW17STG2)
            if i + 1 < len(spans) and (end is None or end > spans[i + 1][0]):
                end, reason = spans[i + 1][0], None
            if end is not None and (end - start).days < SW_MIN_DAYS:
                if i + 1 < len(spans):
                    spans[i + 1] = (start,) + spans[i + 1][1:]
                    continue
                end = None  # the last worker is reported open anyway (below)
            sequence.append((start, end, sw_id, reason))
        if sequence and sequence[-1][1] is not None:
            # The last worker is reported as still allocated (rules SW11a, SW17STG2), also for a
            # child who has left care (the leaving-care worker or the last one, until closure).
            sequence[-1] = (sequence[-1][0], None) + sequence[-1][2:]
        dob = dmy(people[child]["pers_dob"])
        previous_end: date | None = None
        previous_reason: str | None = None
        for start, end, sw_id, reason in sequence:
            if previous_end is not None and abs((start - previous_end).days) <= SW_HANDOVER_DAYS:
                code = SW_REASONS.get(previous_reason, "CHCHAN")
            else:
                code = "FCONTA"
            out.append({"CHILD": child, "DOB": dob, "SW_ID": sw_id, "SW_DECOM": dmy(start),
                        "SW_DEC": dmy(end), "SW_REASON": code})
            previous_end, previous_reason = end, reason
    return out


def _has(conn, table: str, column: str) -> bool:
    from sqlalchemy import inspect

    return column in {c["name"] for c in inspect(conn).get_columns(table)}


def _upn_unknown(person: dict, cy: CollectionYear) -> str:
    # Rule 209: UN1 only for a child under 4 on 31 August before the collection year; older
    # children without a UPN get UN5 (sources disagree / not yet known).
    age = age_on(_known_date(person["pers_dob"]), date(cy.start.year - 1, 8, 31))
    return "UN1" if age < 4 else "UN5"


def _continuously_looked_after(rows: list[dict], cy: CollectionYear) -> set[str]:
    """Children looked after throughout the year, as the validator defines it (utils.add_CLA_column):
    no period of care starting (RNE S) or ending (REC other than X1) inside the year, no V3/V4."""
    start, end = cy.start, cy.end
    seen, broken = set(), set()
    for r in rows:
        decom = date.fromisoformat("-".join(reversed(r["DECOM"].split("/"))))
        dec = date.fromisoformat("-".join(reversed(r["DEC"].split("/")))) if r["DEC"] else None
        seen.add(r["CHILD"])
        if (r["RNE"] == "S" and start < decom <= end) or (dec and r["REC"] != "X1" and start <= dec < end) \
                or r["LS"] in ("V3", "V4"):
            broken.add(r["CHILD"])
    return seen - broken


def _oc2(tables, people, health, convictions, cy: CollectionYear) -> None:
    """Children looked after continuously for 12 months at 31 March."""
    checks = defaultdict(set)
    for h in health:
        checks[h["clah_person_id"]].add(h["clah_health_check_type"])
    for child in sorted(_continuously_looked_after(tables["episodes"], cy)):
        dob = _known_date(people[child]["pers_dob"])
        age = age_on(dob, cy.end)
        done = checks[child]
        tables["oc2"].append({
            # SDQ for ages 4-17 only (rules 188, 197B) (rule 188); convictions from age 10 (rule 542); the
            # under-5 health check only under 5 (rule 546).
            "CHILD": child, "DOB": dmy(dob), "SDQ_SCORE": "", "SDQ_REASON": "SDQ4" if 4 <= age <= 17 else "",
            "CONVICTED": ("1" if child in convictions else "0") if age >= 10 else "",
            "HEALTH_CHECK": ("1" if "Health assessment" in done else "0") if age < 5 else "",
            "IMMUNISATIONS": "1", "TEETH_CHECK": "1" if any("ental" in c for c in done) else "0",
            "HEALTH_ASSESSMENT": "1" if "Health assessment" in done else "0",
            "SUBSTANCE_MISUSE": "0", "INTERVENTION_RECEIVED": "", "INTERVENTION_OFFERED": ""})


def _oc3(tables, leavers, people, left_care, still_in_care: set[str], cy: CollectionYear) -> None:
    """Care leavers whose 17th to 21st birthday falls in the year and who had left care by it
    (rules 1007, 1016: not for 17/18-year-olds looked after on, or leaving after, the birthday;
    rule 215/187: not for children still looked after)."""
    for leaver in leavers:
        child = leaver["clea_person_id"]
        person = people.get(child)
        if not person or child in still_in_care:
            continue
        dob = _known_date(person["pers_dob"])
        birthdays = {n: date(dob.year + n, dob.month, min(dob.day, 28)) for n in range(17, 22)}
        ages = [n for n, b in birthdays.items() if cy.start <= b <= cy.end]
        if not ages:
            continue
        left = left_care.get(child)
        if ages[0] <= 18 and (left is None or left >= birthdays[ages[0]]):
            continue
        accommodation = leaver["clea_care_leaver_accommodation"] or ""
        suitable = leaver.get("clea_care_leaver_accom_suitable") or ""
        tables["oc3"].append({"CHILD": child, "DOB": dmy(dob),
                              "IN_TOUCH": leaver["clea_care_leaver_in_touch"] or "",
                              "ACTIV": leaver["clea_care_leaver_activity"] or "",
                              # ACCOM is the type letter and 1 (suitable) / 2 (not) (rule 133).
                              "ACCOM": f"{accommodation}{suitable}" if accommodation and suitable else accommodation})
