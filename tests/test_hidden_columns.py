"""A definition's hidden columns stay out of the CSV and XLSX, as out of the HTML and PDF.

`hidden: true` marks a column used for slicing or RAG only (a team ID, a flag behind a summary, a
surname partners match on but are not shown). The expected headers are worked out here from the
YAML itself, not through `reporting.definitions`; hidden cells hold values that appear nowhere
else, so any of them reaching a spreadsheet is found. Every way a report's rows become files is
covered: the whole report, a burst slice, a partner's cut of the columns, and an aggregate
report's disclosure-controlled rows.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
import yaml

from reporting.definitions import load_catalogue
from reporting.delivery.recipients import Person
from reporting.delivery.slices import definition_for, slice_definition
from reporting.extract import Extract
from reporting.runner import render_report
from reporting.schedules.periods import latest_complete_period

AS_AT = date(2026, 10, 26)
RAGS = ("red", "amber", "green")
HIDDEN_TEXT = "HIDDEN-"  # every hidden text cell starts so, no shown one does
HIDDEN_INT = 987_000  # hidden numbers are 987000 and up, shown ones below 100
HIDDEN_DATE = date(1901, 1, 1)  # hidden dates are in 1901, shown ones in 2026


def yaml_columns(report_id: str) -> list[dict]:
    """The report's columns as its YAML lists them."""
    return yaml.safe_load(load_catalogue().get(report_id).yaml_path.read_text(encoding="utf-8"))["columns"]


def synthetic_rows(columns: list[dict], n: int = 12) -> list[dict]:
    """Rows whose hidden cells are recognisable anywhere: a RAG column (what a shown column's
    `rag:` names) has to be red/amber/green for the HTML, so it is checked by column instead."""
    rag_columns = {c["rag"] for c in columns if c.get("rag")}
    rows = []
    for i in range(n):
        row = {}
        for c in columns:
            kind, hidden, name = c.get("type", "text"), c.get("hidden", False), c["name"]
            if name in rag_columns:
                row[name] = RAGS[i % 3]
            elif kind in ("date", "datetime"):
                row[name] = (HIDDEN_DATE if hidden else date(2026, 10, 1)) + timedelta(days=i)
            elif kind in ("int", "decimal", "percent"):
                row[name] = HIDDEN_INT + i if hidden else 1 + i % 9
            else:
                row[name] = f"{HIDDEN_TEXT}{name}-{i}" if hidden else f"{name.replace('_', ' ')} {i % 3}"
        rows.append(row)
    return rows


def render(definition, rows, root: Path, slice_key: str | None = None):
    period = latest_complete_period(definition.spec.cadence, AS_AT)
    return render_report(definition, Extract([c.name for c in definition.spec.columns], rows, 0.0), period,
                         period.end, data_quality=[], formats=["html", "csv", "xlsx"], slice_key=slice_key,
                         archive_root=root)


def assert_only_shown(result, shown_labels: list[str], rag_columns_shown: bool, rows: int) -> None:
    with open(result.outputs["csv"], newline="", encoding="utf-8") as handle:
        header, *body = list(csv.reader(handle))
    sheet = openpyxl.load_workbook(result.outputs["xlsx"]).active
    first, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == shown_labels, "the CSV header is the shown columns' labels, in order"
    assert first == shown_labels, "the XLSX first row is the shown columns' labels, in order"
    assert len(body) == len(cells) == rows and all(len(r) == len(shown_labels) for r in body + cells)
    for value in [v for r in body for v in r] + [v for r in cells for v in r]:
        text = "" if value is None else str(value)
        assert not text.startswith(HIDDEN_TEXT), f"hidden text {text!r} in a spreadsheet"
        assert not text.startswith("1901-"), f"hidden date {text!r} in a spreadsheet"
        assert not (isinstance(value, (int, float)) or text.isdigit()) or float(value) < HIDDEN_INT, \
            f"hidden number {text!r} in a spreadsheet"
        if not rag_columns_shown:
            assert text not in RAGS, f"hidden RAG value {text!r} in a spreadsheet"


@pytest.mark.parametrize("report_id", ["missing_children_weekly", "cp_lists_to_agencies",
                                       "allocations_caseload_per_team"])
def test_whole_report_and_burst_slice_spreadsheets_hold_only_the_shown_columns(report_id, tmp_path):
    columns = yaml_columns(report_id)
    shown = [c["label"] for c in columns if not c.get("hidden")]
    assert len(shown) < len(columns), f"{report_id} should have hidden columns"
    definition = load_catalogue().get(report_id)
    rows = synthetic_rows(columns)
    assert_only_shown(render(definition, rows, tmp_path / "whole"), shown, False, len(rows))
    if definition.spec.burst_key:  # one team's burst slice: its own files, from its own rows
        key = definition.spec.burst_key
        team = [r for r in rows if r[key] == rows[0][key]]
        assert_only_shown(render(definition, team, tmp_path / "slice", slice_key=str(rows[0][key])),
                          shown, False, len(team))


def test_a_partners_cut_holds_its_shown_partner_columns_only(tmp_path):
    """A partner's copy keeps the partner columns; one that is hidden (none here is) would stay so,
    and the report's hidden surname, team ID and flag never appear."""
    columns = yaml_columns("cp_lists_to_agencies")
    report = load_catalogue().get("cp_lists_to_agencies")
    allowed = set(yaml.safe_load(report.yaml_path.read_text(encoding="utf-8"))["partner_columns"])
    shown = [c["label"] for c in columns if c["name"] in allowed and not c.get("hidden")]
    hospital = Person("safeguarding@hospital.example.org", "Test hospital", "agency", "testhosp", "Test hospital",
                      "partner", ("HOSPITALS",))
    cut = definition_for(report, slice_definition(report.spec, hospital))
    rows = synthetic_rows(columns)
    assert_only_shown(render(cut, rows, tmp_path / "partner"), shown, False, len(rows))


def test_an_aggregate_reports_disclosure_controlled_rows_hold_only_the_shown_columns(tmp_path):
    columns = yaml_columns("cp_conference_child_participation")
    shown = [c["label"] for c in columns if not c.get("hidden")]
    assert [c["name"] for c in columns if c.get("hidden")] == ["attended", "views_conveyed"]
    definition = load_catalogue().get("cp_conference_child_participation")
    rows = synthetic_rows(columns, n=8)
    result = render(definition, rows, tmp_path / "aggregate")
    assert_only_shown(result, shown, False, len(rows))
    with open(result.outputs["csv"], newline="", encoding="utf-8") as handle:
        assert "c" in {v for r in csv.reader(handle) for v in r}, "the example's small counts are suppressed"
