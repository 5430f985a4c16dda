"""The statutory returns as Airflow DAGs: `mi_return_cin_census`, `mi_return_ssda903`, `mi_return_annex_a`.

When they run (see docs/returns.md for the sources):

* CIN census and SSDA903 cover the year to 31 March and are collected by the DfE (COLLECT) from
  1 April. So a first draft is built on the first working day of April (the performance team
  starts cleansing), then rebuilt and re-validated on the first working day of every week until
  the collection closes (`close` below). The run's date gives the collection year: a run on or
  after 1 April YEAR builds the year ending 31 March YEAR.
* Annex A is asked for by Ofsted when it gives notice of an inspection, so the DAG is triggered
  by hand (param `as_at`, default the run's date); it is also built on the first working day of
  each month so a recent set of lists is always on file.

The run dates come from timetables in reporting/schedules/timetables.py (`CollectionTimetable`,
`FirstWorkingDayMonthlyTimetable`; the date rules are reporting/schedules/collections.py) at the
configured run time (07:00 London). They work the dates out (England bank holidays) when the
scheduler asks, so parsing this file neither imports `holidays` nor lists years of dates.

    build >> validate >> notify (teardown: it runs, and tells the counts, even when validate fails)

Task bodies are plain functions here (build_return, validate_return, notify_return,
build_annex_a) with heavy imports inside them; XCom carries paths and counts only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from reporting.errors import MIError

if TYPE_CHECKING:
    from airflow.sdk.definitions.xcom_arg import PlainXComArg

log = logging.getLogger(__name__)

OWNER = "performance"
ANNEX_A = "annex_a"


@dataclass(frozen=True)
class StatutoryReturn:
    id: str  # archive folder name and DAG id suffix
    title: str
    close: tuple[int, int]  # (month, day) the DfE collection closes; weekly rebuilds stop here
    source: str  # where the collection dates come from


RETURNS = {
    "cin_census": StatutoryReturn(
        "cin_census", "Children in need census", (7, 31),
        "gov.uk 'Children in need census: guide to submitting data' "
        "(https://www.gov.uk/guidance/children-in-need-census): opens 1 April, loading deadline "
        "30 June, submission deadline 31 July (2019, 2020 and 2025 collections)"),
    "ssda903": StatutoryReturn(
        "ssda903", "SSDA903 children looked after return", (6, 30),
        "gov.uk 'Children looked after return: guide to submitting data': opens 1 April; the "
        "submission deadline has been 31 May to the end of June (31 May 2019; 2013: loaded by "
        "31 May, open for cleaning to 28 June), so weekly rebuilds run to 30 June"),
}


# ---- when -----------------------------------------------------------------------------------------
def collection_year(run_date: date) -> int:
    """The collection year (the year ending 31 March) a run on `run_date` builds: the latest one ended."""
    return run_date.year if run_date >= date(run_date.year, 4, 1) else run_date.year - 1


def return_timetable(ret: StatutoryReturn):
    from reporting.schedules.timetables import CollectionTimetable

    return CollectionTimetable(ret.close)


def annex_a_timetable():
    from reporting.schedules.timetables import FirstWorkingDayMonthlyTimetable

    return FirstWorkingDayMonthlyTimetable()


def run_date(context: dict) -> date:
    """The run's date in London: its logical date, or when it was queued (manual runs may have none)."""
    import pendulum

    from reporting.schedules.timetables import local_tz

    dag_run = context.get("dag_run")
    when = context.get("logical_date") or getattr(dag_run, "logical_date", None) or getattr(dag_run, "run_after", None)
    if when is None:
        raise ValueError("the run has neither a logical date nor a run_after time to take the collection year from")
    local = pendulum.instance(when).in_timezone(local_tz())
    return date(local.year, local.month, local.day)  # a plain date: DB drivers cannot bind pendulum.Date


# ---- what -----------------------------------------------------------------------------------------
class ReturnValidationErrors(MIError):
    """The DfE validators found errors: names the return, the year and the counts per rule."""


def return_folder(return_id: str, year: int) -> Path:
    """`<archive>/<return id>/<YEAR>-03-31/`: the archive's period layout, the period being the year."""
    from reporting import archive

    return archive.period_dir(return_id, f"{year}-03-31")


def build_return(return_id: str, year: int, url: str | None = None) -> dict:
    """Build the return (the same code as `mi returns`) into its archive folder, atomically, 0600/0700."""

    from reporting import archive
    from reporting.casedb import readonly
    from reporting.returns import cin_census, ssda903

    builders = {"cin_census": cin_census.build, "ssda903": ssda903.build}
    if return_id not in builders:
        raise ValueError(f"unknown return {return_id!r}: expected one of {sorted(builders)}")
    final = return_folder(return_id, year)
    engine = readonly.case_engine(url)
    try:
        with archive.building(final) as work:
            result = builders[return_id](engine, year, work)
            archive.write_manifest(work, {"return": return_id, "year": year, "counts": result.summary,
                                          "files": sorted(p.name for p in result.files),
                                          "built_at": datetime.now(UTC).isoformat(timespec="seconds")})
    finally:
        engine.dispose()
    log.info("%s %d built in %s: %s", return_id, year, final, result.summary)
    return {"return": return_id, "year": year, "folder": str(final), "files": sorted(p.name for p in result.files),
            "counts": dict(result.summary)}


def validate_return(return_id: str, year: int, folder: str | Path) -> dict:
    """Run the DfE validator on the built return; write `validation.json` beside it.

    Returns the counts; raises ReturnValidationErrors (after writing the summary) when the
    validator reports any error, so the run shows red. Queries are reported, not failed.
    """
    from reporting.returns import validate

    folder = Path(folder)
    if return_id == "ssda903":
        summary = validate.validate(year, ssda903=folder, out=folder)
    elif return_id == "cin_census":
        summary = validate.validate(year, cin=folder / f"cin_census_{year}.xml", out=folder)
    else:
        raise ValueError(f"unknown return {return_id!r}: expected ssda903 or cin_census")
    for line in summary.lines():
        log.info("%s", line)
    counts = {"errors": summary.errors, "queries": summary.queries, "summary": str(folder / validate.SUMMARY_FILE),
              "returns": summary.counts()}
    if not summary.passed:
        rules = "; ".join(f"{code}: {n}" for r in summary.counts().values()
                          for code, n in sorted(r["error_rules"].items(), key=lambda kv: -kv[1]))
        raise ReturnValidationErrors(f"{RETURNS[return_id].title} {year - 1}-{str(year)[2:]}: the DfE validator "
                                     f"reports {summary.errors} error(s) ({rules}); {summary.queries} quer(ies). "
                                     f"Per-rule counts and rule text: {folder / validate.SUMMARY_FILE}")
    return counts


def notify_return(return_id: str, year: int, folder: str | Path, run_id: str = "") -> dict:
    """E-mail the performance team the validation counts (or that validation did not finish).

    Sent with the delivery transport (SMTP, or the outbox by default); the Message-ID is fixed per
    return, year and run, so a retried task replaces its notice rather than sending a second one.
    """
    from email.message import EmailMessage
    from email.utils import formatdate

    from reporting import settings
    from reporting.delivery import message as mail
    from reporting.delivery import transport as transports
    from reporting.returns import validate

    folder = Path(folder)
    ret = RETURNS[return_id]
    label = f"{ret.title} {year - 1}-{str(year)[2:]}"
    summary_path = folder / validate.SUMMARY_FILE
    msg = EmailMessage()
    msg["From"] = mail.sender()
    msg["To"] = to = settings.performance_team_email()
    msg["Message-ID"] = mail.message_id("return", return_id, str(year), run_id)
    msg["Date"] = formatdate(usegmt=True)
    if summary_path.exists():
        summary = validate.ValidationSummary.read(summary_path)
        state = "ready to load" if summary.passed else "ERRORS to correct"
        msg["Subject"] = (f"[MI] {label}: {summary.errors} error(s), {summary.queries} quer(ies) - {state}")
        body = [f"The {label} was rebuilt from the case database and checked with the DfE validator.", "",
                *summary.lines(), "", f"Return and per-rule summary ({validate.SUMMARY_FILE}): {folder}"]
        counts: dict[str, int | None] = {"errors": summary.errors, "queries": summary.queries}
    else:
        msg["Subject"] = f"[MI] {label}: built, validation did not finish"
        body = [f"The {label} was built in {folder} but the DfE validator gave no result.",
                "Open the run's validate task log in Airflow for the reason."]
        counts = {"errors": None, "queries": None}
    msg.set_content("\n".join(body) + "\n")
    transport = transports.from_environment()
    transport.send(msg)
    log.info("%s notice sent to %s by %s", label, to, transport.describe())
    return {"to": to, "transport": transport.describe(), **counts}


def build_annex_a(as_at: date, url: str | None = None) -> dict:
    """Ofsted Annex A lists 1-11 as at `as_at` into `<archive>/annex_a/<as_at>/`, with a manifest of counts."""

    from reporting import archive
    from reporting.casedb import readonly
    from reporting.returns import annex_a

    final = archive.period_dir(ANNEX_A, as_at.isoformat())
    engine = readonly.case_engine(url)
    try:
        with archive.building(final) as work:
            result = annex_a.build(engine, as_at, work)
            archive.write_manifest(work, {"return": ANNEX_A, "as_at": as_at.isoformat(), "counts": result.summary,
                                          "files": [p.name for p in result.files],
                                          "built_at": datetime.now(UTC).isoformat(timespec="seconds")})
    finally:
        engine.dispose()
    log.info("Annex A as at %s built in %s: %s", as_at, final, result.summary)
    return {"as_at": as_at.isoformat(), "folder": str(final), "files": [p.name for p in result.files],
            "counts": dict(result.summary)}


# ---- the DAGs -------------------------------------------------------------------------------------
def _default_args() -> dict:
    from reporting.orchestration.dag_factory import MAX_RETRY_DELAY, RETRIES, RETRY_BACKOFF, RETRY_DELAY

    return {"owner": OWNER, "retries": RETRIES, "retry_delay": RETRY_DELAY,
            "retry_exponential_backoff": RETRY_BACKOFF, "max_retry_delay": MAX_RETRY_DELAY}


def _return_doc(ret: StatutoryReturn) -> str:
    return "\n".join([
        f"# {ret.title}", "",
        f"Builds the {ret.title} for the year ending 31 March (`mi returns {ret.id.replace('_', '-')}`), "
        "checks it with the DfE's public validator and tells the performance team the counts.", "",
        f"* **When:** the first working day of April (first draft), then the first working day of each "
        f"week until {ret.close[1]}/{ret.close[0]}, at 07:00 London. Source for the collection dates: {ret.source}.",
        "* **Year:** the year ending on the last 31 March before the run's date (param `year` overrides).",
        f"* **Output:** `<MI_ARCHIVE_DIR>/{ret.id}/<YEAR>-03-31/` (owner-only) with `manifest.json` "
        "(counts) and `validation.json` (errors and queries per rule; no child identifiers).",
        "* **Fails** (red run, failure notice) when the validator reports any error; queries do not fail it.",
        "", "`build >> validate >> notify` (notify is a teardown: it reports the counts even when validate "
        "fails). See docs/returns.md."])


def build_return_dag(ret: StatutoryReturn):
    from airflow.sdk import DAG, Param, task

    from reporting.orchestration import notify
    from reporting.orchestration.dag_factory import START_DATE, failure_callbacks

    dag_id = f"mi_return_{ret.id}"
    with DAG(
        dag_id=dag_id, description=ret.title, doc_md=_return_doc(ret), schedule=return_timetable(ret),
        start_date=START_DATE, catchup=False, max_active_runs=1, default_args=_default_args(),
        tags=["annual", "returns"], on_failure_callback=failure_callbacks(dag_id, ret.title),
        deadline=notify.deadline_alert(f"return_{ret.id}", ret.title),
        params={"year": Param(None, type=["null", "integer"], minimum=2016,
                              description="Collection year ending 31 March (blank: from the run's date)")},
    ) as dag:

        @task(task_id="build", multiple_outputs=True)
        def build_task(**context) -> dict:
            from reporting.orchestration import returns

            year = context["params"].get("year") or returns.collection_year(returns.run_date(context))
            return returns.build_return(ret.id, int(year))

        @task(task_id="validate", retries=0)
        def validate_task(year: int, folder: str) -> dict:
            from airflow.sdk.exceptions import AirflowFailException

            from reporting.orchestration import returns

            try:
                return returns.validate_return(ret.id, year, folder)
            except returns.ReturnValidationErrors as error:
                # The same data gives the same errors: fail now, no retries; the records need correcting.
                raise AirflowFailException(str(error)) from None

        @task(task_id="notify")
        def notify_task(year: int, folder: str, **context) -> dict:
            from reporting.orchestration import returns

            return returns.notify_return(ret.id, year, folder, context["run_id"])

        # The task SDK types a task call with the function's own parameters, but the call takes
        # XComArgs, resolved when the task runs: hence the arg-type ignores.
        built = cast("PlainXComArg", build_task())  # multiple_outputs: its keys index it
        validated = validate_task(built["year"], built["folder"])  # type: ignore[arg-type]
        notice = notify_task(built["year"], built["folder"])  # type: ignore[arg-type]
        # A teardown runs when its upstream is done, success or not, and does not decide the run's
        # state: the team hears the counts, and the run is still red when validate failed.
        validated >> notice.as_teardown(setups=built)
    return dag


def build_annex_a_dag():
    from airflow.sdk import DAG, Param, task

    from reporting.orchestration import notify
    from reporting.orchestration.dag_factory import START_DATE, failure_callbacks

    dag_id, title = "mi_return_annex_a", "Ofsted Annex A lists"
    doc = "\n".join([
        f"# {title}", "",
        "Ofsted's Annex A lists 1-11 as at `as_at` (XLSX: a Summary sheet of counts, one sheet per list "
        "with the specification's columns and codes, and a Data quality sheet of values that could not be "
        "written as the specification codes them; `mi returns annex-a`). Lists 1-8 cover the six months "
        "to `as_at`, list 9 the care leavers open on it, lists 10-11 the 12 months to it.", "",
        "* **When:** trigger by hand when Ofsted gives notice of an inspection (param `as_at`, YYYY-MM-DD; "
        "blank = the run's date). Also built on the first working day of each month at 07:00 London, so a "
        "recent set is always ready.",
        "* **Output:** `<MI_ARCHIVE_DIR>/annex_a/<as_at>/annex_a_<as_at>.xlsx` (owner-only; child-level, "
        "OFFICIAL-SENSITIVE) and `manifest.json` with the count per list and of data-quality findings.", "",
        "See docs/returns.md."])
    with DAG(
        dag_id=dag_id, description=title, doc_md=doc, schedule=annex_a_timetable(), start_date=START_DATE,
        catchup=False, max_active_runs=1, default_args=_default_args(), tags=["monthly", "returns"],
        on_failure_callback=failure_callbacks(dag_id, title), deadline=notify.deadline_alert("return_annex_a", title),
        params={"as_at": Param(None, type=["null", "string"], format="date",
                               description="Date the lists are drawn at (blank: the run's date)")},
    ) as dag:

        @task(task_id="build")
        def build_task(**context) -> dict:
            from reporting.orchestration import returns

            value = context["params"].get("as_at")
            try:
                as_at = date.fromisoformat(value) if value else returns.run_date(context)
            except ValueError:
                raise ValueError(f"param as_at={value!r} is not a date (YYYY-MM-DD)") from None
            return returns.build_annex_a(as_at)

        build_task()
    return dag


def build_returns_dags() -> dict:
    dags = [build_return_dag(RETURNS["cin_census"]), build_return_dag(RETURNS["ssda903"]), build_annex_a_dag()]
    return {dag.dag_id: dag for dag in dags}
