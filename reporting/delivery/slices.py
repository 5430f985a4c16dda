"""Which rows (and columns) each recipient may see: the slice of one extract for one person.

    all      every row
    team     rows whose team column is the person's team
    service  rows whose team is one of the teams of the person's service
    worker   rows whose worker column is the person's own id (their caseload)
    school   rows whose school column is the person's school (its own pupils only)
    agency   every row, but only the definition's `partner_columns`

The columns a scope filters on are named by convention (below); a definition sent with a scope
whose column it lacks fails loudly, naming the report, scope and the column expected, rather
than sending a whole report to someone who should see one team of it.
"""

from __future__ import annotations

from dataclasses import replace

from reporting.definitions import SCOPE_COLUMNS, Definition
from reporting.delivery.recipients import Directory, Person
from reporting.errors import MIError

CUSTOM = "custom"  # a copy cut for its recipients (a service, a partner, a school), not a burst slice


class SliceError(MIError, ValueError):
    pass


def scope_column(spec: Definition, scope: str) -> str | None:
    """The column `scope` filters on in this report (None for all/agency)."""
    if scope not in SCOPE_COLUMNS:
        return None
    names = {c.name for c in spec.columns}
    for candidate in SCOPE_COLUMNS[scope]:
        if candidate in names:
            return candidate
    raise SliceError(f"{spec.id}: recipients with scope {scope!r} need a column named "
                     f"{' or '.join(SCOPE_COLUMNS[scope])} to slice on; the report has none")


def rows_for(spec: Definition, rows: list[dict], person: Person, directory: Directory) -> list[dict]:
    """The rows `person` may see (for agency: all rows, restricted to partner columns)."""
    return visible_rows(spec, rows, person, indexes_for(spec, rows, person, directory))


def indexes_for(spec: Definition, rows: list[dict], person: Person, directory: Directory) -> list[int]:
    """The positions in `rows` of the rows `person` may see."""
    scope = person.scope
    if scope == "agency":
        partner_columns(spec)  # a report without partner columns sends partners nothing
    if scope in ("all", "agency"):
        return list(range(len(rows)))
    if not person.key:
        return []  # a blank key would match every unallocated row: it selects nothing
    column = scope_column(spec, scope)
    if scope == "service":
        teams = directory.teams_of(person.key) | {person.key}
        return [i for i, r in enumerate(rows) if r[column] is not None and str(r[column]) in teams]
    return [i for i, r in enumerate(rows) if r[column] is not None and str(r[column]) == person.key]


def visible_rows(spec: Definition, rows: list[dict], person: Person, indexes: list[int]) -> list[dict]:
    """The rows at `indexes` as `person` sees them: a partner only the definition's partner columns."""
    chosen = [rows[i] for i in indexes]
    if person.scope != "agency":
        return chosen
    allowed = partner_columns(spec)
    return [{name: row[name] for name in allowed} for row in chosen]


def partner_columns(spec: Definition) -> list[str]:
    if not spec.partner_columns:
        raise SliceError(f"{spec.id}: has partner (agency) recipients but no partner_columns; list the "
                         "columns partners may see in the definition")
    return list(spec.partner_columns)


def target_of(spec: Definition, person: Person) -> str | None:
    """Which copy serves `person`: None (the whole report), a burst slice key, or CUSTOM.

    A team manager of a report burst by team_id gets the burst slice for their team as is;
    anything that is not a burst slice (a service's teams, a partner's columns, a school's
    encrypted copy) is a copy of its own, planned and rendered for that slice (reporting.plan).
    """
    if person.scope == "all":
        return None
    # a school gets its pupils as an encrypted file of its own, never the plain burst slice
    if person.scope in ("team", "worker") and spec.burst_key == scope_column(spec, person.scope):
        return person.key
    return CUSTOM


def slice_definition(spec: Definition, person: Person) -> Definition:
    """The definition a custom copy is rendered with: the partner column subset, the slice in the title."""
    update: dict = {"title": f"{spec.title}: {person.label}", "burst_key": None, "burst_label": None}
    if person.scope == "agency":
        allowed = set(partner_columns(spec))
        columns = [c for c in spec.columns if c.name in allowed]
        # hidden partner columns stay hidden; RAG links to columns the partner cannot see are dropped
        columns = [c.model_copy(update={"rag": c.rag if c.rag in allowed else None}) for c in columns]
        summaries = [s for s in spec.summaries
                     if (s.group_by is None or s.group_by in allowed) and (s.where is None or s.where in allowed)
                     and all((m.column is None or m.column in allowed) and (m.where is None or m.where in allowed)
                             for m in s.measures)]
        update |= {"columns": columns, "summaries": summaries}
    return spec.model_copy(update=update)


def definition_for(report, spec: Definition):
    """A ReportDefinition carrying `spec` (same files, hashes and template folder)."""
    return replace(report, spec=spec)
