"""Who hears about failed and late runs (reports and statutory returns): the performance team, by SMTP.

* `failure_notifier(report_id, title)` - a `FailureNotifier` for the DAG's `on_failure_callback`.
* `deadline_alert(name, title)` - the DAG's `deadline`: a run not finished `MI_DEADLINE_HOURS`
  after it was queued calls `deadline_missed(...)`, the awaitable the triggerer runs. That must
  stay a top-level coroutine function in an importable module: the triggerer imports it by path.

Messages name the report, the DAG and the run; never any child-level data.
"""

from __future__ import annotations

import logging

from reporting import settings
from reporting.settings import from_email, performance_team_email

log = logging.getLogger(__name__)



def deadline_hours() -> float:
    return settings.current().deadline_hours


def deadline_alert(name: str, title: str):
    """The `deadline` of DAG `mi_<name>` (a report, or `return_<id>` for a statutory return)."""
    from datetime import timedelta

    # airflow/sdk/__init__.pyi (task SDK 1.3.2) leaves out these three, which airflow.sdk exports at
    # run time (its __all__ and lazy imports); the public path is kept.
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference  # type: ignore[attr-defined]

    hours = deadline_hours()
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(hours=hours),
        callback=AsyncCallback(deadline_missed, kwargs={
            "report_id": name, "title": title, "to": performance_team_email(), "hours": hours}),
    )


def notice(to: str, subject: str, lines: list[str]):
    """A plain-text notice to the performance team (or superusers): no HTML, no template."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    from reporting.delivery.addresses import checked
    from reporting.text import one_line

    message = EmailMessage()
    message["From"] = from_email()
    message["To"] = checked(to, "council", field="the notice's recipient")
    message["Subject"] = one_line(subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="mi-reports.example.org")
    message.set_content("\n".join(lines) + "\n")
    return message


def send(message) -> None:
    """Through the pipeline's own transport (MI_SMTP_HOST, the Airflow connection `mi_smtp`, else the
    outbox), like every report: no Airflow `smtp_default` connection to forget to define."""
    from reporting.delivery.transport import from_environment

    from_environment().send(message)


def _get(context, name: str, attribute: str = ""):
    value = context.get(name) if hasattr(context, "get") else None
    if attribute and value is not None:
        value = value.get(attribute) if isinstance(value, dict) else getattr(value, attribute, None)
    return value


class FailureNotifier:
    """Tells `to` that a run failed, which task (and slice), and why: the error's type and message
    (which name the fault and never a child: docs/security.md).

    Used twice, for one notice a run: as each task's `on_failure_callback` (after its last try, on
    the worker, with the exception) and as the DAG's (a run that failed without a failed task). The
    notice is a delivery-ledger row keyed by the run and the recipient, so the first failure of a
    run is told and the others (mapped tasks failing together, the DAG's own callback after the
    task's) are not told again.

    Not Airflow's SmtpNotifier: that one renders its subject and body as Jinja templates with the
    run's context, so a report title holding `{{ ... }}` (a data officer's text) would be evaluated
    with access to Variables and connections. Here the title is plain text, and nothing is rendered.
    """

    def __init__(self, name: str, title: str, to: str):
        self.name, self.title, self.to = name, title, to

    def __call__(self, *args) -> None:
        context = args[0] if len(args) == 1 else {"dag": args[0]}
        dag_id = _get(context, "dag", "dag_id") or f"mi_{self.name}"
        run_id = _get(context, "dag_run", "run_id") or _get(context, "run_id") or ""
        task_id = _get(context, "task_instance", "task_id") or _get(context, "ti", "task_id") or ""
        part = _get(context, "task_instance", "rendered_map_index") or _get(context, "ti", "rendered_map_index")
        error = _get(context, "exception")
        reason = (f"{type(error).__name__}: {error}" if isinstance(error, BaseException)
                  else error or _get(context, "reason") or "see the failed task's log")
        lines = [f"The MI run {self.title} ({dag_id}) failed.", "",
                 f"Run: {run_id}" if run_id else "Run: (not known)",
                 *([f"Failed task: {task_id}" + (f" ({part})" if part else "")] if task_id else []),
                 f"Reason: {reason}", "",
                 "Nothing from a failed run has been delivered. Open the run in the Airflow UI to see which "
                 "task failed and why; clear it to retry once the cause is fixed (docs/operations.md)."]
        try:
            once = _once_a_run(self.name, run_id, self.to)
            if once is None:
                return
            ledger, claim = once
            try:
                message = notice(self.to, f"[MI] FAILED: {self.title} ({dag_id})", lines)
                send(message)
                ledger.mark_sent(claim, message["Message-ID"])
            except BaseException as sending:
                ledger.mark_failed(claim, f"{type(sending).__name__}: {sending}", permanent=False)
                raise
            finally:
                ledger.dispose()
        except Exception as failed:  # noqa: BLE001 - a callback must not raise; the log says why
            log.error("could not send the failure notice for %s to %s: %s: %s", dag_id, self.to,
                      type(failed).__name__, failed)


def _once_a_run(name: str, run_id: str, to: str):
    """(ledger, claim) for the failure notice of this run to `to`, or None when it went already."""
    import hashlib

    from reporting.delivery.ledger import Key, Ledger

    ledger = Ledger()
    from datetime import date

    run = hashlib.sha256(run_id.encode()).hexdigest()
    key = Key(name, date.today().isoformat(), f"failure-{run[:16]}", to, "notice", run)
    claim = ledger.claim(key, role="PERFORMANCE")
    if claim is None:
        ledger.dispose()
        return None
    return ledger, claim


def failure_notifier(report_id: str, title: str, to: str | None = None) -> FailureNotifier:
    return FailureNotifier(report_id, title, to or performance_team_email())


async def deadline_missed(report_id: str, title: str, to: str | None = None, hours: float | None = None,
                          context: dict | None = None) -> str:
    """Deadline alert callback (runs in the triggerer): e-mail the performance team."""
    import asyncio

    context = context or {}
    run_id = _get(context, "dag_run", "run_id") or ""
    late = f"{hours:g} hours" if hours else "the agreed time"
    message = notice(to or performance_team_email(), f"[MI] LATE: {title} (mi_{report_id}) has not finished", [
        f"The MI run {title} (mi_{report_id}, run {run_id}) has not finished {late} after it was queued.", "",
        "Check the run in the Airflow UI: it may be queued behind another run, retrying, or stuck on the "
        "case database."])
    await asyncio.to_thread(send, message)
    return f"deadline alert sent for mi_{report_id} run {run_id}"
