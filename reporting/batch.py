"""Run many reports for one date: which are due, each for its latest complete period.

A failure in one report is recorded and the others carry on; the caller decides the exit
code. The index page links every output so the performance team can open them in one place.
"""

from __future__ import annotations

import html
import logging
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from reporting.definitions import Catalogue, ReportDefinition
from reporting.schedules.periods import Period, due_date, latest_complete_period, reports_due_on
from reporting.text import written_date

log = logging.getLogger(__name__)


@dataclass
class BatchItem:
    report_id: str
    title: str
    period: Period | None
    status: str  # ok | warning | failed
    rows: int | None = None
    outputs: dict[str, str] | None = None
    error: str | None = None
    delivery: dict | None = None  # counts from reporting.delivery (None: not delivered)
    seconds: dict[str, float] | None = None  # extract, quality, render (with --deliver: every copy), deliver
    due: list | None = None  # reporting.delivery.deliver.Due: what the run's digests carry (not in the JSON)

    def as_json(self) -> dict:
        return {"id": self.report_id, "status": self.status, "rows": self.rows, "delivery": self.delivery,
                "seconds": self.seconds,
                "period_start": self.period.start.isoformat() if self.period else None,
                "period_end": self.period.end.isoformat() if self.period else None,
                "outputs": self.outputs or {}, "error": self.error}


def select_reports(catalogue: Catalogue, run_date: date, *, cadence: str | None = None,
                   everything: bool = False) -> list[tuple[ReportDefinition, Period]]:
    """Reports to run on `run_date`: those due that day, or a whole cadence, or all of them."""
    reports = list(catalogue.reports.values())
    if everything or cadence:
        chosen = [d for d in reports if everything or d.spec.cadence == cadence]
        return [(d, latest_complete_period(d.spec.cadence, run_date)) for d in chosen]
    schedules = [(d.id, d.spec.cadence, d.spec.due_working_day) for d in reports]
    due = dict(reports_due_on(run_date, schedules))
    return [(d, due[d.id]) for d in reports if d.id in due]


def run_batch(selection: list[tuple[ReportDefinition, Period]], engine: Engine, *,
              formats: list[str] | None = None, on_done=None, deliver: bool = False,
              jobs: int = 1, run_date: date | None = None) -> list[BatchItem]:
    """Run each report; with `deliver`, send each recipient their slice (reporting.delivery).

    With `jobs` > 1 each report (extract -> gate -> render -> deliver) runs in a worker process,
    `jobs` at a time: WeasyPrint is single-threaded and keeps its memory until its process ends.
    `on_done` is called as reports finish; the list returned is always in `selection` order.

    Delivering, staff whose roles take a digest (config/mail.yml `digest`) are not sent each report
    as it finishes: when every report has run, each gets ONE e-mail (`deliver_digests`) with the
    reports of this run owed to them, dated `run_date` (default: the latest period end). Each
    report's counts then include its part of the digests.
    """
    from reporting import settings
    from reporting.indicators.run_figures import shared_for_this_run

    url = _shareable_url(engine)
    in_workers = jobs > 1 and len(selection) > 1 and url is not None
    # the overviews of this run share indicator figures (worker processes too: MI_RUN_FIGURES)
    with shared_for_this_run(settings.var_dir()):
        if in_workers and url is not None:
            items = _run_parallel(selection, url, formats, deliver, jobs, on_done)
        else:
            items = []
            for definition, period in selection:
                item = _run_one(definition, period, engine, formats, deliver)
                items.append(item)
                if on_done:
                    on_done(item)
    if deliver:
        # from the workers' fork server, already started (alone, a few ms of work would wait on its start)
        _send_digests(items, run_date, jobs if in_workers else 1)
    return items


def _send_digests(items: list[BatchItem], run_date: date | None, jobs: int) -> None:
    """The run's digests, then each report's status again with its part of them counted."""
    from reporting.delivery.deliver import deliver_digests

    due = [d for item in items for d in (item.due or [])]
    if not due:
        return
    when = run_date or max(d.period.end for d in due)
    try:
        result = _digests_in_parts(due, when, jobs) if jobs > 1 else deliver_digests(due, when)
    except Exception as error:  # noqa: BLE001 - the reports are rendered; say which ones went unsent
        for item in items:
            if item.due:
                item.status, item.error = "failed", f"digest: {type(error).__name__}: {error}"
        return
    for item in items:
        counts = result["reports"].get(item.report_id)
        if counts is None or item.delivery is None:
            continue
        item.delivery = {name: item.delivery.get(name, 0) + (0 if name in ("recipients", "in_digest") else value)
                         for name, value in counts.items()}
        _delivery_status(item)


def _digests_in_parts(due: list, when: date, jobs: int) -> dict:
    """The digests sent by `jobs` worker processes at once, each for a part of the recipients.

    Nothing else runs once the last report is done, and building the digests is mostly the e-mail
    library's MIME and base64 work: from the run's own process alone it took the last 12 s of a
    camden cycle on one core (7 s on two). Each recipient's digest is still one message from one
    process; the ledger keeps a retried or parallel send from sending a report twice. Each part has
    a pool of its own, as each report slot has (`_run_parallel`): a worker that dies fails its part
    only, what it had not finished counted `failed` to go on the next run (what it had sent or had
    refused is read back from the ledger). The notices of refusals are sent once every part is
    done, once per report, whatever else happened; then an error raised in a part, or by the
    notices, is raised, as `deliver_digests` raises it in one process.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from reporting.delivery.deliver import COUNTS, deliver_digests, digest_recipients, notify_digest_refusals

    parts = digest_parts(due, jobs)
    if len(parts) < 2:
        return deliver_digests(due, when)
    context, env = _worker_context(), _pipeline_env()
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=context) for _ in parts]
    results, raised = [], None
    try:
        futures = [pool.submit(_digests_in_worker, part, when, env) for pool, part in zip(pools, parts, strict=True)]
        for future, part in zip(futures, parts, strict=True):
            try:
                results.append(future.result())
            except BrokenProcessPool:  # the worker died (e.g. out of memory): what it left is unsent
                log.error("digests to %d recipient(s) not all sent: their worker process died",
                          len(digest_recipients(part)))
                results.append({"recipients": len(digest_recipients(part)), "digests": 0,
                                "reports": _as_recorded(part)})
            except Exception as error:  # noqa: BLE001 - raised once the other parts are done
                raised = raised or error
    finally:
        for pool in pools:
            pool.shutdown(wait=True)
    reports: dict[str, dict[str, int]] = {}
    for result in results:
        for report_id, counts in result["reports"].items():
            total = reports.setdefault(report_id, dict.fromkeys(COUNTS, 0))
            for name, value in counts.items():
                total[name] += value
    for item in due:  # a report whose part raised has no counts of its own; its notice may still be owed
        reports.setdefault(item.report.id, dict.fromkeys(COUNTS, 0))
    notify_digest_refusals(due, reports)
    if raised is not None:
        raise raised
    return {"recipients": sum(r["recipients"] for r in results), "digests": sum(r["digests"] for r in results),
            "reports": reports}


def digest_parts(due: list, jobs: int) -> list[list]:
    """`due` in at most `jobs` parts of whole recipients, about the same number of reports each:
    the largest digests first, each to the part with the fewest reports so far."""
    from reporting.delivery.deliver import digest_recipients

    groups = sorted(digest_recipients(due).values(), key=len, reverse=True)
    parts: list[list] = [[] for _ in range(min(jobs, len(groups)))]
    for group in groups:
        min(parts, key=len).extend(group)
    return parts


def _as_recorded(part: list) -> dict[str, dict[str, int]]:
    """A dead worker's part, counted from the ledger: what it sent is sent, what the server refused
    for good is rejected, the rest (never claimed, or claimed and left) failed, to go next run."""
    from reporting.delivery.ledger import Ledger

    outcome = {"sent": "sent", "rejected": "rejected"}
    counts: dict[str, dict[str, int]] = {}
    ledger = Ledger()
    try:
        for due in part:
            name = outcome.get(ledger.state(due.key) or "", "failed")
            per_report = counts.setdefault(due.report.id, {})
            per_report[name] = per_report.get(name, 0) + 1
    finally:
        ledger.dispose()
    return counts


def _digests_in_worker(part: list, when: date, env: dict[str, str]) -> dict:
    from reporting.delivery.deliver import deliver_digests

    _use_env(env)
    return deliver_digests(part, when, notify_refusals=False)


def _delivery_status(item: BatchItem) -> None:
    delivery = item.delivery
    if delivery and (delivery["failed"] or delivery["rejected"] or delivery["in_progress"]):
        item.status = "failed"
        item.error = (f"delivery: {delivery['failed']} failed, {delivery['rejected']} rejected, "
                      f"{delivery['in_progress']} claimed by another attempt")


# A worker process runs this many reports, then is replaced, returning WeasyPrint's memory.
# Forking a new worker from the preloaded fork server costs ~50 ms, so a small figure is cheap.
TASKS_PER_CHILD = 4
# Imported once in the fork server, so each worker starts with them loaded: WeasyPrint ~1.5 s,
# Great Expectations (the quality gate) several seconds, per worker otherwise.
_PRELOAD = ["reporting.batch", "reporting.runner", "reporting.extract", "reporting.quality.gate",
            "reporting.delivery.deliver", "reporting.publish", "weasyprint", "pandas", "great_expectations",
            "great_expectations.expectations",
            # matplotlib takes ~1.4 s to import: once here, not in each worker that draws a chart
            "reporting.render.charts", "reporting.render.trend_chart"]


def _worker_context():
    """Worker processes forked from one server with _PRELOAD already imported."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _pipeline_env() -> dict[str, str]:
    """The pipeline's settings (MI_*), passed with each task: the fork server outlives one call
    and keeps the environment it started with, so workers must be given the caller's current ones."""
    return {k: v for k, v in os.environ.items() if k.startswith("MI_")}


def _use_env(env: dict[str, str]) -> None:
    for key in [k for k in os.environ if k.startswith("MI_") and k not in env]:
        del os.environ[key]
    os.environ.update(env)


def _run_parallel(selection, url: str, formats, deliver: bool, jobs: int, on_done) -> list[BatchItem]:
    """`jobs` worker slots, each a one-process pool replaced after TASKS_PER_CHILD reports.

    Not `ProcessPoolExecutor(max_tasks_per_child=...)`: on Python 3.11-3.13 it deadlocks once a
    worker retires with tasks still queued (CPython gh-115634). One pool per slot also means a
    worker that dies (e.g. out of memory) fails only its own report; the slot gets a new pool.
    """
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = _worker_context()
    env = _pipeline_env()
    items: list[BatchItem | None] = [None] * len(selection)
    queue = deque(enumerate(selection))
    slots: list[list] = [[None, 0] for _ in range(min(jobs, len(selection)))]  # [pool, reports run]
    running: dict = {}

    def start_next(slot: int) -> None:
        if not queue:
            return
        pool, used = slots[slot]
        if pool is None or used >= TASKS_PER_CHILD:
            if pool is not None:
                pool.shutdown(wait=False)  # its idle process exits; memory goes back to the OS
            pool, used = ProcessPoolExecutor(max_workers=1, mp_context=context), 0
        slots[slot] = [pool, used + 1]
        n, (definition, period) = queue.popleft()
        running[pool.submit(_run_in_worker, definition, period, url, formats, deliver, env)] = (n, slot)

    try:
        for slot in range(len(slots)):
            start_next(slot)
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                n, slot = running.pop(future)
                try:
                    item = future.result()
                except Exception as error:  # noqa: BLE001 - the worker died (e.g. out of memory)
                    definition, period = selection[n]
                    item = BatchItem(definition.id, definition.spec.title, period, "failed",
                                     error=f"worker process: {type(error).__name__}: {error}")
                    slots[slot][0].shutdown(wait=False)
                    slots[slot] = [None, 0]
                items[n] = item
                if on_done:
                    on_done(item)
                start_next(slot)
    finally:
        for pool, _ in slots:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    return [item for item in items if item is not None]


def _shareable_url(engine: Engine) -> str | None:
    """The engine's URL for worker processes to connect with; None for an in-memory database."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


_worker_engines: dict[str, Engine] = {}


def _run_in_worker(definition: ReportDefinition, period: Period, url: str, formats, deliver: bool,
                   env: dict[str, str]) -> BatchItem:
    _use_env(env)
    if url not in _worker_engines:  # one engine (connection pool) per worker process, reused
        from reporting.casedb import readonly

        _worker_engines[url] = readonly.case_engine(url)
    return _run_one(definition, period, _worker_engines[url], formats, deliver)


def _run_one(definition: ReportDefinition, period: Period, engine: Engine, formats, deliver: bool) -> BatchItem:
    try:
        due: list = []
        result, delivery, seconds = _run_and_deliver(definition, engine, period, formats, deliver, due)
        item = BatchItem(definition.id, definition.spec.title, period, "warning" if result.data_quality else "ok",
                         result.rows, result.outputs, delivery=delivery, seconds=seconds, due=due)
        _delivery_status(item)
        return item
    except Exception as error:  # noqa: BLE001 - one broken report must not stop the others
        return BatchItem(definition.id, definition.spec.title, period, "failed",
                         error=f"{type(error).__name__}: {error}")


def _run_and_deliver(definition: ReportDefinition, engine: Engine, period: Period, formats, deliver: bool = True,
                     due: list | None = None):
    """One extract for both: the rendered whole report and every recipient's slice of the same rows.

    The data-quality gate stands between them, as in the DAG: a critical failure raises before
    anything is rendered or sent. Without delivery, critical findings are shown in the report
    instead (as `mi report run` does): only delivery is gated. Returns the render result, the
    delivery counts (None without delivery) and the seconds each stage took. `due`: a list to put
    what goes in the run's digests in (reporting.delivery.deliver.deliver_period), instead of sending it.
    """
    from reporting import archive

    with archive.period_lock(definition.id, period.end.isoformat()):  # one `mi run` of it at a time
        return _stages(definition, engine, period, formats, deliver, due)


def _stages(definition: ReportDefinition, engine: Engine, period: Period, formats, deliver: bool,
            due: list | None = None):
    from reporting.delivery.deliver import deliver_period
    from reporting.extract import run_extract
    from reporting.publish import render_period
    from reporting.quality.gate import assess, passed
    from reporting.runner import render_report

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    extract = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=period.end)
    seconds["extract"] = time.perf_counter() - started
    started = time.perf_counter()
    findings = assess(definition, extract.rows)
    if deliver:
        passed(findings)
    seconds["quality"] = time.perf_counter() - started
    delivery = None
    started = time.perf_counter()
    if deliver:
        # every copy (whole report, slices, service and partner copies) before anything is sent
        run_plan, results = render_period(definition, extract.rows, period, period.end, casedb=engine,
                                          findings=findings, formats=formats)
        result = results[0]
    else:
        result = render_report(definition, extract, period, period.end, formats=formats,
                               data_quality=findings.whole(), engine=engine)
    seconds["render"] = time.perf_counter() - started
    if deliver:
        started = time.perf_counter()
        delivery = deliver_period(run_plan, period, digest=due)
        seconds["deliver"] = time.perf_counter() - started
    return result, delivery, {name: round(value, 3) for name, value in seconds.items()}


def write_index(items: list[BatchItem], run_date: date, out_dir: Path) -> Path:
    """out/index.html: one line per report with links to each output (relative when possible)."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = []
    for item in items:
        links = " ".join(
            f'<a href="{html.escape(_rel(path, out_dir))}">{fmt.upper()}</a>'
            for fmt, path in sorted((item.outputs or {}).items()))
        period = f"{written_date(item.period.start)} to {written_date(item.period.end)}" if item.period else ""
        detail = html.escape(item.error or "") if item.status == "failed" else f"{item.rows} rows"
        lines.append(f"<tr><td>{html.escape(item.title)}</td><td>{period}</td>"
                     f"<td class='{item.status}'>{item.status}</td><td>{detail}</td><td>{links}</td></tr>")
    page = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>MI reports run on {written_date(run_date)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ccc;padding:.4em .8em;text-align:left}}.failed{{color:#b10e1e}}
.warning{{color:#8a4b00}}</style></head><body>
<h1>MI reports run on {written_date(run_date)}</h1>
<p>{len(items)} reports; {sum(i.status == 'failed' for i in items)} failed.</p>
<table><thead><tr><th scope="col">Report</th><th scope="col">Period</th><th scope="col">Status</th>
<th scope="col">Detail</th><th scope="col">Outputs</th></tr></thead><tbody>
{chr(10).join(lines)}
</tbody></table></body></html>
"""
    path = out_dir / "index.html"
    # owner-only, like the archive it links to: it lists every report, its status and its paths
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(page)
    os.chmod(path, 0o600)
    return path


def _rel(path: str, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return path


__all__ = ["BatchItem", "due_date", "run_batch", "select_reports", "write_index"]
