"""Plan a report run before anything is rendered: every copy, and who gets which.

    recipients    the staff directory, partners and schools the definition names (delivery/recipients)
    assignments   each recipient x the rows they may see (delivery/slices)
    copies        the whole report; one per burst-key value (a team, a worker); one per custom
                  slice that will be sent (a service's teams, a partner's columns, a school's pupils)
    sends         each assignment -> the copy that serves it, with that copy's content hash

Render makes every copy (`runner.render_copy`) with the gate's findings for its own rows;
delivery only claims the ledger row and sends the finished files. The Airflow tasks after
extract read the plan from `plan.json` beside the staged extract (owner-only): row positions and
the recipients' staff details, never rows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from reporting import archive, disclosure
from reporting.definitions import Definition, ReportDefinition
from reporting.delivery.recipients import Directory, PartnerDirectory, Person, load_directory, resolve
from reporting.delivery.slices import CUSTOM, definition_for, indexes_for, slice_definition, target_of, visible_rows

if TYPE_CHECKING:
    from reporting.quality.gate import Findings


@dataclass
class Assignment:
    person: Person
    rows: list[dict]  # the rows they may see (a partner: only the partner columns)
    indexes: list[int]  # where those rows are in the extract
    target: str | None  # None: the whole report; a burst key; or CUSTOM


@dataclass
class Copy:
    """One document set the run renders: the whole report, a burst slice or a custom copy."""

    target: str | None  # None: the whole report; a burst key; or CUSTOM
    slice_id: str | None  # a custom copy: the slice it was cut for (its folder under deliveries/)
    definition: ReportDefinition  # a custom copy's is cut for its slice (title, partner columns)
    rows: list[dict]
    indexes: list[int]
    external: bool  # outside the council: the encrypted PDF only
    content_hash: str

    @property
    def key(self) -> str:
        """Where it lives, relative to the period folder: "" (the whole report), slices/<key>, deliveries/<id>."""
        if self.target is None:
            return ""
        return f"deliveries/{self.slice_id}" if self.target == CUSTOM else f"slices/{self.target}"

    def folder(self, period_end: str, root: Path | None = None) -> Path:
        if self.target == CUSTOM:
            return archive.period_dir(self.definition.id, period_end, root=root) / "deliveries" / str(self.slice_id)
        return archive.period_dir(self.definition.id, period_end, self.target, root)


@dataclass
class Send:
    """One recipient's delivery: the copy that serves them (None when nothing is sent: their slice
    is empty or their address was refused) and the content hash the ledger keys it by."""

    assignment: Assignment
    copy: Copy | None
    content_hash: str

    @property
    def person(self) -> Person:
        return self.assignment.person

    @property
    def rows(self) -> int:
        return len(self.assignment.rows)

    @property
    def target(self) -> str | None:
        return self.assignment.target


ANY = object()  # every copy or send, whatever target it belongs to


@dataclass
class RunPlan:
    report: ReportDefinition
    copies: list[Copy]
    sends: list[Send]
    slices: list[str]  # the burst slices of the rows: each is an Airflow render/deliver task of its own

    def copies_for(self, target) -> list[Copy]:
        return [c for c in self.copies if self.serves(c.target, target)]

    def sends_for(self, target) -> list[Send]:
        return [s for s in self.sends if self.serves(s.target, target)]

    def serves(self, own: str | None, target) -> bool:
        """How the Airflow tasks split a run: each burst slice's task takes that slice; the whole
        report's task takes the rest (custom copies for services, partners and schools, and the
        empty slice of a team with no rows when the report sends empty ones)."""
        if target is ANY:
            return True
        if target is None:
            return own is None or own not in self.slices
        return own == target


# ---- slices --------------------------------------------------------------------------------------
def slice_keys(spec: Definition, rows: list[dict]) -> list[str]:
    """The slices of a burst report, sorted: one per distinct burst-key value.

    Rows with no value (None or blank: not allocated to a team, worker or school) are in the whole
    report only; nobody's slice is "blank"."""
    if not spec.burst_key:
        return []
    return sorted({str(r[spec.burst_key]) for r in rows
                   if r[spec.burst_key] is not None and str(r[spec.burst_key]).strip()})


def slice_indexes(spec: Definition, rows: list[dict], slice_key: str) -> list[int]:
    return [i for i, r in enumerate(rows) if str(r[spec.burst_key]) == slice_key]


# ---- planning ------------------------------------------------------------------------------------
def assign(report: ReportDefinition, rows: list[dict], as_at: date, casedb: Engine, *,
           partners: PartnerDirectory | None = None, directory: Directory | None = None) -> list[Assignment]:
    """Every recipient of the report on `as_at` with the rows they may see."""
    directory = directory or load_directory(casedb)
    people = resolve(report.spec, casedb, as_at, partners=partners, directory=directory)
    assignments = []
    for person in people:
        indexes = indexes_for(report.spec, rows, person, directory)
        assignments.append(Assignment(person, visible_rows(report.spec, rows, person, indexes), indexes,
                                      target_of(report.spec, person)))
    return assignments


def plan_run(report: ReportDefinition, rows: list[dict], assignments: list[Assignment]) -> RunPlan:
    """The copies to render and the sends to make for `assignments` over the extract `rows`."""
    spec = report.spec
    copies: dict[str, Copy] = {}

    def add(copy: Copy) -> Copy:
        return copies.setdefault(copy.key, copy)

    add(Copy(None, None, report, rows, list(range(len(rows))), False, disclosure.content_hash(spec, rows)))
    # a burst slice per key in the rows (each team's copy is archived, whoever receives it today),
    # when the burst slices serve anyone: a report burst by school sends schools encrypted copies
    # of their own instead, and plain school slices would be rendered for nobody
    slices = slice_keys(spec, rows) if any(a.target not in (None, CUSTOM) for a in assignments) else []
    for key in slices:
        add(_burst(report, rows, key, slice_indexes(spec, rows, key)))
    sends = []
    for assignment in assignments:
        person = assignment.person
        cut = slice_definition(spec, person) if assignment.target == CUSTOM else spec
        content_hash = disclosure.content_hash(cut, assignment.rows)
        copy = None
        if not person.refused and (assignment.rows or spec.send_empty):
            if assignment.target is None:
                copy = copies[""]
            elif assignment.target == CUSTOM:
                copy = add(Copy(CUSTOM, person.slice_id, definition_for(report, cut), assignment.rows,
                                assignment.indexes, person.external, content_hash))
            else:  # a burst slice (one with no rows is planned for a send_empty report)
                copy = add(_burst(report, rows, assignment.target, assignment.indexes))
        sends.append(Send(assignment, copy, content_hash))
    return RunPlan(report, list(copies.values()), sends, slices)


def _burst(report: ReportDefinition, rows: list[dict], key: str, indexes: list[int]) -> Copy:
    chosen = [rows[i] for i in indexes]
    return Copy(key, None, report, chosen, indexes, False, disclosure.content_hash(report.spec, chosen))


def copy_findings(copy: Copy, findings: Findings) -> list[dict]:
    """The gate's findings counted on the copy's rows, for the columns it shows."""
    return findings.for_rows(copy.indexes, [c.name for c in copy.definition.spec.columns])


# ---- stored with the staged extract (the Airflow tasks) ------------------------------------------
def to_json(assignments: list[Assignment]) -> list[dict]:
    """The assignments as JSON: each person and the positions of their rows (no row values)."""
    return [{"person": {**dataclasses.asdict(a.person), "roles": list(a.person.roles)},
             "indexes": a.indexes, "target": a.target} for a in assignments]


def from_json(report: ReportDefinition, rows: list[dict], stored: list[dict]) -> list[Assignment]:
    assignments = []
    for entry in stored:
        person = Person(**{**entry["person"], "roles": tuple(entry["person"]["roles"])})
        indexes = [int(i) for i in entry["indexes"]]
        assignments.append(Assignment(person, visible_rows(report.spec, rows, person, indexes), indexes,
                                      entry["target"]))
    return assignments
