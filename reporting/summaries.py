"""A report's summary tables, computed from its rows (the YAML `summaries:`), and their charts' points.

Pipeline stage: after extract and the quality gate, before disclosure control
(`reporting.disclosure.published` suppresses these tables for aggregate reports) and rendering.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from reporting import since_last
from reporting.render.listing import WORKER_NAMES
from reporting.text import lower_first, written_month

if TYPE_CHECKING:
    from reporting.definitions import Definition, Summary

# How a hidden (suppressed) cell is shown everywhere: the DfE's "c" (reporting.disclosure).
SUPPRESSED = "c"
# A chart's label for a group whose figure cannot be worked out (the table's blank cell).
NO_FIGURE = "no figure"


def _measure(measure, rows: list[dict]):
    if measure.agg == "percent" and measure.of is not None:
        rows = [r for r in rows if r[measure.of]]  # the cohort the percent is of
    selected = [r for r in rows if measure.where is None or r[measure.where]]
    if measure.agg == "count":
        return len(selected)
    if measure.agg == "percent":
        return round(100.0 * len(selected) / len(rows), 1) if rows else None
    if measure.agg in ("ratio", "percent_of_sums"):
        # sum over sum: cases per FTE, not the mean of each worker's ratio; visits within standard
        # of all visits, not the mean of each month's percentage (a quiet month weighs as a busy one)
        below = sum(r[measure.per] or 0 for r in selected)
        scale = 100.0 if measure.agg == "percent_of_sums" else 1.0
        return round(scale * sum(r[measure.column] or 0 for r in selected) / below, 1) if below else None
    values = [r[measure.column] for r in selected if r[measure.column] is not None]
    if not values:
        return None
    if measure.agg == "sum":
        return sum(values)
    if measure.agg == "mean":
        return round(sum(values) / len(values), 1)
    return min(values) if measure.agg == "min" else max(values)


def measure_kind(measure, column_types: Mapping[str, str]) -> str:
    """How a measure's values are shown. A sum of a decimal column (the FTE of a team's workers,
    11.3) is a decimal, and the least or greatest of a decimal or percent column is one as the
    column is: neither is rounded to a whole number. The mean of a percent column is a percent:
    a 0-or-100 score per row (met the standard or not) averages to the share that met it."""
    column = column_types.get(measure.column or "")
    if measure.agg in ("percent", "percent_of_sums") or (measure.agg == "mean" and column == "percent"):
        return "percent"
    if measure.agg in ("mean", "ratio") or (measure.agg == "sum" and column == "decimal"):
        return "decimal"
    if measure.agg in ("min", "max") and column in ("decimal", "percent"):
        return column
    return "int"


def _group_key(summary: Summary, row: dict):
    return row[summary.group_by] if summary.group_by else "All"


def _natural(key) -> tuple:
    """A group's place in natural order: numbers inside a label compare as numbers (Year 2 before
    Year 10, Team 9 before Team 10), the rest by its letters."""
    parts = re.split(r"(\d+)", str(key))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in parts if p)


def _group_order(summary: Summary, keys) -> list:
    """The summary's groups in its `group_order`, then natural order; no group ("Not recorded") last."""
    listed = {value: i for i, value in enumerate(summary.group_order or [])}
    return sorted(keys, key=lambda k: (k is None, listed.get(str(k), len(listed)), _natural(k)))


def _label(key, kind: str = "text"):
    """A group's label in its table: a month column's "2025-10" as "Oct 2025" (ordered by its key)."""
    if key is None:
        return "Not recorded"
    return written_month(key) if kind == "month" else key


def _group_kind(summary: Summary, column_types: Mapping[str, str]) -> str:
    return column_types.get(summary.group_by or "", "text")


def group_label(summary: Summary, row: dict, column_types: Mapping[str, str]):
    """The group a row falls in for a summary: its label in the summary table."""
    return _label(_group_key(summary, row), _group_kind(summary, column_types))


def summaries(spec: Definition, rows: list[dict]) -> list[dict]:
    """The summary tables of `rows`, as computed (`disclosure.published` gives the ones a report shows)."""
    labels = {c.name: c.label for c in spec.columns}
    column_types = {c.name: c.type for c in spec.columns}
    out = []
    every_row = rows
    for summary in spec.summaries:
        rows = [r for r in every_row if r[summary.where]] if summary.where else every_row
        groups: dict[object, list[dict]] = defaultdict(list)
        for row in rows:
            groups[_group_key(summary, row)].append(row)
        if not groups and not summary.group_by:
            groups["All"] = []
        columns = [{"name": "group", "label": labels.get(summary.group_by, "") if summary.group_by else "",
                    "type": "text"}]
        columns += [{"name": m.name, "label": m.label, "type": measure_kind(m, column_types)} for m in summary.measures]
        kinds = {c["name"]: c["type"] for c in columns}
        table_rows = []
        for key in _group_order(summary, groups):
            table_rows.append({"group": _label(key, _group_kind(summary, column_types)),
                               **{m.name: _measure(m, groups[key]) for m in summary.measures}})
        if summary.group_by and len(groups) > 1:
            table_rows.append({"group": "Total", **{m.name: _measure(m, rows) for m in summary.measures}})
        entry: dict[str, object] = {"title": summary.title, "columns": columns, "rows": table_rows}
        if summary.chart:
            measure = summary.chart_measure or summary.measures[0].name
            plotted = next(m.label for m in summary.measures if m.name == measure)
            by = labels.get(summary.group_by, "") if summary.group_by else ""
            entry["chart"] = {"kind": summary.chart, "measure": measure,
                              # the chart is titled by what it plots, not by the table it sits above
                              "title": f"{plotted} by {lower_first(by)}" if by else plotted,
                              "axis": plotted, "kind_of_measure": kinds[measure],
                              "series" if summary.chart == "bar" else "points": chart_points(table_rows, measure,
                                                                                                 kinds[measure])}
        out.append(entry)
    return out


def chart_points(table_rows: list[dict], measure: str, kind: str = "int") -> list[dict]:
    """A summary chart's points, one per group, each labelled as the table shows it (`kind` is the
    measure's column type: 63.6% for a percent): a hidden value (`c`) is not plotted (value None)
    and is labelled `c`, so the chart shows what the table shows. A group with no figure (a
    percentage of no visits, a caseload of no workers) is not plotted either, and is labelled
    NO_FIGURE: drawn as 0 it read as a team at 0%."""
    points = []
    for row in table_rows:
        if row["group"] == "Total":
            continue
        value = row[measure]
        if value == SUPPRESSED:
            points.append({"label": str(row["group"]), "value": None, "display": SUPPRESSED})
        elif value is None:
            points.append({"label": str(row["group"]), "value": None, "display": NO_FIGURE})
        else:
            points.append({"label": str(row["group"]), "value": value, "display": _shown(value, kind)})
    return points


def _shown(value, kind: str) -> str:
    if kind == "percent":
        return f"{float(value):.1f}%"
    if kind == "decimal":
        return f"{float(value):,.1f}"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def headline(tables: list[dict], rows: int, changes: dict | None = None,
             first_figures: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """The e-mail's headline figures, as (label, value) pairs: the first summary table's Total row,
    else a table of figures' first rows (`first_figures`), else "Records in the list"; then, for a list
    compared with the previous period's (`since_last` counts), what is new, resolved and still overdue
    since then. Kept in the manifest, so delivery sends what render published."""
    return _figures(tables, rows, first_figures) + _since_last(changes)


HEADLINE_FIGURES = 3  # a table of figures' rows its e-mail quotes


def first_figures(spec: Definition, rows: list[dict], limit: int = HEADLINE_FIGURES) -> list[tuple[str, str]]:
    """A table of figures' (`rows_are: figures`) first rows as headline figures: each named by its
    unique text column (else its first shown text column) with its first shown number, e.g.
    ("Children on a CP plan at month end", "179")."""
    if not rows:
        return []
    shown = [c for c in spec.columns if not c.hidden and c.name in rows[0]]  # a partner's copy has fewer
    texts = [c for c in shown if c.type == "text"]
    names = next((c for c in texts if c.checks is not None and c.checks.unique), texts[0] if texts else None)
    number = next((c for c in shown if c.type in ("int", "decimal", "percent")), None)
    if names is None or number is None:
        return []
    return [(str(r[names.name]), _fmt(r[number.name], number.type)) for r in rows[:limit]]


def _figures(tables: list[dict], rows: int, first_figures: list[tuple[str, str]] | None) -> list[tuple[str, str]]:
    if tables and tables[0]["rows"]:
        table = tables[0]
        total = next((r for r in table["rows"] if r["group"] == "Total"), None)
        if total is None and len(table["rows"]) == 1:
            total = table["rows"][0]
        if total is not None:
            return [(c["label"], _fmt(total[c["name"]], c["type"])) for c in table["columns"][1:]]
    if first_figures is not None:
        return first_figures
    return [("Records in the list", f"{rows:,}")]  # as the PDF counts them ("12 records")


TOP_OVERDUE = 5  # red records a digest lists for its reader to act on first


def top_overdue(spec: Definition, rows: list[dict], limit: int = TOP_OVERDUE) -> dict | None:
    """The red records of a list: how many, and the first `limit` in the list's own order, each as
    (label, value) pairs naming the record's key, its status and its worker when the list has one.
    For the digest e-mail: what the reader's copy asks them to act on first. None for aggregate
    reports (no record is named) and lists without a RAG status."""
    rag = since_last.rag_column(spec)
    if rag is None or not since_last.applies(spec):
        return None
    by_name = {c.name: c for c in spec.columns}
    key = by_name[since_last.key_column(spec)]
    status = next(c for c in spec.columns if c.rag == rag)
    worker = next((by_name[n] for n in WORKER_NAMES if n in by_name and not by_name[n].hidden), None)
    shown = [key] + [c for c in (status, worker) if c is not None and c is not key]
    red = [r for r in since_last.listed(spec, rows) if r.get(rag) == "red"]
    return {"red": len(red), "first": [[(c.label, _said(r.get(c.name))) for c in shown] for r in red[:limit]]}


def _said(value) -> str:
    return "not recorded" if value in (None, "") else str(value)


def _since_last(changes: dict | None) -> list[tuple[str, str]]:
    if not changes or not changes.get("compared_with"):
        return []
    figures = [("New since the last list", _fmt(changes["new"], "int")),
               ("Resolved since the last list", _fmt(changes["resolved"], "int"))]
    if changes.get("still_overdue") is not None:
        figures.append(("Still overdue (red on both lists)", _fmt(changes["still_overdue"], "int")))
    return figures


def _fmt(value, kind: str) -> str:
    if value is None:
        return "none"
    if kind == "percent":
        return f"{value:.1f}%"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
