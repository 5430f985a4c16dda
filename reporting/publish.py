"""A report period from its extracted rows to every recipient, in one process.

    plan     who gets which copy (reporting.plan)
    render   every copy, with the gate's findings for its own rows (reporting.runner.render_plan)
    deliver  claim and send the finished files (reporting.delivery.deliver)

What `mi run --deliver` does after the extract and the gate; the Airflow tasks run the same
stages one per task (orchestration/tasks.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from reporting.definitions import ReportDefinition
from reporting.delivery.deliver import deliver_period
from reporting.delivery.ledger import Ledger
from reporting.plan import Assignment, RunPlan, assign, plan_run
from reporting.quality.gate import Findings, assess
from reporting.runner import RenderResult, render_plan
from reporting.schedules.periods import Period


def render_period(report: ReportDefinition, rows: list[dict], period: Period, as_at: date, *,
                  casedb: Engine | None, findings: Findings | None = None, formats: list[str] | None = None,
                  generated_at: datetime | None = None,
                  assignments: list[Assignment] | None = None) -> tuple[RunPlan, list[RenderResult]]:
    """Plan and render every copy of one period of `report` from `rows`: the plan to deliver, and
    the render results (the whole report's first).

    assignments: the recipients to serve (default: everyone the definition names on `as_at`,
    resolved from `casedb`). findings: the gate's (default: the gate is run here, not enforced).
    """
    if assignments is None:
        if casedb is None:
            raise ValueError(f"{report.id}: give the case database (casedb) or the assignments to deliver")
        assignments = assign(report, rows, as_at, casedb)
    run_plan = plan_run(report, rows, assignments)
    results = render_plan(run_plan, period, as_at, findings=findings or assess(report, rows), formats=formats,
                          generated_at=generated_at, engine=casedb)
    return run_plan, results


def publish_period(report: ReportDefinition, rows: list[dict], period: Period, as_at: date, *,
                   casedb: Engine | None, findings: Findings | None = None, transport=None,
                   ledger: Ledger | None = None, formats: list[str] | None = None, attempts: int = 4,
                   backoff: float = 2.0, generated_at: datetime | None = None,
                   assignments: list[Assignment] | None = None) -> dict:
    """Plan, render and deliver one period of `report` from `rows`; returns the delivery counts."""
    run_plan, _ = render_period(report, rows, period, as_at, casedb=casedb, findings=findings, formats=formats,
                                generated_at=generated_at, assignments=assignments)
    return deliver_period(run_plan, period, transport=transport, ledger=ledger, attempts=attempts, backoff=backoff)
