"""The bodies of the report DAG's tasks, as plain functions (no Airflow needed to call them).

extract (+ plan) -> check_quality -> render (per batch of slices) -> deliver (per batch) -> record

extract resolves the recipients and plans every copy (reporting.plan); check_quality counts the
gate's findings for each copy; render makes the copies of its batch (burst slices laid out as one
burst document, or the whole report with the service, partner and school copies); deliver only
claims and sends them.

Rules every function keeps:

* Child-level rows never leave these functions: they go to the staging file or the archive,
  and what is returned (pushed to XCom, logged) is paths, counts, slice keys and hashes.
* Each is safe to retry: it writes to a temporary name and renames it into place, and the same
  inputs give the same outputs (`generated_at` is the extract time kept in the staging file, so
  a re-rendered PDF is byte-identical and the content hash never changes).

Staging: `<archive>/<id>/<period_end>/.staging/extract.json` (0600) holds the typed rows of
one extract and the planned assignments (recipients and the positions of their rows);
`quality.json` beside it the gate's findings for the whole report and for each copy. Rendered
output lands where `reporting.archive.period_dir` says: the whole report in the period folder
itself, each burst slice in `slices/<key>/`, each custom copy in `deliveries/<slice>/`, each with
its manifest.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from reporting import archive
from reporting.casedb import readonly
from reporting.definitions import ReportDefinition, load_catalogue

STAGING = ".staging"
EXTRACT_FILE = "extract.json"
RUN_FILE = "run.json"
DELIVERIES = "deliveries"
QUALITY_FILE = "quality.json"  # the gate's findings, beside the staged extract


# ---- helpers -------------------------------------------------------------------------------------
def definition(report_id: str) -> ReportDefinition:
    return load_catalogue().get(report_id)


def _iso(value: date | str) -> str:
    """An ISO date from a date, a datetime or an ISO string; anything else is refused, not trimmed."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError("expected an ISO date (YYYY-MM-DD) for the reporting period") from None


def period_from_interval(start: datetime, end: datetime) -> tuple[str, str, str]:
    """(period_start, period_end, as_at) as ISO dates from an Airflow data interval.

    The interval is `[period start 00:00, day after period end 00:00)` in the reporting timezone.
    as_at is the period's last day, exactly as `mi run` binds it, so a DAG run and a command-line
    run of the same period give the same figures.
    """
    from datetime import timedelta

    import pendulum

    from reporting.schedules.timetables import local_tz

    tz = local_tz()
    first = pendulum.instance(start).in_timezone(tz).date()
    after = pendulum.instance(end).in_timezone(tz).date()
    last = after - timedelta(days=1) if after > first else first
    return first.isoformat(), last.isoformat(), last.isoformat()


def staging_dir(report_id: str, period_end: str) -> Path:
    return archive.period_dir(report_id, _iso(period_end)) / STAGING


def _write_private(path: Path, payload: Any) -> None:
    """Write JSON owner-only (0600) under a temporary name, fsync, rename into place."""
    archive.private_mkdir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True, default=_json_default)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def _read_staging(report: ReportDefinition, staging: str | Path):
    """The staged extract with its rows re-typed per the definition's columns."""
    from reporting.extract import Extract, bad_value, typed_value
    from reporting.schedules.periods import Period

    data = json.loads(Path(staging).read_text(encoding="utf-8"))
    if data["report_id"] != report.id:
        raise ValueError(f"{staging} holds an extract of {data['report_id']}, not {report.id}")
    kinds = {c.name: c.type for c in report.spec.columns}
    try:
        rows = [{name: typed_value(row.get(name), kinds[name]) for name in data["columns"]} for row in data["rows"]]
    except (ValueError, TypeError):
        raise bad_value(f"staged extract {staging}", data["rows"], data["columns"], kinds,
                        lambda row, name: row.get(name)) from None
    period = Period(date.fromisoformat(data["period_start"]), date.fromisoformat(data["period_end"]))
    return data, Extract(data["columns"], rows, data["seconds"], data.get("sample")), period


def _staged_plan(report: ReportDefinition, data: dict, rows: list[dict]):
    """The run's plan from the assignments extract staged."""
    from reporting.plan import from_json, plan_run

    if "assignments" not in data:
        raise ValueError(f"{report.id}: the staged extract holds no plan of recipients; run the extract task again")
    return plan_run(report, rows, from_json(report, rows, data["assignments"]))


# ---- tasks ---------------------------------------------------------------------------------------
def extract(report_id: str, period_start: date | str, period_end: date | str,
            as_at: date | str | None = None) -> dict:
    """Run the report's SQL for the period; stage the typed rows; return path, count and slices."""

    from reporting.extract import run_extract
    from reporting.plan import assign, plan_run, to_json

    report = definition(report_id)
    start, end = date.fromisoformat(_iso(period_start)), date.fromisoformat(_iso(period_end))
    as_at_date = date.fromisoformat(_iso(as_at)) if as_at is not None else end
    engine = readonly.case_engine()
    try:
        result = run_extract(report, engine, period_start=start, period_end=end, as_at=as_at_date)
        # recipients are resolved here, with the rows: every later task works from this plan
        assignments = assign(report, result.rows, as_at_date, engine)
    finally:
        engine.dispose()
    run_plan = plan_run(report, result.rows, assignments)
    slices = run_plan.slices
    path = staging_dir(report_id, end.isoformat()) / EXTRACT_FILE
    _write_private(path, {
        "report_id": report_id, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "as_at": as_at_date.isoformat(), "columns": result.columns, "rows": result.rows,
        "seconds": round(result.seconds, 3), "slices": slices, "sample": result.sample,
        "extracted_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "definition_hash": report.definition_hash, "sql_hash": report.sql_hash,
        "assignments": to_json(assignments),
    })
    return {"staging": str(path), "rows": len(result.rows), "slices": slices,
            # the whole report, then one entry per slice (what `render` and `deliver` take)
            "targets": [None, *slices],
            # what the DAG's render and deliver tasks are mapped over: the whole report, then the
            # slices in groups laid out together (`render_batch`)
            "batches": [[None], *slice_batches(report, run_plan)],
            "period_start": start.isoformat(), "period_end": end.isoformat()}


def slice_batches(report: ReportDefinition, run_plan) -> list[list[str]]:
    """The burst slices in groups of at most `burst.MAX_ROWS` list rows as their PDFs show them
    (capped as `runner.pdf_row_cap` caps them): each group is one render task, laid out as one
    burst document (reporting.render.burst), and one deliver task."""
    from reporting import settings
    from reporting.render import burst
    from reporting.runner import pdf_row_cap

    cap = pdf_row_cap(report.spec, list(settings.output_formats() or report.spec.outputs))
    copies = {copy.target: copy for copy in run_plan.copies}
    sizes = [len(copies[key].rows) if not cap else min(len(copies[key].rows), cap) for key in run_plan.slices]
    return [[run_plan.slices[i] for i in group] for group in burst.batches(sizes, burst.MAX_ROWS)]


def check_quality(report_id: str, staging: str | Path) -> dict:
    """The data-quality gate (GX) on the staged rows; critical failures stop the run before render.

    The findings (labels and counts, no row values) go to `quality.json` beside the staging file
    whatever the outcome, for the whole report and counted on each planned copy's own rows, so
    `render` shows each copy its own and a failed run still shows why.
    """
    from reporting.plan import copy_findings
    from reporting.quality import gate

    report = definition(report_id)
    data, staged, _ = _read_staging(report, staging)
    findings = gate.assess(report, staged.rows)
    copies = {copy.key: copy_findings(copy, findings) for copy in _staged_plan(report, data, staged.rows).copies}
    whole = findings.whole()
    _write_private(Path(staging).with_name(QUALITY_FILE), {"findings": whole, "copies": copies})
    gate.passed(findings)
    return {"findings": len(whole), "critical": 0,
            "warnings": [f"{f['check']}: {f['failing_rows']} row(s)" for f in whole]}


def render(report_id: str, staging: str | Path, slice_key: str | None = None) -> dict:
    """Render one burst slice, or (slice_key None) the whole report and its service, partner and
    school copies, into the archive, atomically, each with the gate's findings for its rows."""
    return render_batch(report_id, staging, [slice_key])[0]


def render_batch(report_id: str, staging: str | Path, slice_keys: list[str | None]) -> list[dict]:
    """What the DAG's mapped render task does with one of extract's `batches`: `[None]` renders the
    whole report and its service, partner and school copies; a list of burst slices renders them
    together, their PDFs from one burst document (a failure removes every copy of the batch, and
    the retry renders them all again). One result per key, as `render` returns it."""
    from reporting.runner import render_copies

    if None in slice_keys and slice_keys != [None]:
        raise ValueError(f"{report_id}: the whole report is rendered in a batch of its own, not with slices")
    report = definition(report_id)
    data, staged, period = _read_staging(report, staging)
    quality = Path(staging).with_name(QUALITY_FILE)
    if not quality.exists():
        raise FileNotFoundError(f"{quality}: the data-quality gate has not run on this extract; "
                                "run check_quality before render")
    findings = json.loads(quality.read_text(encoding="utf-8"))["copies"]
    as_at = date.fromisoformat(data["as_at"])
    generated_at = datetime.fromisoformat(data["extracted_at"])
    # each copy is built in a scratch folder of its own and renamed into place: two runs of the
    # same period at once (a manual trigger during the scheduled run) cannot delete each other's
    # half-built output, and a killed attempt's scratch is swept by `record` and by retention.
    run_plan = _staged_plan(report, data, staged.rows)
    if slice_keys == [None]:  # the whole report (listed first), its custom copies laid out as one burst
        groups = [run_plan.copies_for(None)]
    else:  # one copy per slice, laid out together
        groups = [run_plan.copies_for(key) for key in slice_keys]
        if any(len(group) != 1 for group in groups):
            unknown = [key for key, group in zip(slice_keys, groups, strict=True) if len(group) != 1]
            raise ValueError(f"{report_id}: no burst slice {unknown} in the staged plan {staging}; run extract again")
    copies = [copy for group in groups for copy in group]
    results = render_copies(copies, period, as_at, findings_for=lambda copy: findings[copy.key],
                            generated_at=generated_at)
    # each key's own copy is at its position: the whole report first, or the slices in order
    return [{"folder": str(archive.period_dir(report_id, period.end.isoformat(), key)), "slice": key,
             "slice_label": slice_label(report, copies[n]), "rows": results[n].rows,
             "content_hash": results[n].content_hash, "outputs": sorted(results[n].outputs),
             "period_end": period.end.isoformat(), "findings": len(results[n].data_quality),
             "copies": len(results) - 1 if key is None else 0}
            for n, key in enumerate(slice_keys)]


def batch_label(labels: list[str]) -> str:
    """What the Airflow UI names a mapped render or deliver task of a batch: its teams' or workers'
    names, the first three and how many more (the UI's map-index label is short)."""
    if len(labels) <= 3:
        return ", ".join(labels)
    return f"{', '.join(labels[:3])} and {len(labels) - 3} more"


def slice_label(report: ReportDefinition, copy) -> str:
    """What the Airflow UI names a mapped render or deliver task: the team's or worker's name (staff
    and organisation names, never a child's), or "whole report" (with the service and partner copies)."""
    if copy.target is None:
        return "whole report"
    column = report.spec.burst_label or report.spec.burst_key
    return str(copy.rows[0][column]) if copy.rows and copy.rows[0].get(column) else str(copy.target)


def deliver(report_id: str, rendered: dict) -> dict:
    """Send this rendered target's recipients their copies, through the delivery ledger.

    The mapped deliver tasks partition the recipients as render partitions the copies: a burst
    slice's task sends that slice to the people it serves; the whole report's task sends the whole
    report and the service, partner and school copies. Nothing is rendered here. A retry sends
    only what the ledger has not got as sent. Returns counts; raises when a temporary failure is
    left, or a recipient is still claimed by another attempt (a dead one holds its claim until the
    lease ends), so Airflow retries with back-off.
    """

    from reporting.delivery import digest_queue
    from reporting.delivery.deliver import Due, deliver_period

    report = definition(report_id)
    key = rendered.get("slice")
    staging = staging_dir(report_id, rendered["period_end"]) / EXTRACT_FILE
    data, staged, period = _read_staging(report, staging)
    due: list[Due] = []  # staff who take a digest: queued for the day's mi_staff_digest run
    counts = deliver_period(_staged_plan(report, data, staged.rows), period, target=key, digest=due)
    if due:
        digest_queue.put(report_id, rendered["period_end"], key, due)
    marker = archive.period_dir(report_id, rendered["period_end"]) / DELIVERIES / (
        "_all.json" if key is None else f"slice-{key}.json")
    entry = {"report_id": report_id, "period_end": rendered["period_end"], "slice": key,
             "folder": rendered["folder"], "rows": rendered["rows"],
             "content_hash": rendered["content_hash"], "status": "ready", "sent": counts["sent"],
             "delivery": counts}
    _write_private(marker, entry)
    if counts["failed"]:
        raise RuntimeError(f"{report_id} {rendered['period_end']}: {counts['failed']} delivery(ies) failed "
                           f"temporarily ({counts['sent']} sent); the retry sends only those")
    if counts["in_progress"]:
        # claimed by an attempt that died mid-send (its lease runs out) or by a concurrent worker:
        # not known to have gone, so the task is not done; a retry after the lease sends them
        raise RuntimeError(f"{report_id} {rendered['period_end']}: {counts['in_progress']} delivery(ies) "
                           f"still claimed by another attempt ({counts['sent']} sent); retrying to finish them")
    return entry


def deliver_batch(report_id: str, rendered: list[dict]) -> list[dict]:
    """`deliver` for each result of one `render_batch`. Every slice is tried before the task
    raises, so a refused or dropped send to one team does not hold back the next; the retry sends
    only what the ledger has not got as sent."""
    delivered, left = [], []
    for item in rendered:
        try:
            delivered.append(deliver(report_id, item))
        except RuntimeError as error:  # a temporary failure or a claim held elsewhere: retried
            left.append(f"slice {item['slice']}: {error}")
    if left:
        raise RuntimeError(f"{report_id}: {len(left)} of {len(rendered)} slice(s) not yet delivered to everyone "
                           f"(the retry sends only those): " + "; ".join(left))
    return delivered


def send_digests(run_date: date | str) -> dict:
    """The `mi_staff_digest` task: every queued digest send (reporting.delivery.digest_queue) in one
    e-mail per person, through the ledger; what went leaves the queue. Returns counts only (XCom);
    raises when a send failed or is still claimed elsewhere, so Airflow retries just those."""
    from reporting.delivery import digest_queue
    from reporting.delivery.deliver import deliver_digests
    from reporting.delivery.ledger import Ledger

    day = date.fromisoformat(_iso(run_date))
    queued = list(digest_queue.pending())
    due = [d for _, items in queued for d in items]
    if not due:
        return {"run_date": day.isoformat(), "queued": 0, "recipients": 0, "digests": 0, "left": 0}
    ledger = Ledger()
    try:
        result = deliver_digests(due, day, ledger=ledger)
        left = sum(not digest_queue.settle(path, items, ledger) for path, items in queued)
    finally:
        ledger.dispose()
    summary = {"run_date": day.isoformat(), "queued": len(due), "recipients": result["recipients"],
               "digests": result["digests"], "left": left}
    if left:
        raise RuntimeError(f"staff digest {day}: {left} report(s) not yet sent to everyone owed them "
                           f"({result['digests']} digest(s) sent); the retry sends only those")
    return summary


def record(report_id: str, results: list[dict] | Any) -> dict:
    """Write `run.json` in the period folder with the per-slice results (a batch's results as one
    list, as the mapped deliver tasks return them, or flat); return a summary."""
    flat = [entry for result in results for entry in (result if isinstance(result, list) else [result])]
    results = sorted((dict(r) for r in flat), key=lambda r: ("" if r.get("slice") is None else str(r["slice"])))
    if not results:
        raise ValueError(f"{report_id}: nothing was rendered, so there is nothing to record")
    period_end = _iso(results[0]["period_end"])
    whole = next((r for r in results if r.get("slice") is None), None)
    summary = {
        "report_id": report_id, "period_end": period_end,
        "rows": whole["rows"] if whole else sum(r["rows"] for r in results),
        "slices": sum(r.get("slice") is not None for r in results),
        "content_hash": whole["content_hash"] if whole else None,
        "status": "ready" if all(r.get("status") == "ready" for r in results) else "incomplete",
        "results": results,
    }
    folder = archive.period_dir(report_id, period_end)
    _write_private(folder / RUN_FILE, summary)
    archive.sweep_work_folders(folder.parent)  # scratch of killed attempts (beside the period folder)
    return {k: v for k, v in summary.items() if k != "results"} | {"run_file": str(folder / RUN_FILE)}
