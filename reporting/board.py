"""The MI board: for a window of days, every report run due, how it went and who was sent what.

One function (`board`) feeds `mi board`, the board page inside Airflow (`reporting/board_plugin.py`)
and its JSON. It reads what the runs leave behind, whoever ran them (Airflow or `mi run`):

    due         the reports' timetables (the run dates in the window and the period each covers)
    run state   the archive: `run.json` (recorded), `manifest.json` (rendered), `.staging/quality.json`
                (the gate's findings: a critical one holds the report)
    deliveries  the delivery ledger, per recipient: sent, refused, failed, empty, in flight; and the
                copies queued for the day's staff digest that have not gone yet (`digest_queue`)

Rows are ordered for the performance team: held by data quality first, then not run although due
(late), then failed or incomplete deliveries, then the rest. Labels and counts only: team names,
staff addresses and check names, never a child.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pendulum

from reporting import archive, settings
from reporting.definitions import Catalogue, load_catalogue
from reporting.delivery import digest_queue
from reporting.delivery.ledger import Ledger
from reporting.schedules.timetables import ReportingPeriodTimetable, local_tz
from reporting.schedules.year import timetable_runs

ORDER = {"held": 0, "late": 1, "not delivered": 2, "incomplete": 3, "due": 4, "ready": 5}


@dataclass
class Recipient:
    recipient: str
    slice: str  # the team's or service's name where known
    kind: str  # report, password, notice
    state: str  # sent, rejected, failed, empty, sending
    why: str | None


@dataclass
class BoardRow:
    report_id: str
    title: str
    cadence: str
    due_at: str  # ISO datetime, Europe/London
    period_start: str
    period_end: str
    status: str  # held | late | not delivered | incomplete | due | ready
    rows: int | None
    critical: list[str] = field(default_factory=list)  # failing critical checks, "label: n row(s)"
    warnings: int = 0
    # state -> count of report e-mails; "queued": copies in the staff digest queue, not sent yet
    deliveries: dict[str, int] = field(default_factory=dict)
    recipients: list[Recipient] = field(default_factory=list)
    folder: str = ""

    def as_json(self) -> dict:
        return asdict(self)


def board(since: date, until: date, *, now: datetime | None = None, catalogue: Catalogue | None = None,
          slice_name: Callable[[str], str] | None = None) -> list[BoardRow]:
    """Every report run due from `since` to `until` (inclusive), most urgent first."""
    catalogue = catalogue or load_catalogue()
    tz = local_tz()
    start = pendulum.datetime(since.year, since.month, since.day, tz=tz)
    end = pendulum.datetime(until.year, until.month, until.day, tz=tz).add(days=1)
    moment = pendulum.instance(now) if now else pendulum.now(tz)
    name = slice_name or (lambda slice_id: slice_id)
    ledger = Ledger()
    try:
        rows = []
        for report_id in sorted(catalogue.reports):
            spec = catalogue.reports[report_id].spec
            timetable = ReportingPeriodTimetable(spec.cadence, spec.due_working_day)
            for run_at, interval in timetable_runs(timetable, start, end):
                period_start = interval.start.in_timezone(tz).date()
                period_end = interval.end.in_timezone(tz).subtract(days=1).date()
                entries = ledger.entries(report_id, period_end.isoformat())
                queued = digest_queue.waiting(report_id, period_end.isoformat(), ledger)
                rows.append(_row(report_id, spec.title, spec.cadence, run_at.in_timezone(tz), period_start,
                                 period_end, entries, moment, name, queued))
    finally:
        ledger.dispose()
    return sorted(rows, key=lambda r: (ORDER[r.status], r.due_at, r.report_id))


def _row(report_id: str, title: str, cadence: str, run_at, period_start: date, period_end: date,
         entries: list[dict], now, name: Callable[[str], str], queued: int = 0) -> BoardRow:
    folder = archive.period_dir(report_id, period_end.isoformat())
    manifest = _json(folder / archive.MANIFEST)
    recorded = _json(folder / "run.json")
    quality = _json(folder / ".staging" / "quality.json")
    findings = (quality or {}).get("findings") or []
    critical = [f"{f['check']}: {f['failing_rows']} row(s)" for f in findings if f.get("severity") == "critical"]
    reports = [e for e in entries if e["kind"] == "report"]
    counts = Counter(e["state"] for e in reports)
    recipients = [Recipient(e["recipient"], name(e["slice_id"]), e["kind"], e["state"], e["last_error"])
                  for e in entries]
    if critical and manifest is None:
        status = "held"
    elif manifest is None:
        # late as the deadline alert counts it: MI_DEADLINE_HOURS after the run was due
        status = "late" if run_at.add(hours=settings.current().deadline_hours) < now else "due"
    elif counts["rejected"] or counts["failed"]:
        status = "not delivered"
    elif counts["sending"] or (recorded is not None and recorded.get("status") != "ready"):
        status = "incomplete"
    else:
        status = "ready"
    rows = (recorded or {}).get("rows", (manifest or {}).get("rows"))
    return BoardRow(report_id, title, str(cadence), run_at.isoformat(), period_start.isoformat(),
                    period_end.isoformat(), status, rows, critical, len(findings) - len(critical),
                    {state: counts[state] for state in ("sent", "rejected", "failed", "empty", "sending")}
                    | {"queued": queued}, recipients, str(folder))


def _json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def slice_names() -> Callable[[str], str]:
    """slice id -> what a reader calls it ("team-T-FIT01" -> "Family Intervention Team 1 (team)");
    the id itself when the case database cannot be read."""
    from reporting.casedb import readonly
    from reporting.delivery.recipients import load_directory

    try:
        engine = readonly.case_engine()
        try:
            directory = load_directory(engine)
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - the names are a courtesy: the ids still identify each slice
        return lambda slice_id: slice_id

    def name(slice_id: str) -> str:
        scope, _, key = slice_id.partition("-")
        if scope in ("team", "service") and key:
            return f"{directory.label(key)} ({scope})"
        return slice_id

    return name


def digest(rows: list[BoardRow], since: date, until: date) -> tuple[str, list[str]]:
    """The weekly digest e-mail's subject and lines: what needs the performance team first, then a
    count of what went to plan."""
    counts = Counter(r.status for r in rows)
    summary = ", ".join(f"{counts[s]} {s}" for s in ORDER if counts[s]) or "no report due"
    subject = f"[MI] Report runs {since:%-d %b} to {until:%-d %b %Y}: {summary}"
    lines = [f"Report runs due {since:%-d %b %Y} to {until:%-d %b %Y}: {summary}.", ""]
    for r in rows:
        if r.status == "ready":
            continue
        d = r.deliveries
        lines.append(f"{r.status.upper()}: {r.title} ({r.report_id}), period {r.period_start} to {r.period_end}")
        if r.critical:
            lines.append(f"    held by: {'; '.join(r.critical)}")
        if d["rejected"] or d["failed"]:
            lines.append(f"    {d['sent']} sent, {d['rejected']} refused, {d['failed']} failed")
            lines += [f"    {p.recipient} ({p.slice}): {p.state}{': ' + p.why if p.why else ''}"
                      for p in r.recipients if p.state in ("rejected", "failed")]
    ready = [r for r in rows if r.status == "ready"]
    queued = sum(r.deliveries["queued"] for r in rows)
    lines += ["", f"{len(ready)} run(s) went to plan: {sum(r.deliveries['sent'] for r in ready)} e-mails sent."]
    if queued:
        copies = "1 report copy is" if queued == 1 else f"{queued} report copies are"
        lines += [f"{copies} waiting for the staff digest (the mi_staff_digest DAG sends them)."]
    lines += ["", "The board: Airflow > Browse > MI board, or `mi board --since "
              f"{since.isoformat()}`. What to do: docs/operations.md."]
    return subject, lines


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
