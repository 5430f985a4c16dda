"""Who hears about failed and late runs (reports and statutory returns): the performance team, by SMTP.

* `failure_notifier(report_id)` - an `SmtpNotifier` for the DAG's `on_failure_callback`.
* `deadline_alert(name, title)` - the DAG's `deadline`: a run not finished `MI_DEADLINE_HOURS`
  after it was queued calls `deadline_missed(...)`, the awaitable the triggerer runs. That must
  stay a top-level coroutine function in an importable module: the triggerer imports it by path.

Messages name the report, the DAG and the run; never any child-level data.
"""

from __future__ import annotations

import os

DEFAULT_PERFORMANCE_TEAM = "performance-team@example.org"
DEFAULT_FROM = "mi-reporting@example.org"


def performance_team_email() -> str:
    return os.environ.get("MI_PERFORMANCE_TEAM_EMAIL") or DEFAULT_PERFORMANCE_TEAM


def from_email() -> str:
    return os.environ.get("MI_MAIL_FROM") or DEFAULT_FROM


def deadline_hours() -> float:
    value = os.environ.get("MI_DEADLINE_HOURS", "6")
    try:
        hours = float(value)
    except ValueError:
        raise ValueError(f"MI_DEADLINE_HOURS must be a number of hours, got {value!r}") from None
    if hours <= 0:
        raise ValueError(f"MI_DEADLINE_HOURS must be positive, got {value!r}")
    return hours


def deadline_alert(name: str, title: str):
    """The `deadline` of DAG `mi_<name>` (a report, or `return_<id>` for a statutory return)."""
    from datetime import timedelta

    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    hours = deadline_hours()
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(hours=hours),
        callback=AsyncCallback(deadline_missed, kwargs={
            "report_id": name, "title": title, "to": performance_team_email(), "hours": hours}),
    )


def failure_notifier(report_id: str, title: str):
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return SmtpNotifier(
        to=performance_team_email(),
        from_email=from_email(),
        subject=f"[MI] FAILED: {title} ({{{{ dag.dag_id }}}})",
        html_content=(
            f"<p>The MI report run <b>{title}</b> (<code>{{{{ dag.dag_id }}}}</code>) failed.</p>"
            "<p>Run: {{ dag_run.run_id if dag_run is defined else '' }}. "
            "Reason: {{ reason if reason is defined else 'see the failed task log' }}.</p>"
            "<p>Nothing from a failed run has been delivered. Open the run in the Airflow UI to see "
            "which task failed and why; clear it to retry once the cause is fixed.</p>"
        ),
    )


async def deadline_missed(report_id: str, title: str, to: str | None = None, hours: float | None = None,
                          context: dict | None = None) -> str:
    """Deadline alert callback (runs in the triggerer): e-mail the performance team."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    context = context or {}
    dag_run = context.get("dag_run") or {}
    run_id = dag_run.get("run_id", "") if isinstance(dag_run, dict) else getattr(dag_run, "run_id", "")
    late = f"{hours:g} hours" if hours else "the agreed time"
    notifier = SmtpNotifier(
        to=to or performance_team_email(),
        from_email=from_email(),
        subject=f"[MI] LATE: {title} (mi_{report_id}) has not finished",
        html_content=(f"<p>The MI run <b>{title}</b> (<code>mi_{report_id}</code>, run {run_id}) "
                      f"has not finished {late} after it was queued.</p>"
                      "<p>Check the run in the Airflow UI: it may be queued behind another run, "
                      "retrying, or stuck on the case database.</p>"),
    )
    await notifier.async_notify(context)
    return f"deadline alert sent for mi_{report_id} run {run_id}"
