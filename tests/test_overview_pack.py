"""What managers receive, read from the rendered files of the CSSW Performance Overview
for March 2024 on the hand-worked authority (tests/fixtures/handworked/authority.yml): the front
page first, the period's commentary after it (any report: a "Commentary" section near the top, or
none), and the XLSX with every indicator and its trend beside the team table.

Expected figures come from the hand-worked values of tests/test_handworked_authority.py (each
worked out there in a comment) and the benchmarks listed in docs/indicators.md, not from the code
that renders them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import handworked
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine

from reporting.definitions import load_catalogue
from reporting.runner import run_report
from reporting.schedules.periods import Period

pytestmark = pytest.mark.xdist_group("handworked")

MARCH_2024 = Period(date(2024, 3, 1), date(2024, 3, 31))
OVERVIEW = "cssw_performance_overview"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    built = handworked.build_database(tmp_path_factory.mktemp("handworked") / "authority.sqlite")
    yield built
    built.dispose()


def render(engine: Engine, root: Path, formats: list[str], report_id: str = OVERVIEW) -> dict[str, str]:
    result = run_report(load_catalogue().get(report_id), engine, MARCH_2024, MARCH_2024.end, formats=formats,
                        archive_root=root)
    return result.outputs


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def workbook(engine: Engine, tmp_path_factory: pytest.TempPathFactory):
    return load_workbook(render(engine, tmp_path_factory.mktemp("xlsx"), ["xlsx"])["xlsx"])


def test_the_workbook_holds_indicators_trend_and_the_team_table(workbook):
    assert workbook.sheetnames == ["Indicators", "Trend", "CSSW Performance Overview"]
    indicators = list(workbook["Indicators"].values)
    assert indicators[0] == (
        "Indicator ID", "Indicator", "Period", "Figures cover", "Value", "Unit", "Target", "RAG", "Polarity",
        "Previous period's value", "England benchmark", "England benchmark year (ending 31 March)",
        "Inner London benchmark", "Inner London benchmark year (ending 31 March)")
    ids = load_catalogue().get(OVERVIEW).spec.indicators
    assert [r[0] for r in indicators[1:]] == ids  # one row per indicator, in the report's order
    row = next(r for r in indicators if r[0] == "social_workers_agency_pct")
    # Agency FTE 0.5 (W2) + 1.0 (W6) = 1.5 over 5.1 FTE of SW/SP staff in post on 31 Mar 2024 -> 29.4%
    # (test_handworked_authority); target 15 (indicators/social_workers_agency_pct.yml); lower is better,
    # amber up to 20, so 29.4 is red. Benchmarks (docs/indicators.md): a period ending 31 March 2024 is
    # compared with 2023, England 2023: 17.9, Inner London 2023: 23.3.
    assert row[:9] == ("social_workers_agency_pct", "Agency social worker rate (% of FTE)", "March 2024",
                       "31 Mar 2024 to 31 Mar 2024", 29.4, "percent (0-100)", 15, "Red", "lower is better")
    assert row[10:] == (17.9, 2023, 23.3, 2023)
    row = next(r for r in indicators if r[0] == "assessments_within_45wd_pct")
    # 3 of the 5 assessments authorised in March within 45 working days -> 60.0%; target 85, amber from 75:
    # red; no benchmark retrieved (docs/indicators.md), so the benchmark cells are empty
    assert (row[4], row[6], row[7], row[8]) == (60.0, 85, "Red", "higher is better")
    assert row[10:] == (None, None, None, None)


def test_the_trend_sheet_is_long_form_with_48_months_per_indicator(workbook):
    header, *rows = list(workbook["Trend"].values)
    assert header == ("Indicator ID", "Month ending", "Value")
    ids = load_catalogue().get(OVERVIEW).spec.indicators
    assert len(rows) == 48 * len(ids)
    agency = [r for r in rows if r[0] == "social_workers_agency_pct"]
    # April 2020 .. March 2024, oldest first; March 2024 is the tile's own 29.4
    assert (agency[0][1], agency[-1][1]) == (datetime(2020, 4, 30), datetime(2024, 3, 31))
    assert agency[-1][2] == 29.4


def test_the_team_sheet_is_unchanged(workbook):
    header, *rows = list(workbook["CSSW Performance Overview"].values)
    assert header[0] == "Team" and "Team ID" not in header  # hidden column stays out
    # open cases at 31 Mar 2024 (test_handworked_authority): FIT 18, LAC 12, Disability 8, GOSH 2
    assert [r[header.index("Open cases")] for r in rows] == [18, 12, 8, 2]


def test_front_page_comes_first_with_what_is_red(engine: Engine, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MI_COMMENTARY_DIR", str(tmp_path / "none"))
    html = Path(render(engine, tmp_path, ["html"])["html"]).read_text(encoding="utf-8")
    text = text_of(html)
    assert text.index("At a glance: March 2024 compared with February 2024") < text.index("Key indicators")
    # 29.4% against a red limit above 20.0% (lower is better), worked out above
    assert "Agency social worker rate (% of FTE): 29.4% (red: above 20.0%)" in text
    # 29.4% against a target of 15.0% (lower is better): 14.4 points above, 14.4/15 = 96% of the target
    row = re.search(r'<tr id="gap-social_workers_agency_pct">(.*?)</tr>', html, re.S).group(1)
    assert text_of(row) == ("Agency social worker rate (% of FTE) 29.4% 15.0% 14.4 percentage points above target; "
                            "lower is better 96% of the target Red")
    assert "Commentary" not in html  # no file, no section


def test_commentary_in_html_and_pdf_after_the_front_page_and_escaped(engine: Engine, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MI_COMMENTARY_DIR", str(tmp_path / "commentary"))
    written = tmp_path / "commentary" / OVERVIEW / "2024-03-31.md"
    written.parent.mkdir(parents=True)
    written.write_text("## Agency staff\n\nAgency use rose while **two posts** were vacant.\n\n"
                       "<script>alert('x')</script>\n\nSee [the workforce plan](https://example.org/plan).\n",
                       encoding="utf-8")
    outputs = render(engine, tmp_path / "archive", ["html", "pdf"])
    html = Path(outputs["html"]).read_text(encoding="utf-8")
    text = text_of(html)
    assert "<script>" not in html and "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert "<strong>two posts</strong>" in html and "<h4>Agency staff</h4>" in html  # under the section's h2
    assert "<a " not in html.split('id="commentary-heading"')[1].split("</section>")[0]  # links as text
    assert "See the workforce plan (https://example.org/plan)." in text
    front, commentary, tiles = (text.index("At a glance"), text.index("Commentary Agency staff"),
                                text.index("Key indicators"))
    assert front < commentary < tiles
    pdf = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(outputs["pdf"]).pages)
    assert "Agency use rose while two posts were vacant." in pdf
    assert "<script>alert('x')</script>" in pdf  # shown as the text it is, never run


def test_any_report_shows_its_commentary_near_the_top_or_none(engine: Engine, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MI_COMMENTARY_DIR", str(tmp_path / "commentary"))
    report = "cf_assessment_timescales"
    html = Path(render(engine, tmp_path / "a", ["html"], report)["html"]).read_text(encoding="utf-8")
    assert "Commentary" not in html
    written = tmp_path / "commentary" / report / "2024-03-31.md"
    written.parent.mkdir(parents=True)
    written.write_text("Two assessments ran late: both were in the GOSH team.\n", encoding="utf-8")
    html = Path(render(engine, tmp_path / "b", ["html"], report)["html"]).read_text(encoding="utf-8")
    text = text_of(html)
    assert "Commentary Two assessments ran late: both were in the GOSH team." in text
    assert html.index('id="commentary-heading"') < html.index("<table")
