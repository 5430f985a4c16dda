"""Ofsted Annex A (ILACS) lists 1-11 as one XLSX workbook, from the case database.

The lists are declared, not coded here: `sql/_annex_a/` holds one SQL file per list, the
specification's columns (`specification.yml`, a copy of liia-tools' Annex A schema with its
source) and how each column is filled (`lists.yml`); `config/annex_a_codes.yml` maps case-system
values to the specification's codes (`reporting.returns.annex_a_spec` checks the three agree).

Windows: lists 1-8 cover the six months to the as-at date (Ofsted asks for activity "in the last
six months"), list 9 the care leavers open on the date, lists 10 and 11 the 12 months to it.
Every coded value is written as the specification codes it; a value with no code, or a blank
where the specification requires a value, is written as recorded (never silently dropped) and
counted on the "Data quality" sheet, which names the list, column, value and what was expected.
Child-level content: the file is OFFICIAL-SENSITIVE and owner-only where the caller archives it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from reporting.casedb import readonly
from reporting.extract import expand_text
from reporting.indicators.compute import add_months
from reporting.render.tabular import append_row
from reporting.returns import annex_a_spec
from reporting.returns.annex_a_spec import AnnexA, ListColumn, ListDefinition, SpecColumn
from reporting.returns.common import ReturnResult, age_on, as_date


@dataclass(frozen=True)
class Finding:
    """A value the workbook could not write as the specification asks (counts only, no child data)."""

    sheet: str
    header: str
    problem: str
    value: str
    rows: int


@dataclass(frozen=True)
class Window:
    as_at: date

    @property
    def six_months_start(self) -> date:  # the day after the date six calendar months before
        return add_months(self.as_at, -6) + timedelta(days=1)

    @property
    def twelve_months_start(self) -> date:
        return add_months(self.as_at, -12) + timedelta(days=1)

    def describe(self, window: str) -> str:
        if window == "six_months":
            return f"{self.six_months_start:%d %b %Y} to {self.as_at:%d %b %Y}"
        if window == "twelve_months":
            return f"{self.twelve_months_start:%d %b %Y} to {self.as_at:%d %b %Y}"
        return f"on {self.as_at:%d %b %Y}"


def build(engine: Engine, as_at: date, out_dir: Path) -> ReturnResult:
    definitions = annex_a_spec.load()
    window = Window(as_at)
    params = {"as_at": as_at, "window_start": window.six_months_start, "year_start": window.twelve_months_start}
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None  # a new workbook has one sheet, active
    summary.title = "Summary"
    title = (f"Ofsted Annex A lists as at {as_at:%d %b %Y} (specification: liia-tools Annex A schema, "
             "2026 revision; see docs/returns.md)")
    append_row(summary, [title])
    append_row(summary, ["List", "Title", "Covers", "Rows"])
    counts: dict[str, int] = {}
    findings: list[Finding] = []
    with readonly.reading(engine) as conn:
        for definition in definitions.lists:
            sql_path = definitions.folder / definition.sql
            sql = expand_text(sql_path.read_text(encoding="utf-8"), str(sql_path))
            data = [dict(r) for r in readonly.fetch(conn, sql, params).mappings()]
            sheet = workbook.create_sheet(definition.sheet)
            append_row(sheet, [c.header for c in definition.columns])
            rows, list_findings = _write_rows(definitions, definition, data, as_at)
            for row in rows:
                append_row(sheet, row)
            _format_sheet(sheet, definitions.spec_for(definition).columns)
            findings.extend(list_findings)
            counts[f"{definition.sheet}: {definition.title}"] = len(data)
            append_row(summary, [definition.sheet, definition.title, window.describe(definition.window), len(data)])
    _findings_sheet(workbook, findings)
    counts["Data quality findings"] = sum(f.rows for f in findings)
    workbook.properties.created = datetime.combine(as_at, datetime.min.time())
    workbook.properties.modified = workbook.properties.created
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = out_dir / f"annex_a_{as_at.isoformat()}.xlsx"
    tmp = path.with_suffix(".tmp")
    workbook.save(tmp)
    tmp.chmod(0o600)  # child-level data: owner-only wherever it is written, before it gets its name
    tmp.replace(path)
    return ReturnResult("annex-a", [path], counts, findings)


def _write_rows(definitions: AnnexA, definition: ListDefinition, data: list[dict],
                as_at: date) -> tuple[list[list], list[Finding]]:
    spec_columns = definitions.spec_for(definition).columns
    problems: Counter[tuple[str, str, str]] = Counter()
    out = []
    for record in data:
        row = []
        for column, spec_column in zip(definition.columns, spec_columns):
            value, problem = _cell(definitions, column, spec_column, record, as_at)
            if problem:
                # Only a code is quoted back (never free text such as a care plan that is not JSON).
                shown = str(value) if problem.startswith(("no code", "not one of")) else ""
                problems[(column.header, problem, shown)] += 1
            row.append(value)
        out.append(row)
    return out, [Finding(definition.sheet, header, problem, value, n)
                 for (header, problem, value), n in sorted(problems.items())]


def _cell(definitions: AnnexA, column: ListColumn, spec_column: SpecColumn, record: dict, as_at: date):
    """The value to write and, if it is not what the specification asks for, why."""
    value: Any  # the record's value, of any type
    if column.field == "age":
        dob = as_date(record.get("dob"))
        value = age_on(dob, as_at) if dob else None
    else:
        value = record.get(column.field)
    if column.json_key is not None and value is not None:
        try:
            value = json.loads(value).get(column.json_key)
        except (ValueError, AttributeError):
            return None, f"not JSON with a {column.json_key!r} key; left blank"
    if column.codes is not None:
        table = definitions.codes[column.codes]
        if value is None and column.missing is not None:
            return table[column.missing], None
        key = None if value is None else str(value)
        if key in table:
            # A value not recorded has a code of its own (ethnicity: t) NOBT), but is still a gap.
            return table[key], None if key is not None else f"not recorded; written as {table[key]!r}"
        if value is not None:
            return value, f"no code in table {column.codes!r} (config/annex_a_codes.yml)"
    if value is None or value == "":
        return None, None if spec_column.blank else "blank, but the specification requires a value"
    if spec_column.type == "date":
        return as_date(value), None
    if spec_column.type == "numeric":
        return int(value), None
    if spec_column.type == "category" and value not in spec_column.codes:
        return value, "not one of the specification's codes"
    return value, None


def _format_sheet(sheet, columns) -> None:
    """Readable as delivered: a bold, wrapped header row kept in view, dates as the specification
    writes them (dd/mm/yyyy), columns wide enough for their values."""
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
        if column.type in ("date", "numeric"):
            width = 13
        elif column.codes:
            width = min(40, max(14, max(len(code) for code in column.codes) + 2))
        else:
            width = 22
        sheet.column_dimensions[letter].width = width
        if column.type == "date":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "dd/mm/yyyy"


def _findings_sheet(workbook: Workbook, findings: list[Finding]) -> None:
    sheet = workbook.create_sheet("Data quality")
    append_row(sheet, ["List", "Column", "Problem", "Value as recorded", "Rows"])
    if not findings:
        append_row(sheet, ["(none)", "", "every value is written as the specification codes it", "", 0])
    for f in findings:
        append_row(sheet, [f.sheet, f.header, f.problem, f.value, f.rows])
