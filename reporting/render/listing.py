"""How a report's list is laid out for reading (HTML and PDF): what comes first, what goes into the
heading, how a team's rows are grouped, and what a shortened PDF list left out.

The rules, for everyone who reads a list:

* the status comes first: the column(s) with RAG colouring (or a column named ``status``) follow the
  record's identifier (its first column and the ID or name columns right after it), so the status
  is on screen without scrolling;
* a part of a report (a burst slice, a service's or partner's copy) reads as that part's list:
  a column naming the part (the team, the service, the school) with the same value on every row
  moves out of the table into the heading ("Team: Family Intervention Team 2"); the rows are grouped by allocated worker
  (when the list has a worker column, which each group's heading then replaces in the table) with
  each worker's count of records and of red ones; and the
  top of the copy says how many of its records are red. The whole report keeps every column and
  its own order of rows;
* a PDF that shows only its first rows says how many further records the spreadsheet holds and
  their RAG statuses.

The CSV and XLSX keep every shown column in the definition's order: a spreadsheet user filters.
Pure functions of the columns and rows (the template context contract of
:mod:`reporting.render.html`, whose environment offers :func:`list_layout` to the templates;
table_report.html.j2 calls it once per document).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from reporting.text import lower_first

STATUS_NAME = "status"
# Columns naming the record after its first column (IDs, the child or young person).
IDENTIFIER_NAMES = frozenset({"id", "ref", "reference", "child_name", "child", "young_person", "pupil_name"})
# The allocated worker, in the order looked for (the first present is the one grouped by).
WORKER_NAMES = ("worker_name", "allocated_worker", "personal_adviser", "worker")
NOT_ALLOCATED = "Not allocated"
# A copy's text column is moved into its heading only when at least this many rows share the value
# (one row's values are the row's own, not the copy's), unless the copy was cut by that column.
MIN_ROWS_TO_LIFT = 2
# The columns that say which part of the organisation a copy is (besides those it was cut by): only
# these are moved into the heading. Any other shared value (a category of abuse, a status, a
# postcode) is the records' own, and in the heading it read as a filter the copy was cut by.
PART_NAMES = frozenset({"team_name", "service_name", "school_name", "school", "agency", "team_manager_name",
                        *WORKER_NAMES})
RAG_ORDER = ("red", "amber", "green")


def _kind(column: Mapping) -> str:
    """The display kind, as reporting.render.html.col_kind reads it (html imports this module)."""
    return str(column.get("format") or column.get("type") or "text")


def is_status(column: Mapping) -> bool:
    return bool(column.get("rag")) or column["name"] == STATUS_NAME


def is_identifier(column: Mapping) -> bool:
    name = column["name"]
    return name in IDENTIFIER_NAMES or name.endswith("_id")


def status_first(columns: Sequence[Mapping]) -> list[Mapping]:
    """The columns with the status column(s) straight after the record's identifier: the first
    column and the ID or name columns that follow it (Episode ID, Person ID, Child)."""
    status = [c for c in columns if is_status(c)]
    rest = [c for c in columns if not is_status(c)]
    if not status or not rest:
        return list(columns)
    lead = 1
    while lead < len(rest) and is_identifier(rest[lead]):
        lead += 1
    return [*rest[:lead], *status, *rest[lead:]]


def primary_rag(columns: Sequence[Mapping]) -> Mapping | None:
    """The RAG column a record's red/amber/green is read from: the one named status, else the first."""
    rag = [c for c in columns if c.get("rag")]
    return next((c for c in rag if c["name"] == STATUS_NAME), rag[0] if rag else None)


def rag_counts(rows: Sequence[Mapping], rag_column: Mapping | None) -> Counter:
    """red/amber/green (and None: no status) -> rows."""
    if rag_column is None:
        return Counter()
    return Counter(row.get(rag_column["rag"]) for row in rows)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def rag_breakdown(counts: Counter) -> str:
    """"12 red, 30 amber, 53 green", "all green", and "3 with no status" for rows without one."""
    total = sum(counts.values())
    for status in RAG_ORDER:
        if total and counts.get(status, 0) == total:
            return f"all {status}"
    parts = [f"{counts[s]:,} {s}" for s in RAG_ORDER if counts.get(s)]
    if counts.get(None):
        parts.append(f"{counts[None]:,} with no status")
    return ", ".join(parts)


def left_out_text(rows: Sequence[Mapping], rag_column: Mapping | None) -> str:
    """What a shortened PDF list leaves to the spreadsheet, e.g. "95 further records are in the
    spreadsheet (12 red, 30 amber, 53 green)"."""
    n = len(rows)
    said = f"{_plural(n, 'further record')} {'is' if n == 1 else 'are'} in the spreadsheet"
    breakdown = rag_breakdown(rag_counts(rows, rag_column)) if rag_column is not None else ""
    return f"{said} ({breakdown})." if breakdown else f"{said}."


def red_text(rows: Sequence[Mapping], rag_column: Mapping) -> str:
    """"7 of 23 records are red: overdue." (the statuses the red rows show, most common first)."""
    red = [row for row in rows if row.get(rag_column["rag"]) == "red"]
    on = "" if rag_column["name"] == STATUS_NAME else f" on {rag_column['label']}"
    if not red:
        return f"None of the {_plural(len(rows), 'record')} {'is' if len(rows) == 1 else 'are'} red{on}."
    said = f"{len(red):,} of {_plural(len(rows), 'record')} {'is' if len(red) == 1 else 'are'} red{on}"
    if _kind(rag_column) != "text":
        return f"{said}."
    shown = Counter(str(row[rag_column["name"]]) for row in red if row.get(rag_column["name"]) not in (None, ""))
    if not shown:
        return f"{said}."
    if len(shown) == 1:
        return f"{said}: {lower_first(next(iter(shown)))}."
    return f"{said}: " + ", ".join(f"{lower_first(text)} {n:,}" for text, n in shown.most_common()) + "."


def _worker_column(columns: Sequence[Mapping]) -> Mapping | None:
    by_name = {c["name"]: c for c in columns}
    return next((by_name[name] for name in WORKER_NAMES if name in by_name), None)


def _lifted(columns: Sequence[Mapping], rows: Sequence[Mapping], cut_by: Sequence[str]) -> list[Mapping]:
    """The columns naming the part of the organisation (PART_NAMES) or cut by, with one (non-blank)
    value on every row of a part of the report."""
    lifted = []
    for column in columns:
        if is_status(column) or is_identifier(column) or _kind(column) != "text":
            continue
        if column["name"] not in cut_by and column["name"] not in PART_NAMES:
            continue
        if column["name"] not in cut_by and len(rows) < MIN_ROWS_TO_LIFT:
            continue
        values = {row.get(column["name"]) for row in rows}
        if len(values) == 1 and (value := next(iter(values))) is not None and str(value).strip():
            lifted.append(column)
    return lifted


def list_layout(columns: Sequence[Mapping], rows: Sequence[Mapping], *, part: bool = False,
                cut_by: Sequence[str] = (), shown: int | None = None) -> dict:
    """The list as the HTML and PDF show it.

    :param columns: the shown columns, in the definition's order.
    :param rows: every row of the copy, in the report's order.
    :param part: a part of the report (a burst slice or a custom copy), not the whole report.
    :param cut_by: the columns the copy was cut by (a slice's burst key and label): moved into the
        heading even when the copy has a single row.
    :param shown: the PDF shows only this many rows (the row cap); None: every row.
    :returns: ``columns`` (the table's, status first, without those moved to the heading nor the
        worker column of a list grouped by worker),
        ``heading`` ([{label, value}]: the columns moved to the heading), ``groups`` ([{label,
        summary, rows, count, red}]: one group with label None unless grouped by worker; ``rows`` are
        those shown), ``worker`` (the worker column's label or None), ``red`` (the copy's "n of m
        records are red" or None), ``by_worker`` (each worker's records and red ones, a table, when
        the rows shown stop before the last worker's: else None), ``shown`` (rows shown),
        ``left_out`` (what the spreadsheet has beyond the rows shown, or None).
    """
    rag_column = primary_rag(columns)
    heading_columns = _lifted(columns, rows, cut_by) if part and rows else []
    table = [c for c in status_first(columns) if c not in heading_columns]
    heading = [{"label": c["label"], "value": str(rows[0][c["name"]])} for c in heading_columns]  # text columns
    worker = _worker_column(table) if part else None
    groups: list[dict[str, Any]]
    if worker is None:
        ordered, groups = list(rows), [{"label": None, "rows": list(rows)}]
    else:
        by_worker: dict[str, list[Mapping]] = {}
        for row in rows:
            value = row.get(worker["name"])
            by_worker.setdefault(str(value).strip() if value is not None and str(value).strip() else "", []).append(row)
        names = sorted(by_worker, key=lambda name: (name == "", name.casefold()))
        groups = [{"label": name or NOT_ALLOCATED, "rows": by_worker[name]} for name in names]
        ordered = [row for group in groups for row in group["rows"]]
        table = [c for c in table if c is not worker]  # each group's heading names the worker
    limit = len(ordered) if shown is None else min(shown, len(ordered))
    left = limit
    for group in groups:
        everyone = group["rows"]
        group["count"] = len(everyone)
        group["red"] = sum(1 for row in everyone if rag_column and row.get(rag_column["rag"]) == "red")
        group["rows"] = everyone[:max(left, 0)]
        left -= len(everyone)
        group["summary"] = _group_summary(group, rag_column)
    return {
        "columns": table,
        "heading": heading,
        "groups": [g for g in groups if g["rows"]],
        "worker": worker["label"] if worker else None,
        # each worker's subtotal heads their rows; a PDF stopping early lists them all above the list
        "by_worker": _by_worker(worker, groups, rag_column) if worker and limit < len(ordered) else None,
        "red": red_text(rows, rag_column) if part and rag_column is not None and rows else None,
        "none_red": not any(rag_column and row.get(rag_column["rag"]) == "red" for row in rows),
        "shown": limit,
        "left_out": left_out_text(ordered[limit:], rag_column) if limit < len(ordered) else None,
    }


def _by_worker(worker: Mapping, groups: list[dict], rag_column: Mapping | None) -> dict:
    """Every worker's subtotal as a small table ({title, columns, rows}: the summary-table shape),
    shown above a list that stops early (the PDF's row cap): the team's whole breakdown by worker."""
    columns = [{"name": "worker", "label": worker["label"], "type": "text"},
               {"name": "records", "label": "Records", "type": "int"}]
    if rag_column is not None:
        columns.append({"name": "red", "label": "Red", "type": "int"})
    rows = [{"worker": g["label"], "records": g["count"], "red": g["red"]} for g in groups]
    label = worker["label"]
    return {"title": f"Records by {lower_first(label)}", "columns": columns, "rows": rows}


def _group_summary(group: dict, rag_column: Mapping | None) -> str:
    """A worker's subtotal: "12 records, 3 red" (and how many are shown when the PDF stops in the group)."""
    said = _plural(group["count"], "record")
    if rag_column is not None:
        said += f", {group['red']:,} red"
    if 0 < len(group["rows"]) < group["count"]:
        said += f" (the first {len(group['rows']):,} shown here)"
    return said
