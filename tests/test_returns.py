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
    assert {e["CHILD"] for e in episodes} == {h["CHILD"] for h in header}


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
