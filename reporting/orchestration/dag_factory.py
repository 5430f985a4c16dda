"""One Airflow DAG per report definition: `mi_<report_id>`.

Parse time matters (the dag-processor re-parses every 30 s and each task start parses the file
again), so building DAGs reads the YAML definitions and nothing else: no database, no network,
no pandas/SQLAlchemy engines/WeasyPrint/GX. Task bodies live in `reporting.orchestration.tasks`
and are imported inside the tasks, when they run.

    extract >> check_quality >> render[slices] >> deliver[slices] >> record

Burst reports map render and deliver over `[whole report, slice 1, slice 2, ...]`; other reports
render and deliver once. XCom carries paths, counts, slice keys and hashes only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

import pendulum
from airflow.sdk import DAG, task

from reporting import settings
from reporting.definitions import Catalogue, DefinitionError, ReportDefinition, load_catalogue
from reporting.errors import MIError
from reporting.orchestration import notify
from reporting.schedules.timetables import ReportingPeriodTimetable

if TYPE_CHECKING:
    from airflow.sdk.definitions.xcom_arg import PlainXComArg

DAG_PREFIX = "mi_"
START_DATE = pendulum.datetime(2026, 1, 1, tz="Europe/London")
# Replaying a window of past periods as *scheduled* runs (operations, and the scheduler e2e test):
# MI_SCHEDULE_START / MI_SCHEDULE_END (ISO dates, London) bound the period starts and
# MI_CATCHUP=true schedules every period in the window. Unset: from START_DATE, no catch-up.
RETRIES = 3
# The extract task's own: an unreachable source is tried 4 times within about 7 minutes (1, 2, 4).
SOURCE_RETRIES = 3
SOURCE_RETRY_DELAY = timedelta(minutes=1)
SOURCE_MAX_RETRY_DELAY = timedelta(minutes=4)
RETRY_DELAY = timedelta(minutes=2)
RETRY_BACKOFF = 2.0  # 2, 4, 8 minutes ...
MAX_RETRY_DELAY = timedelta(hours=1)


class DefinitionErrors(MIError):
    """Raised by the error DAG file so broken definitions show up as one import error."""

    def __init__(self, errors: list[DefinitionError]):
        files = sorted({str(e.path) for e in errors})
        lines = [f"{len(files)} report definition file(s) are broken; their DAGs are not loaded "
                 "(the other reports load as usual):"]
        lines += [f"  {e}" for e in errors]
        super().__init__("\n".join(lines))
        self.errors = errors


def casedb_pool() -> str:
    """The Airflow pool that caps concurrent queries on the case database (MI_CASEDB_POOL)."""
    return settings.current().casedb_pool


def dag_id(report_id: str) -> str:
    return f"{DAG_PREFIX}{report_id}"


def doc_md(report: ReportDefinition) -> str:
    """The DAG's documentation page, built from the definition."""
    spec = report.spec
    rel = _relative(report.sql_path)
    lines = [f"# {spec.title}", "", spec.description.strip(), ""]
    lines += [f"* **Report id:** `{spec.id}`  ", f"* **Service area:** {report.area}  ",
              f"* **Cadence:** {spec.cadence}"
              + (f", due on working day {spec.due_working_day} after the period" if spec.due_working_day else ""),
              f"* **Owner:** {spec.owner}", f"* **Sensitivity:** {spec.sensitivity}",
              f"* **Outputs:** {', '.join(spec.outputs)}",
              f"* **Sliced by:** `{spec.burst_key}` (one report per value)" if spec.burst_key else
              "* **Sliced by:** not sliced (one report)",
              f"* **SQL:** `{rel}`", f"* **Definition:** `{_relative(report.yaml_path)}`", ""]
    if spec.standard:
        lines += ["## Standard", "", spec.standard.strip(), ""]
    if spec.counting_note:
        lines += ["## How it is counted", "", spec.counting_note.strip(), ""]
    lines += ["## Recipients", "", "| Role | Scope |", "|---|---|"]
    lines += [f"| {r.role} | {r.scope} |" for r in spec.recipients]
    lines += ["", "## Columns", "", "| Column | Label | Type | Checks |", "|---|---|---|---|"]
    for c in spec.columns:
        checks = []
        if c.checks:
            checks += [name for name in ("not_null", "unique") if getattr(c.checks, name)]
            if c.checks.accepted_values:
                checks.append("one of " + ", ".join(c.checks.accepted_values))
            if c.checks.min is not None:
                checks.append(f">= {c.checks.min:g}")
            if c.checks.max is not None:
                checks.append(f"<= {c.checks.max:g}")
            checks = [f"{', '.join(checks)} ({c.checks.severity})"] if checks else []
        label = c.label + (" (hidden)" if c.hidden else "")
        lines.append(f"| `{c.name}` | {label} | {c.type} | {'; '.join(checks)} |")
    lines += ["", "## Runs", "",
              "`extract >> check_quality >> render >> deliver >> record`. A critical data-quality check "
              "stops the run before delivery. Outputs and `run.json` are in the archive folder "
              f"`<MI_ARCHIVE_DIR>/{spec.id}/<period end>/`."]
    return "\n".join(lines)


def _relative(path) -> str:
    from reporting.settings import REPO_ROOT

    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _schedule_window() -> tuple[pendulum.DateTime, pendulum.DateTime | None, bool]:
    def day(d: date | None) -> pendulum.DateTime | None:
        return None if d is None else pendulum.datetime(d.year, d.month, d.day, tz="Europe/London")

    config = settings.current()
    return day(config.schedule_start) or START_DATE, day(config.schedule_end), config.catchup


def failure_callbacks(name: str, title: str) -> list:
    """A failed run (a critical data-quality check included) is told to the performance team and to
    the MOSAIC superusers (`MI_SUPERUSERS_EMAIL`), who correct the records: one notice each, the
    performance team's first, so either address can change without touching the other."""
    return [notify.failure_notifier(name, title),
            notify.failure_notifier(name, title, settings.current().superusers_email)]


def build_dag(report: ReportDefinition) -> DAG:
    spec = report.spec
    report_id = spec.id
    start_date, end_date, catchup = _schedule_window()
    default_args = {
        "owner": spec.owner,
        "on_failure_callback": failure_callbacks(report_id, spec.title),  # with the task's exception
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": RETRY_BACKOFF,
        "max_retry_delay": MAX_RETRY_DELAY,
    }
    with DAG(
        dag_id=dag_id(report_id),
        dag_display_name=spec.title,  # the DAG lists show the report's title; its id stays mi_<report_id>
        description=spec.title,
        doc_md=doc_md(report),
        schedule=ReportingPeriodTimetable(spec.cadence, spec.due_working_day),
        start_date=start_date,
        end_date=end_date,
        catchup=catchup,
        max_active_runs=1,
        default_args=default_args,
        tags=[spec.cadence, report.area],
        on_failure_callback=failure_callbacks(report_id, spec.title),
        deadline=notify.deadline_alert(report_id, spec.title),
    ) as dag:

        # An unreachable case database or a timeout is retried within minutes (SOURCE_RETRIES); the
        # report's own SQL error or a refused login fails at once: a retry would not fix either.
        @task(task_id="extract", multiple_outputs=True, pool=casedb_pool(), retries=SOURCE_RETRIES,
              retry_delay=SOURCE_RETRY_DELAY, max_retry_delay=SOURCE_MAX_RETRY_DELAY)
        def extract_task(**context) -> dict:
            from airflow.sdk.exceptions import AirflowFailException

            from reporting.casedb.readonly import SourceAuthenticationError
            from reporting.definitions import DefinitionLoadError
            from reporting.extract import ReportSQLError
            from reporting.orchestration import tasks

            start, end, as_at = tasks.period_from_interval(context["data_interval_start"],
                                                           context["data_interval_end"])
            try:
                return tasks.extract(report_id, start, end, as_at)
            except (ReportSQLError, SourceAuthenticationError, DefinitionLoadError) as error:
                raise AirflowFailException(f"{type(error).__name__}: {error}") from None

        @task(task_id="check_quality")
        def check_quality_task(staging: str, targets: list | None = None) -> list | dict:
            """The gate: on a pass, a burst report's XCom is the batches of slices render is mapped over."""
            import logging

            from airflow.sdk.exceptions import AirflowFailException

            from reporting.orchestration import tasks
            from reporting.quality.errors import CriticalDataQualityError

            try:
                result = tasks.check_quality(report_id, staging)
            except CriticalDataQualityError as error:
                # Data will not fix itself on a retry: fail now, without retrying.
                raise AirflowFailException(str(error)) from None
            logging.getLogger(__name__).info("data quality: %d finding(s), 0 critical%s", result["findings"],
                                             "".join(f"; {w}" for w in result["warnings"]))
            return result if targets is None else list(targets)

        # A burst report's render and deliver are mapped over batches of slices (tasks.render_batch):
        # the whole report, then groups of teams or workers laid out as one burst document each. A
        # mapped task is named in the UI by its teams' names, not by its index.
        @task(task_id="render", map_index_template="{{ slice_label }}")
        def render_task(staging: str, slice_keys: list | None = None) -> dict | list[dict]:
            from airflow.sdk import get_current_context

            from reporting.orchestration import tasks

            # Airflow renders the map-index label for an unmapped task too: set it on every path
            context = get_current_context()
            if slice_keys is None:  # a report without slices: its one render task
                context["slice_label"] = "whole report"  # type: ignore[typeddict-unknown-key]
                return tasks.render(report_id, staging)
            rendered = tasks.render_batch(report_id, staging, slice_keys)
            label = tasks.batch_label([r["slice_label"] for r in rendered])
            context["slice_label"] = label  # type: ignore[typeddict-unknown-key]
            return rendered

        @task(task_id="deliver", map_index_template="{{ slice_label }}")
        def deliver_task(rendered: dict | list[dict]) -> dict | list[dict]:
            from airflow.sdk import get_current_context

            from reporting.orchestration import tasks

            context = get_current_context()
            if isinstance(rendered, dict):  # a report without slices: its one deliver task
                context["slice_label"] = "whole report"  # type: ignore[typeddict-unknown-key]
                return tasks.deliver(report_id, rendered)
            label = tasks.batch_label([r["slice_label"] for r in rendered])
            context["slice_label"] = label  # type: ignore[typeddict-unknown-key]
            return tasks.deliver_batch(report_id, rendered)

        @task(task_id="record")
        def record_task(results) -> dict:
            from reporting.orchestration import tasks

            # Index by length rather than iterate: iterating asks for one entry past the end,
            # which the task SDK logs as an "XCom not found" error on every successful run.
            return tasks.record(report_id, [results[i] for i in range(len(results))])

        extracted = cast("PlainXComArg", extract_task())  # a task's output: its keys index it
        # The task SDK types a task call with the function's own parameters, but the call takes
        # XComArgs, resolved when the task runs: hence the arg-type ignores below.
        if spec.burst_key:
            released = check_quality_task(extracted["staging"], extracted["batches"])  # type: ignore[arg-type]
            rendered = render_task.partial(staging=extracted["staging"]).expand(slice_keys=released)
            delivered = deliver_task.expand(rendered=rendered)
            record_task(delivered)
        else:
            quality = check_quality_task(extracted["staging"])  # type: ignore[arg-type]
            rendered = render_task(extracted["staging"])  # type: ignore[arg-type]
            quality >> rendered
            record_task([deliver_task(rendered)])  # type: ignore[arg-type]
    return dag


def build_dags(catalogue: Catalogue | None = None) -> dict[str, DAG]:
    """Every good definition's DAG, in sorted order of report id."""
    catalogue = catalogue if catalogue is not None else load_catalogue()
    return {dag_id(rid): build_dag(catalogue.reports[rid]) for rid in sorted(catalogue.reports)}


def check_definitions(catalogue: Catalogue | None = None) -> None:
    """Raise one exception listing every broken definition (for `dags/mi_definition_errors.py`)."""
    catalogue = catalogue if catalogue is not None else load_catalogue()
    if catalogue.errors:
        raise DefinitionErrors(catalogue.errors)


def register(namespace: dict, dags: Iterable[DAG] | dict[str, DAG]) -> None:
    for dag in (dags.values() if isinstance(dags, dict) else dags):
        namespace[dag.dag_id] = dag




def _daily_dag(dag_id_: str, title: str, doc: str, cron: str, tags: tuple[str, ...] = ("daily", "housekeeping")) -> DAG:
    from airflow.sdk import CronTriggerTimetable

    return DAG(
        dag_id=dag_id_, description=title, doc_md=f"# {title}\n\n{doc}",
        schedule=CronTriggerTimetable(cron, timezone="Europe/London"),
        start_date=START_DATE, catchup=False, max_active_runs=1, tags=list(tags),
        default_args={"owner": "performance", "retries": RETRIES, "retry_delay": RETRY_DELAY,
                      "retry_exponential_backoff": RETRY_BACKOFF, "max_retry_delay": MAX_RETRY_DELAY},
        on_failure_callback=failure_callbacks(dag_id_, title),
    )


def build_housekeeping_dags() -> dict[str, DAG]:
    with _daily_dag("mi_archive_housekeeping", "Archive retention",
                    "Deletes report archive period folders whose period ended more than `MI_RETENTION_DAYS` "
                    "(default 730) days before the run's date. Logs counts only.", "30 5 * * *") as housekeeping:

        @task(task_id="apply_retention")
        def apply_retention(**context) -> dict:
            from reporting.orchestration import housekeeping as hk
            from reporting.schedules.timetables import local_tz

            today = pendulum.instance(context["data_interval_end"]).in_timezone(local_tz()).date()
            return hk.apply_retention(today)

        apply_retention()

    with _daily_dag("mi_source_quality", "Source data quality",
                    "Validates every table of the case database with the Great Expectations source suites "
                    "(`reporting/quality/`, `expectations/source/`): keys, references, dates, code lists. "
                    "Publishes `<MI_ARCHIVE_DIR>/_quality/<date>/index.html`, a JSON summary and "
                    "`_quality/trend.html`; the task log and XCom give the paths. A critical check (a key "
                    "blank or repeated) fails the run, which tells the performance team and the MOSAIC "
                    "superusers. See docs/data-quality.md.", "0 6 * * *") as quality:

        @task(task_id="validate_source")
        def validate_source(**context) -> dict:
            from airflow.sdk.exceptions import AirflowFailException

            from reporting.orchestration import housekeeping as hk
            from reporting.schedules.timetables import local_tz

            today = pendulum.instance(context["data_interval_end"]).in_timezone(local_tz()).date()
            try:
                return hk.source_quality(today)
            except hk.CriticalSourceQualityError as error:
                # Records will not correct themselves on a retry: fail now and notify.
                raise AirflowFailException(str(error)) from None

        validate_source()

    with _daily_dag("mi_board_digest", "MI board weekly digest",
                    "Every Monday at 13:00: the MI board of the 7 days to today (reports held by data quality, "
                    "late, not delivered, incomplete; a count of the rest) e-mailed to the performance team "
                    "(`MI_PERFORMANCE_TEAM_EMAIL`). The same as `mi board --since <Tuesday before>`.",
                    "0 13 * * 1") as weekly:

        @task(task_id="send_digest")
        def send_digest(**context) -> dict:
            from reporting.orchestration import housekeeping as hk
            from reporting.schedules.timetables import local_tz

            today = pendulum.instance(context["data_interval_end"]).in_timezone(local_tz()).date()
            return hk.board_digest(today)

        send_digest()

    return {housekeeping.dag_id: housekeeping, quality.dag_id: quality, weekly.dag_id: weekly}


# After the 07:00 report runs, and again in the afternoon for any that finished late.
STAFF_DIGEST_CRON = "0 10,14 * * 1-5"


def build_digest_dag() -> dict[str, DAG]:
    """mi_staff_digest: each member of staff's queued report sends in one e-mail (tasks.send_digests)."""
    with _daily_dag("mi_staff_digest", "Staff digest e-mails",
                    "At 10:00 and 14:00 on weekdays: every report the morning's report runs queued for staff "
                    "who take a digest (`config/mail.yml` `digest`) goes to each person in ONE e-mail with "
                    "each report's headline, its red records and its PDF and XLSX. A report that finishes "
                    "after 14:00 goes in the next working day's first digest. Each send is recorded in the "
                    "delivery ledger, so a retry or a second run sends nothing twice. See docs/operations.md "
                    "\"Digests\".", STAFF_DIGEST_CRON, tags=("daily", "delivery")) as digest:

        @task(task_id="send_digests")
        def send_digests(**context) -> dict:
            from reporting.orchestration import tasks
            from reporting.schedules.timetables import local_tz

            today = pendulum.instance(context["data_interval_end"]).in_timezone(local_tz()).date()
            return tasks.send_digests(today)

        send_digests()
    return {digest.dag_id: digest}
