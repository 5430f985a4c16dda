"""Statistical disclosure control for aggregate tables (DfE convention, research/domain.md section 4).

Primary suppression: any count from 1 to 5 inclusive is shown as `c` (0 is a true zero and is
shown). Secondary suppression: a table with totals publishes additive *lines* (each row with its
row total, each column with its column total, the totals row with the grand total); a line with
exactly one hidden cell gives that cell away (total minus the others). So, until no line has
exactly one hidden cell, for each such line one more cell of it is hidden, chosen:

1. an interior cell before the line's total (totals are what readers use most);
2. a non-zero cell before a zero (a hidden zero protects nothing once guessed);
3. a cell whose *other* line already has a hidden cell (it pairs up both lines at once, so fewer
   cells are lost overall);
4. the smallest value (least information lost), then the first in reading order (deterministic).

This is the line rule the DfE publications apply; it stops exact derivation from totals. It does
not guarantee against interval attacks (bounds from non-negativity), which DfE does not claim
either. Tests check the result by linear algebra: no hidden cell is fixed by the published lines.

A report publishes its rows *and* summary tables of them, which readers put side by side, and
charts of the summaries: `published` suppresses them together (see there).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reporting.summaries import SUPPRESSED, chart_points, group_label, summaries

if TYPE_CHECKING:
    from reporting.definitions import Definition, Summary

__all__ = ["SUPPRESSED", "Published", "is_primary", "published", "suppress_rows", "suppress_summary",
           "suppress_table"]

LOW, HIGH = 1, 5

Cell = tuple[int, int]


@dataclass
class Suppressed:
    """A table after SDC: `values` with margins, `c` for hidden cells, and which were primary/secondary."""

    values: list[list[int | str]]
    primary: set[Cell]
    secondary: set[Cell]


def is_primary(value: int) -> bool:
    return LOW <= value <= HIGH


def _lines_2d(rows: int, cols: int) -> list[tuple[list[Cell], Cell]]:
    """(interior members, total cell) for every additive line of a table with margins."""
    lines = [([(i, j) for j in range(cols)], (i, cols)) for i in range(rows + 1)]
    lines += [([(i, j) for i in range(rows)], (rows, j)) for j in range(cols + 1)]
    return lines


def suppress_lines(values: dict[Cell, int], lines: list[tuple[list[Cell], Cell]],
                   hidden_already: AbstractSet[Cell] = frozenset()) -> tuple[set[Cell], set[Cell]]:
    """Primary and secondary suppression over any set of additive lines (members sum to total).

    `hidden_already`: cells hidden whatever their value (they would give away a cell hidden in
    another table); the line rule then works around them, and they count as secondary.
    """
    primary = {cell for cell, value in values.items() if is_primary(value)}
    hidden = primary | set(hidden_already)
    lines_of: dict[Cell, list[int]] = {}
    for index, (members, total) in enumerate(lines):
        for cell in [*members, total]:
            lines_of.setdefault(cell, []).append(index)
    changed = True
    while changed:
        changed = False
        for index, (members, total) in enumerate(lines):
            cells = [*members, total]
            if sum(c in hidden for c in cells) != 1:
                continue
            candidates = [c for c in cells if c not in hidden]
            if not candidates:
                continue

            def cost(cell: Cell, line=index, total=total):
                others = [i for i in lines_of[cell] if i != line]
                pairs = any(sum(c in hidden for c in [*lines[i][0], lines[i][1]]) >= 1 for i in others)
                return (cell == total, values[cell] == 0, not pairs, values[cell], cell)

            hidden.add(min(candidates, key=cost))
            changed = True
    return primary, hidden - primary


def suppress_table(matrix: list[list[int]]) -> Suppressed:
    """SDC on a 2-D table of counts (no margins given): returns it with row/column/grand totals."""
    if not matrix or not matrix[0]:
        raise ValueError("expected a non-empty table of counts")
    rows, cols = len(matrix), len(matrix[0])
    for i, row in enumerate(matrix):
        if len(row) != cols:
            raise ValueError(f"row {i} has {len(row)} cells; expected {cols} like the first row")
        for j, value in enumerate(row):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"cell ({i}, {j}) is {value!r}; expected a count (a whole number >= 0)")
    values: dict[Cell, int] = {(i, j): matrix[i][j] for i in range(rows) for j in range(cols)}
    for i in range(rows):
        values[(i, cols)] = sum(matrix[i])
    for j in range(cols + 1):
        values[(rows, j)] = sum(values[(i, j)] for i in range(rows))
    primary, secondary = suppress_lines(values, _lines_2d(rows, cols))
    hidden = primary | secondary
    grid = [[SUPPRESSED if (i, j) in hidden else values[(i, j)] for j in range(cols + 1)] for i in range(rows + 1)]
    return Suppressed(grid, primary, secondary)


def suppress_summary(table: dict, hidden_already: AbstractSet[tuple[str, str]] = frozenset()) -> dict:
    """SDC on a summary table from `reporting.runner.summaries` (groups x count measures).

    Count columns are additive down the groups to the Total row (each column is a line); the
    measures are not additive across (a child can be in several), so rows are not lines. Percent
    and mean cells of a group whose count is hidden are hidden too: they would give it back.
    `hidden_already`: (group, measure) cells to hide whatever their value (`published` passes
    those drawn from a value the rows table hides). A chart is redrawn from the result.
    """
    counts = [c["name"] for c in table["columns"][1:] if c["type"] == "int"]
    body = [r for r in table["rows"] if r["group"] != "Total"]
    total = next((r for r in table["rows"] if r["group"] == "Total"), None)
    values: dict[Cell, int] = {}
    lines = []
    for j, name in enumerate(counts):
        for i, row in enumerate(body):
            values[(i, j)] = row[name] or 0
        if total is not None:
            values[(len(body), j)] = total[name] or 0
            lines.append(([(i, j) for i in range(len(body))], (len(body), j)))
    every = [*body, *([total] if total else [])]
    forced = {(i, j) for i, row in enumerate(every) for j, name in enumerate(counts)
              if (row["group"], name) in hidden_already}
    primary, secondary = suppress_lines(values, lines, forced)
    hidden = primary | secondary
    out_rows = []
    for i, row in enumerate(every):
        new = dict(row)
        for j, name in enumerate(counts):
            if (i, j) in hidden:
                new[name] = SUPPRESSED
        if any((i, j) in hidden for j in range(len(counts))):
            for column in table["columns"][1:]:
                if column["type"] in ("percent", "decimal"):
                    new[column["name"]] = SUPPRESSED
        for column in table["columns"][1:]:  # rates and means drawn from a hidden value
            if (row["group"], column["name"]) in hidden_already:
                new[column["name"]] = SUPPRESSED
        out_rows.append(new)
    out = {**table, "rows": out_rows, "sdc": {"primary": len(primary), "secondary": len(secondary)}}
    if "chart" in table:  # drawn from the figures shown, never from the ones hidden
        chart = table["chart"]
        key = "series" if "series" in chart else "points"
        out["chart"] = {**chart, key: chart_points(out_rows, chart["measure"], chart.get("kind_of_measure", "int"))}
    return out


def suppress_rows(columns: list[dict], rows: list[dict],
                  group_sums: Sequence[tuple[str, list]] = ()) -> tuple[list[dict], dict]:
    """SDC on a report's own rows when they are aggregate counts (one row per group).

    Each count column is treated as a line whose total is the column sum, as if the total were
    published (summaries and other reports do publish such totals), so no column is left with a
    single hidden cell. A percent or mean cell is hidden when a count it is worked out from is
    hidden in its row: the counts its column's `derived_from` names, or, without that, any count of
    the row (it could be drawn from any of them; see `_drawn_from_hidden`).
    `group_sums`: (count column, each row's group) for each summary that publishes sums of the
    column by group; see `_spread`.
    """
    counts = [c["name"] for c in columns if c.get("type") == "int"]
    values: dict[Cell, int] = {}
    lines = []
    for j, name in enumerate(counts):
        for i, row in enumerate(rows):
            values[(i, j)] = int(row[name] or 0)
        values[(len(rows), j)] = sum(values[(i, j)] for i in range(len(rows)))
        lines.append(([(i, j) for i in range(len(rows))], (len(rows), j)))
    primary, secondary = suppress_lines(values, lines)
    for name, groups in group_sums:
        if name in counts:
            secondary |= _spread(values, primary | secondary, counts.index(name), groups)
    hidden = primary | secondary
    out = []
    for i, row in enumerate(rows):
        new = dict(row)
        for j, name in enumerate(counts):
            if (i, j) in hidden:
                new[name] = SUPPRESSED
        hidden_here = {name for j, name in enumerate(counts) if (i, j) in hidden}
        for column in columns:
            if _drawn_from_hidden(column, hidden_here):
                new[column["name"]] = SUPPRESSED
        out.append(new)
    shown = {cell for cell in hidden if cell[0] < len(rows)}
    return out, {"primary": len(primary & shown), "secondary": len(secondary & shown)}


def _drawn_from_hidden(column: dict, hidden_counts: AbstractSet[str]) -> bool:
    """Whether a percent or decimal cell would give a hidden count of its row back.

    A column that says which counts it is worked out from (`derived_from`, e.g. attended of
    invited) is hidden only when one of those is: "8 of 53" shown beside a hidden 3 elsewhere in
    the row gives nothing away, so 15.1% shows. Without `derived_from` nothing says which counts
    it uses, so any hidden count of the row hides it (the safe reading).
    """
    if column.get("type") not in ("percent", "decimal") or not hidden_counts:
        return False
    sources = column.get("derived_from")
    return bool(hidden_counts & set(sources)) if sources else True


def _spread(values: dict[Cell, int], hidden: set[Cell], j: int, groups: list) -> set[Cell]:
    """One more hidden cell of column `j` when all its hidden cells are in one group.

    A summary hides each group's sum that includes a hidden cell (`published`), but the column
    total minus the other groups' sums (each worked out from the visible rows) still gives that
    one group's sum, itself possibly a count of 1-5. Hiding a cell of another group, non-zero and
    smallest by preference, makes two groups' sums unknown.
    """
    rows = range(len(groups))
    within = {groups[i] for i in rows if (i, j) in hidden}
    outside = [i for i in rows if groups[i] not in within]
    if len(within) != 1 or not outside:  # nothing hidden, already spread, or one group: the total
        return set()
    pick = min(outside, key=lambda i: (values[(i, j)] == 0, values[(i, j)], i))
    return {(pick, j)}


# ---- a report's published figures -----------------------------------------------------------------
@dataclass
class Published:
    """What a report shows: its rows and summary tables (after SDC when aggregate)."""

    rows: list[dict]
    summaries: list[dict]
    disclosure: dict | None  # cells hidden in the rows (the manifest's `disclosure_control`)


def published(spec: Definition, rows: list[dict]) -> Published:
    """The rows and summary tables a report publishes, from its (or a slice's) extract rows.

    The one source of the figures the rendered files show (`runner.render_report`), for the
    e-mail's headline figures (`deliver`) too, so the two always agree. Aggregate reports are
    suppressed together: the rows (`suppress_rows`) so no group's sum isolates a hidden cell,
    then each summary with every cell drawn from a hidden row value hidden too
    (`_drawn_on_hidden`). Other reports come back as computed.
    """
    tables = summaries(spec, rows)
    if spec.sensitivity != "aggregate":
        return Published(rows, tables, None)
    columns = [c.model_dump() for c in spec.columns]
    column_types = {c.name: c.type for c in spec.columns}
    # sums and means (a mean times its known number of rows is the sum) of count columns by group
    group_sums = [(m.column, [group_label(s, r, column_types) if s.where is None or r[s.where]
                              else "(not in this table)" for r in rows])
                  for s in spec.summaries if s.group_by for m in s.measures
                  if m.agg in ("sum", "mean") and m.column]
    shown, disclosure = suppress_rows(columns, rows, group_sums)
    tables = [suppress_summary(table, _drawn_on_hidden(summary, rows, shown, column_types))
              for summary, table in zip(spec.summaries, tables)]
    return Published(shown, tables, disclosure)


def _drawn_on_hidden(summary: Summary, rows: list[dict], shown: list[dict],
                     column_types: Mapping[str, str]) -> set[tuple[str, str]]:
    """(group, measure) cells of a summary computed from a value the published rows hide.

    A group's sum less its visible rows gives the hidden value back (a mean, min or max can
    too), so such a cell is hidden. Two kinds stay:
    - a plain sum over every row (the Total, or the one group): the column total, which
      `suppress_rows` already protects as if published;
    - a count of rows (no `column`, no `where`): every row is published with its group, so
      the count reads off the rows table and draws on no value.
    """
    kept = [i for i, r in enumerate(rows) if summary.where is None or r[summary.where]]  # the table's rows
    labels = [group_label(summary, rows[i], column_types) for i in kept]
    one_group = len(set(labels)) == 1
    hidden = set()
    for label, row in zip(labels, (shown[i] for i in kept)):
        for m in summary.measures:
            if not any(name and row.get(name) == SUPPRESSED for name in (m.column, m.where, m.of, m.per)):
                continue
            column_total = m.agg == "sum" and m.where is None
            if not (column_total and one_group):
                hidden.add((label, m.name))
            if not column_total:
                hidden.add(("Total", m.name))
    return hidden


def data_hash(columns: list[dict], rows: list[dict]) -> str:
    """The content hash: the report's data in a canonical text form, independent of layout."""
    digest = hashlib.sha256()
    names = [c["name"] for c in columns]
    digest.update(("\t".join(names) + "\n").encode())
    for row in rows:
        digest.update(("\t".join("" if row[n] is None else str(row[n]) for n in names) + "\n").encode())
    return digest.hexdigest()


def content_hash(spec: Definition, rows: list[dict]) -> str:
    """The content hash of what `rows` publish as (after disclosure control): the manifest's and
    the delivery ledger's, so a corrected figure is a new delivery and an unchanged one is not."""
    shown = published(spec, rows).rows if spec.sensitivity == "aggregate" else rows
    return data_hash([c.model_dump() for c in spec.columns], shown)
