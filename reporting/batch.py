"""Run many reports for one date: which are due, each for its latest complete period.

A failure in one report is recorded and the others carry on; the caller decides the exit
code. The index page links every output so the performance team can open them in one place.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from reporting.definitions import Catalogue, ReportDefinition
from reporting.runner import RenderResult, run_report
from reporting.schedules.periods import Period, due_date, latest_complete_period, reports_due_on


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

    def as_json(self) -> dict:
        return {"id": self.report_id, "status": self.status, "rows": self.rows, "delivery": self.delivery,
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
              formats: list[str] | None = None, on_done=None, deliver: bool = False) -> list[BatchItem]:
    """Run each report; with `deliver`, send each recipient their slice (reporting.delivery)."""
    items = []
    for definition, period in selection:
        try:
            if deliver:
                result, delivery = _run_and_deliver(definition, engine, period, formats)
            else:
                result, delivery = run_report(definition, engine, period, period.end, formats=formats), None
            status = "warning" if result.data_quality else "ok"
            if delivery and (delivery["failed"] or delivery["rejected"]):
                status = "failed"
            item = BatchItem(definition.id, definition.spec.title, period, status, result.rows, result.outputs,
                             error=(f"delivery: {delivery['failed']} failed, {delivery['rejected']} rejected"
                                    if status == "failed" else None), delivery=delivery)
        except Exception as error:  # noqa: BLE001 - one broken report must not stop the others
            item = BatchItem(definition.id, definition.spec.title, period, "failed",
                             error=f"{type(error).__name__}: {error}")
        items.append(item)
        if on_done:
            on_done(item)
    return items


def _run_and_deliver(definition: ReportDefinition, engine: Engine, period: Period, formats):
    """One extract for both: the rendered whole report and every recipient's slice of the same rows.

    The data-quality gate stands between them, as in the DAG: a critical failure raises before
    anything is rendered or sent.
    """
    from reporting.delivery.deliver import deliver_period
    from reporting.extract import run_extract
    from reporting.quality.gate import gate
    from reporting.runner import render_report

    extract = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=period.end)
    findings = gate(definition, extract.rows)
    result = render_report(definition, extract, period, period.end, formats=formats, data_quality=findings,
                           engine=engine)
    delivery = deliver_period(definition, extract.rows, period, period.end, casedb=engine, formats=formats)
    return result, delivery


def write_index(items: list[BatchItem], run_date: date, out_dir: Path) -> Path:
    """out/index.html: one line per report with links to each output (relative when possible)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for item in items:
        links = " ".join(
            f'<a href="{html.escape(_rel(path, out_dir))}">{fmt.upper()}</a>'
            for fmt, path in sorted((item.outputs or {}).items()))
        period = f"{item.period.start:%d %b %Y} to {item.period.end:%d %b %Y}" if item.period else ""
        detail = html.escape(item.error or "") if item.status == "failed" else f"{item.rows} rows"
        lines.append(f"<tr><td>{html.escape(item.title)}</td><td>{period}</td>"
                     f"<td class='{item.status}'>{item.status}</td><td>{detail}</td><td>{links}</td></tr>")
    page = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>MI reports run on {run_date:%d %b %Y}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ccc;padding:.4em .8em;text-align:left}}.failed{{color:#b10e1e}}
.warning{{color:#8a4b00}}</style></head><body>
<h1>MI reports run on {run_date:%d %b %Y}</h1>
<p>{len(items)} reports; {sum(i.status == 'failed' for i in items)} failed.</p>
<table><thead><tr><th scope="col">Report</th><th scope="col">Period</th><th scope="col">Status</th>
<th scope="col">Detail</th><th scope="col">Outputs</th></tr></thead><tbody>
{chr(10).join(lines)}
</tbody></table></body></html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _rel(path: str, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return path


__all__ = ["BatchItem", "due_date", "run_batch", "select_reports", "write_index"]
