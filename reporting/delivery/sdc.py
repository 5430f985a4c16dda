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
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPRESSED = "c"
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


def suppress_lines(values: dict[Cell, int], lines: list[tuple[list[Cell], Cell]]) -> tuple[set[Cell], set[Cell]]:
    """Primary and secondary suppression over any set of additive lines (members sum to total)."""
    primary = {cell for cell, value in values.items() if is_primary(value)}
    hidden = set(primary)
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


def suppress_summary(table: dict) -> dict:
    """SDC on a summary table from `reporting.runner.summaries` (groups x count measures).

    Count columns are additive down the groups to the Total row (each column is a line); the
    measures are not additive across (a child can be in several), so rows are not lines. Percent
    and mean cells of a group whose count is hidden are hidden too: they would give it back.
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
    primary, secondary = suppress_lines(values, lines)
    hidden = primary | secondary
    out_rows = []
    for i, row in enumerate([*body, *([total] if total else [])]):
        new = dict(row)
        for j, name in enumerate(counts):
            if (i, j) in hidden:
                new[name] = SUPPRESSED
        if any((i, j) in hidden for j in range(len(counts))):
            for column in table["columns"][1:]:
                if column["type"] in ("percent", "decimal"):
                    new[column["name"]] = SUPPRESSED
        out_rows.append(new)
    return {**table, "rows": out_rows, "sdc": {"primary": len(primary), "secondary": len(secondary)}}


def suppress_rows(columns: list[dict], rows: list[dict]) -> tuple[list[dict], dict]:
    """SDC on a report's own rows when they are aggregate counts (one row per group).

    Each count column is treated as a line whose total is the column sum, as if the total were
    published (summaries and other reports do publish such totals), so no column is left with a
    single hidden cell. Percent and mean cells of a row with a hidden count are hidden too.
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
    hidden = primary | secondary
    out = []
    for i, row in enumerate(rows):
        new = dict(row)
        for j, name in enumerate(counts):
            if (i, j) in hidden:
                new[name] = SUPPRESSED
        if any((i, j) in hidden for j in range(len(counts))):
            for column in columns:
                if column.get("type") in ("percent", "decimal"):
                    new[column["name"]] = SUPPRESSED
        out.append(new)
    shown = {cell for cell in hidden if cell[0] < len(rows)}
    return out, {"primary": len(primary & shown), "secondary": len(secondary & shown)}

