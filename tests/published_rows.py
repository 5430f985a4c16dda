"""The rows behind a rendered report's figures, hidden columns included, for the figure tests.

The CSV holds only a report's shown columns, so a test whose figure is a hidden flag
(`is_missing`, `is_overdue`, ...) cannot read it back from the CSV any more. It reads it from
the rows the report published instead: the extract run again through `run_extract` and passed
through disclosure control as `runner.render_report` does, then tied to the rendered report by
its content hash, which is taken over every column (hidden ones too) in row order. So they are
the very rows rendered, not merely rows from the same query, and the CSV is checked to show
exactly their shown columns, row by row.
"""

from __future__ import annotations

import csv
from pathlib import Path

from reporting import disclosure
from reporting.extract import run_extract
from reporting.render.html import col_kind
from reporting.render.tabular import _csv_value


def published_rows(definition, engine, period, as_at, result) -> list[dict]:
    """The rows `result` (a `runner.RenderResult` of `definition` for `period` at `as_at`) published,
    every column, after checking they are exactly what it rendered and what its CSV shows."""
    extract = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=as_at)
    assert disclosure.content_hash(definition.spec, extract.rows) == result.content_hash, \
        f"{definition.id}: the extract run again is not what the report rendered"
    rows = disclosure.published(definition.spec, extract.rows).rows
    if "csv" in result.outputs:
        assert_csv_shows(definition, rows, Path(result.outputs["csv"]))
    return rows


def assert_csv_shows(definition, rows: list[dict], csv_path: Path) -> None:
    """The CSV is `rows`' shown columns: the shown labels as header, then each row's cells as the
    CSV writes them, in order."""
    shown = [c.model_dump() for c in definition.spec.columns if not c.hidden]
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        header, *body = list(csv.reader(handle))
    assert header == [c["label"] for c in shown], f"{definition.id}: the CSV header is not the shown columns"
    expected = [[_csv_value(row[c["name"]], col_kind(c)) for c in shown] for row in rows]
    assert body == expected, f"{definition.id}: the CSV does not show the published rows"
