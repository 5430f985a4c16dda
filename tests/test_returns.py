"""Statutory returns: CIN census XML and SSDA903 CSVs build from the camden seed with the DfE
structure; the DfE validators run on them (slow: creates its own venv). Annex A: test_annex_a.py."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text

from reporting.returns import cin_census, ssda903
from reporting.returns.common import age_on

pytestmark = pytest.mark.xdist_group("sqlite_seed")


def test_cin_census_xml_structure_and_counts(seeded_sqlite_url, tmp_path):
    engine = create_engine(seeded_sqlite_url)
    result = cin_census.build(engine, 2026, tmp_path)
    root = ET.parse(result.files[0]).getroot()
    assert root.tag == "Message"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2026-03-31"
    children = root.findall("Children/Child")
    with engine.connect() as conn:
        expected = conn.execute(text(
            "select count(distinct cine_person_id) from ssd_cin_episodes where cine_referral_date <= '2026-03-31' "
            "and (cine_close_date is null or cine_close_date >= '2025-04-01')")).scalar()
    assert len(children) == expected == result.summary["children"]
    child = children[0]
    assert child.find("ChildIdentifiers/LAchildID") is not None
    assert child.find("ChildIdentifiers/PersonBirthDate") is not None
    assert child.find("ChildCharacteristics/Disabilities/Disability") is not None
    dates = [e.text for e in root.iter() if e.tag.endswith("Date") and e.tag != "ReferenceDate"]
    assert dates and max(dates) <= "2026-03-31"  # nothing after the census reference date
    assert sum(1 for _ in root.iter("CPPstartDate")) == result.summary["cp_plans"] > 0


def test_cin_census_episodes_are_consistent_per_child(seeded_sqlite_url, tmp_path):
    """The journeys the DfE CIN rules check, read from the built XML (not the validator):
    episodes of a child do not overlap and only the latest may be open (8815, 8816, 8820); no
    activity after an episode's closure (8565) and a closed episode's assessments are completed
    (8867); RC8/RC9 closures have no S47 or plan (2990); a CP plan starting in the year has an
    S47 with an ICPC that day in its episode (2885)."""
    result = cin_census.build(create_engine(seeded_sqlite_url), 2026, tmp_path)
    root = ET.parse(result.files[0]).getroot()
    problems: dict[str, int] = {}

    def problem(rule: str) -> None:
        problems[rule] = problems.get(rule, 0) + 1

    episodes_seen = activity_checked = 0
    for child in root.iter("Child"):
        episodes = sorted(child.findall("CINdetails"), key=lambda e: e.findtext("CINreferralDate"))
        for earlier, later in zip(episodes, episodes[1:]):
            closed = earlier.findtext("CINclosureDate")
            if closed is None or closed >= later.findtext("CINreferralDate"):
                problem("overlap or open episode not the latest")
        for episode in episodes:
            episodes_seen += 1
            closed = episode.findtext("CINclosureDate")
            activity = [e.text for tag in ("AssessmentActualStartDate", "AssessmentAuthorisationDate",
                                           "CINPlanStartDate", "CINPlanEndDate", "S47ActualStartDate",
                                           "DateOfInitialCPC", "CPPstartDate", "CPPendDate")
                        for e in episode.iter(tag)]
            if closed:
                activity_checked += len(activity)
                if any(d > closed for d in activity):
                    problem("activity after closure")
                if any(a.find("AssessmentAuthorisationDate") is None for a in episode.findall("Assessments")):
                    problem("closed with an assessment not completed")
            if episode.findtext("ReasonForClosure") in ("RC8", "RC9") and any(
                    episode.find(tag) is not None for tag in ("Section47", "ChildProtectionPlans", "CINPlanDates")):
                problem("RC8/RC9 with an S47 or plan")
            icpcs = {e.text for e in episode.iter("DateOfInitialCPC")}
            for start in episode.iter("CPPstartDate"):
                if start.text >= "2025-04-01" and start.text not in icpcs:
                    problem("CP plan without its ICPC")
    assert episodes_seen > 1000 and activity_checked > 1000
    assert problems == {}


def test_cin_census_takes_an_s47_whose_icpc_is_in_the_year(tmp_path):
    """An enquiry that ended in March with its conference in April belongs to the new year."""
    from reporting.casedb.schema import case_metadata

    engine = create_engine(f"sqlite:///{tmp_path / 'one.sqlite'}")
    case_metadata().create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("insert into ssd_person (pers_person_id, pers_sex, pers_dob) "
                          "values ('C1', 'F', '2015-06-01')"))
        conn.execute(text("insert into ssd_cin_episodes (cine_referral_id, cine_person_id, cine_referral_date, "
                          "cine_referral_source_code, cine_cin_primary_need_code, cine_referral_nfa) "
                          "values ('R1', 'C1', '2025-03-03', '2A', 'N1', 'N')"))
        conn.execute(text("insert into ssd_s47_enquiry (s47e_s47_enquiry_id, s47e_referral_id, s47e_person_id, "
                          "s47e_s47_start_date, s47e_s47_end_date) "
                          "values ('S1', 'R1', 'C1', '2025-03-10', '2025-03-24')"))
        conn.execute(text("insert into ssd_initial_cp_conference (icpc_icpc_id, icpc_s47_enquiry_id, icpc_person_id, "
                          "icpc_referral_id, icpc_icpc_target_date, icpc_icpc_date) "
                          "values ('I1', 'S1', 'C1', 'R1', '2025-03-31', '2025-04-02')"))
        conn.execute(text("insert into ssd_cp_plans (cppl_cp_plan_id, cppl_referral_id, cppl_icpc_id, cppl_person_id, "
                          "cppl_cp_plan_start_date, cppl_cp_plan_initial_category, cppl_cp_plan_latest_category) "
                          "values ('PL1', 'R1', 'I1', 'C1', '2025-04-02', 'NEG', 'NEG')"))
    root = ET.parse(cin_census.build(engine, 2026, tmp_path).files[0]).getroot()
    (s47,) = root.iter("Section47")
    assert s47.findtext("DateOfInitialCPC") == root.findtext(".//CPPstartDate") == "2025-04-02"
    # The year before does not take it: its conference was not in that year.
    root = ET.parse(cin_census.build(engine, 2025, tmp_path).files[0]).getroot()
    assert root.findtext(".//S47ActualStartDate") == "2025-03-10" and root.find(".//DateOfInitialCPC") is None


def test_ssda903_tables_have_the_dfe_columns(seeded_sqlite_url, tmp_path):
    result = ssda903.build(create_engine(seeded_sqlite_url), 2026, tmp_path)
    assert sorted(p.stem for p in result.files) == sorted(ssda903.COLUMNS)
    with (tmp_path / "episodes.csv").open() as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                                     "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
        episodes = list(reader)
    assert len(episodes) == result.summary["episodes"] > 100
    assert all(len(e["DECOM"]) == 10 and e["DECOM"][2] == "/" for e in episodes)  # dd/mm/YYYY
    with (tmp_path / "header.csv").open() as handle:
        header = list(csv.DictReader(handle))
    with (tmp_path / "oc3.csv").open() as handle:
        oc3 = {r["CHILD"] for r in csv.DictReader(handle)}
    # Every child of any table has a header row (validator check INT06), and no one else.
    assert {e["CHILD"] for e in episodes} | oc3 == {h["CHILD"] for h in header}
    assert {h["SEX"] for h in header} <= {"M", "F", "U"}  # rule 101 (2024-25 onwards)


def _d(value: str) -> date:
    day, month, year = value.split("/")
    return date(int(year), int(month), int(day))


def _csv(path) -> list[dict]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_ssda903_social_worker_episodes_cover_the_year_one_worker_at_a_time(seeded_sqlite_url, tmp_path):
    ssda903.build(create_engine(seeded_sqlite_url), 2026, tmp_path)
    rows = _csv(tmp_path / "sw_episodes.csv")
    episodes = _csv(tmp_path / "episodes.csv")
    with create_engine(seeded_sqlite_url).connect() as conn:
        in_care_at_end = {r[0] for r in conn.execute(text(
            "select distinct clae_person_id from ssd_cla_episodes where clae_cla_episode_start_date <= '2026-03-31' "
            "and (clae_cla_episode_ceased_date is null or clae_cla_episode_ceased_date > '2026-03-31')"))}
    by_child: dict[str, list[dict]] = {}
    for r in rows:
        by_child.setdefault(r["CHILD"], []).append(r)
    # Scope (rule SW12STG2): children looked after in the year, also those who left care in it,
    # but not those only ever on short breaks (V3/V4).
    not_only_short_breaks = {e["CHILD"] for e in episodes if e["LS"] not in ("V3", "V4")}
    assert set(by_child) <= not_only_short_breaks and len(by_child) > 0.95 * len(not_only_short_breaks)
    assert len(set(by_child) - in_care_at_end) > 10  # care leavers of the year are in
    valid = {"MANAGE", "FCONTA", "LEFTRL", "ORGRST", "TSPROC", "ABSENC", "CHCHAN", "PCCHAN", "SWDIED", "OTHERS"}
    assert {r["SW_REASON"] for r in rows} <= valid and "LEFTRL" in {r["SW_REASON"] for r in rows}
    started_in_year = {}
    left_care = {}
    for e in sorted(episodes, key=lambda e: _d(e["DECOM"])):
        if e["RNE"] == "S" and _d(e["DECOM"]) >= date(2025, 4, 1):
            started_in_year[e["CHILD"]] = _d(e["DECOM"])
        left_care[e["CHILD"]] = _d(e["DEC"]) if e["DEC"] and e["REC"] != "X1" else None
    for child, spans in by_child.items():
        spans.sort(key=lambda r: _d(r["SW_DECOM"]))
        assert spans[0]["SW_REASON"] == "FCONTA"
        assert spans[-1]["SW_DEC"] == ""  # the last worker is open (rules SW11a, SW17)
        first = started_in_year.get(child, date(2025, 4, 1))
        assert all(first <= _d(r["SW_DECOM"]) <= date(2026, 3, 31) for r in spans)
        if left_care[child]:
            assert _d(spans[-1]["SW_DECOM"]) <= left_care[child]  # no worker starting after leaving care
        for before, after in zip(spans, spans[1:]):
            assert before["SW_DEC"] and _d(before["SW_DEC"]) <= _d(after["SW_DECOM"])  # one at a time
            assert (_d(before["SW_DEC"]) - _d(before["SW_DECOM"])).days >= 3  # rule SW09STG2


def test_ssda903_episodes_follow_the_legal_status_and_placement_rules(seeded_sqlite_url, tmp_path):
    ssda903.build(create_engine(seeded_sqlite_url), 2026, tmp_path)
    episodes = _csv(tmp_path / "episodes.csv")
    dob = {h["CHILD"]: _d(h["DOB"]) for h in _csv(tmp_path / "header.csv")}
    placed_for_adoption = {r["CHILD"] for r in _csv(tmp_path / "placed_for_adoption.csv")}
    by_child: dict[str, list[dict]] = {}
    for e in episodes:
        by_child.setdefault(e["CHILD"], []).append(e)
    codes = {e["LS"] for e in episodes}
    assert {"C1", "C2", "V2"} <= codes
    for child, rows in by_child.items():
        rows.sort(key=lambda e: _d(e["DECOM"]))
        for before, after in zip(rows, rows[1:]):
            if after["RNE"] == "L":  # a change of legal status alone: same placement (rule 434)
                assert after["LS"] != before["LS"] and after["PLACE"] == before["PLACE"]
            if after["RNE"] == "B":  # both changed (rule 436)
                assert after["LS"] != before["LS"]
        for e in rows:
            end = _d(e["DEC"]) if e["DEC"] else date(2026, 3, 31)
            if e["LS"] == "L1":  # police protection: at most 72 hours (rule 361)
                assert (end - _d(e["DECOM"])).days <= 3
            if e["LS"] == "J2":  # PACE: from age 10, a day or two (rules 358, 364)
                assert (end - _d(e["DECOM"])).days <= 21
                assert age_on(dob[child], _d(e["DECOM"])) >= 10
            if e["PLACE"] == "P1":  # placed with parents needs a care order (rule 378)
                assert e["LS"] in ("C1", "C2")
            if e["LS"] in ("V3", "V4"):  # short breaks: no postcodes or URN (rules 214, 398)
                assert e["HOME_POST"] == e["PL_POST"] == e["URN"] == ""
            elif e["PLACE"] != "P1" and e["HOME_POST"]:
                assert e["HOME_POST"] != e["PL_POST"]  # rule 392d
            if e["PLACE"].startswith("A") or e["LS"] == "E1":
                assert child in placed_for_adoption  # rules 551, 553
            if e["REC"] in ("E11", "E12"):
                assert e["PLACE"] in ("A3", "A4", "A5", "A6")  # rule 390



def test_ssda903_lists_unaccompanied_children_without_a_home_postcode(seeded_sqlite_url, tmp_path):
    """Every child looked after in the year with a UASC status is on the UASC table (which the
    validator reads as header UASC = 1), once, with DUC only if it ceased by 31 March and never
    after the 18th birthday (rule 304); their episodes have no home postcode (rule 406)."""
    ssda903.build(create_engine(seeded_sqlite_url), 2026, tmp_path)
    episodes = _csv(tmp_path / "episodes.csv")
    uasc = _csv(tmp_path / "uasc.csv")
    header = {h["CHILD"]: h for h in _csv(tmp_path / "header.csv")}
    with create_engine(seeded_sqlite_url).connect() as conn:
        recorded = {r[0] for r in conn.execute(text(
            "select immi_person_id from ssd_immigration_status where immi_immigration_status = 'UASC' "
            "and immi_immigration_status_start_date <= '2026-03-31'"))}
    looked_after = {e["CHILD"] for e in episodes}
    assert len(uasc) == len({r["CHILD"] for r in uasc}) > 5  # one row each (INT36)
    assert {r["CHILD"] for r in uasc} == recorded & looked_after
    for row in uasc:
        assert (row["SEX"], row["DOB"]) == (header[row["CHILD"]]["SEX"], header[row["CHILD"]]["DOB"])
        if row["DUC"]:  # by 31 March, and no later than the 18th birthday: under 18 the day before
            ceased = _d(row["DUC"])
            assert ceased <= date(2026, 3, 31) and age_on(_d(row["DOB"]), ceased - timedelta(days=1)) < 18
    assert any(not r["DUC"] for r in uasc) and any(r["DUC"] for r in uasc)
    children = {r["CHILD"] for r in uasc}
    assert all(e["HOME_POST"] == "" for e in episodes if e["CHILD"] in children)

def test_ssda903_previous_permanence_for_every_child_starting_care(seeded_sqlite_url, tmp_path):
    ssda903.build(create_engine(seeded_sqlite_url), 2026, tmp_path)
    episodes = _csv(tmp_path / "episodes.csv")
    rows = {r["CHILD"]: r for r in _csv(tmp_path / "previous_permanence.csv")}
    started = {e["CHILD"] for e in episodes if e["RNE"] == "S" and _d(e["DECOM"]) >= date(2025, 4, 1)}
    assert set(rows) == started  # rules 630, 634
    with create_engine(seeded_sqlite_url).connect() as conn:
        recorded = {r[0]: r[1] for r in conn.execute(text(
            "select lapp_person_id, lapp_previous_permanence_option from ssd_cla_previous_permanence"))}
    for child, row in rows.items():
        if row["PREV_PERM"] == "Z1":  # none: no LA or date (rule 635)
            assert row["LA_PERM"] == row["DATE_PERM"] == ""
        else:
            assert row["PREV_PERM"] == recorded[child] and row["LA_PERM"] in {"202", "206", "302", "309"}
            assert _d(row["DATE_PERM"]) < min(_d(e["DECOM"]) for e in episodes if e["CHILD"] == child)


@pytest.mark.parametrize("serial, expected", [
    # Worked by hand: body 202000000000 -> 2*2 + 0*3 + 2*4 = 12 -> 12th letter (0-based) "N".
    (0, "N202000000000"),
    # 202123456789: 4+0+8+5+12+21+32+45+60+77+96+117 = 477; 477 % 23 = 17 -> "U".
    (123456789, "U202123456789"),
])
def test_valid_upn_check_letter(serial, expected):
    from reporting.casedb.synth.upn import valid_upn

    assert valid_upn(serial) == expected
    assert len({valid_upn(n) for n in range(500)}) == 500
    with pytest.raises(ValueError, match="expected 0 <= n"):
        valid_upn(10**9)


def test_placement_types_are_written_as_the_collection_years_code_list_has_them():
    from reporting.returns.common import CollectionYear

    assert ssda903.placement_type_for_year("Z14", CollectionYear(2025)) == "Z1"  # before the split
    assert ssda903.placement_type_for_year("Z11", CollectionYear(2025)) == "Z1"
    assert ssda903.placement_type_for_year("Z14", CollectionYear(2026)) == "Z14"
    assert ssda903.placement_type_for_year("U1", CollectionYear(2025)) == "U1"
    assert ssda903.placement_type_for_year("Z1", CollectionYear(2026)) == "Z1"  # left for a person to recode
