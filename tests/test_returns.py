"""Statutory returns: CIN census XML, SSDA903 CSVs and Annex A XLSX build from the camden seed
with the DfE structure; the DfE validators run on them (slow: creates its own venv)."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from reporting.returns import annex_a, cin_census, ssda903

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


def test_ssda903_social_worker_episodes_cover_the_year_one_worker_at_a_time(seeded_sqlite_url, tmp_path):
    ssda903.build(create_engine(seeded_sqlite_url), 2026, tmp_path)
    with (tmp_path / "sw_episodes.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    with create_engine(seeded_sqlite_url).connect() as conn:
        in_care_at_end = {r[0] for r in conn.execute(text(
            "select distinct clae_person_id from ssd_cla_episodes where clae_cla_episode_start_date <= '2026-03-31' "
            "and (clae_cla_episode_ceased_date is null or clae_cla_episode_ceased_date > '2026-03-31')"))}
    by_child: dict[str, list[dict]] = {}
    for r in rows:
        by_child.setdefault(r["CHILD"], []).append(r)
    assert set(by_child) <= in_care_at_end and len(by_child) > 0.8 * len(in_care_at_end)
    valid = {"MANAGE", "FCONTA", "LEFTRL", "ORGRST", "TSPROC", "ABSENC", "CHCHAN", "PCCHAN", "SWDIED", "OTHERS"}
    assert {r["SW_REASON"] for r in rows} <= valid and "LEFTRL" in {r["SW_REASON"] for r in rows}
    for spans in by_child.values():
        spans.sort(key=lambda r: _d(r["SW_DECOM"]))
        assert spans[0]["SW_REASON"] == "FCONTA"
        assert spans[-1]["SW_DEC"] == ""  # a worker allocated on 31 March (rule SW17)
        assert all(date(2025, 4, 1) <= _d(r["SW_DECOM"]) <= date(2026, 3, 31) for r in spans)
        for before, after in zip(spans, spans[1:]):
            assert before["SW_DEC"] and _d(before["SW_DEC"]) <= _d(after["SW_DECOM"])  # one at a time
            assert _d(before["SW_DECOM"]) < _d(before["SW_DEC"])  # no episode under a day


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


def test_annex_a_has_lists_1_to_11_and_a_summary(seeded_sqlite_url, tmp_path):
    result = annex_a.build(create_engine(seeded_sqlite_url), date(2026, 10, 26), tmp_path)
    book = load_workbook(result.files[0], read_only=True)
    assert book.sheetnames == ["Summary", *[f"List {n}" for n in range(1, 12)]]
    cp = book["List 7"]
    header = next(cp.iter_rows(values_only=True))
    assert header[:5] == ("Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)")
    assert cp.max_row - 1 == result.summary["List 7: Child protection"] > 0
    summary = {r[0]: r[2] for r in book["Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["List 1"] == result.summary["List 1: Contacts"] > 0
