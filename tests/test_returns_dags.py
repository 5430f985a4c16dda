"""The statutory-returns DAGs: they load, run on the right days, and a real `dag.test()` builds the
return into the archive; the SSDA903 run is the CI gate on the DfE validator (zero errors)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import pendulum
import pytest
from test_dags import REPO, _dagbag, airflow_env

from reporting.orchestration import notify

RETURN_DAGS = {"mi_return_cin_census", "mi_return_ssda903", "mi_return_annex_a"}


@pytest.fixture(scope="module")
def dagbag():
    return _dagbag()


def test_returns_dags_load_and_are_well_behaved(dagbag):
    assert dagbag.import_errors == {}
    assert RETURN_DAGS <= set(dagbag.dag_ids)
    for dag_id in RETURN_DAGS:
        dag = dagbag.dags[dag_id]
        assert dag.owner == "performance", dag_id
        assert "returns" in dag.tags, dag_id
        assert dag.max_active_runs == 1 and dag.catchup is False, dag_id
        assert dag.timezone.name == "Europe/London", dag_id
        assert "docs/returns.md" in dag.doc_md, dag_id
        assert dag.on_failure_callback, dag_id
        # a build stuck on the case database or the validator is noticed, as for a report
        alert = dag.deadline[0]
        assert alert.interval == timedelta(hours=notify.deadline_hours()), dag_id
        assert alert.callback.path == "reporting.orchestration.notify.deadline_missed", dag_id
        assert alert.callback.kwargs["report_id"] == dag_id.removeprefix("mi_"), dag_id
        assert alert.callback.kwargs["title"] == dag.description, dag_id
    for dag_id in ("mi_return_cin_census", "mi_return_ssda903"):
        dag = dagbag.dags[dag_id]
        assert [t.task_id for t in dag.topological_sort()] == ["build", "validate", "notify"], dag_id
        assert dag.get_task("build").retries >= 3, dag_id
        assert dag.get_task("validate").retries == 0, "validator errors do not go away on a retry"
        assert dag.get_task("notify").is_teardown, "the counts go out even when validate fails"
        assert "31 March" in dag.doc_md and "gov.uk" in dag.doc_md, "the collection-date source is named"
    annex = dagbag.dags["mi_return_annex_a"]
    assert annex.params["as_at"] is None, "as_at defaults to the run's date"


def _runs(timetable, start: datetime, end: datetime) -> list[date]:
    """The run dates (London) the scheduler would create between start and end, via the timetable API."""
    from airflow.timetables.base import TimeRestriction

    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    out, last = [], None
    while (info := timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)):
        when = pendulum.instance(info.run_after).in_timezone("Europe/London")
        assert (when.hour, when.minute) == (7, 0), when
        out.append(when.date())
        last = info.data_interval
    return out


LONDON = "Europe/London"
# England bank holidays that move a build: Good Friday 3 Apr / Easter Monday 6 Apr 2026, early May
# 4 May 2026, spring 25 May 2026; Easter Monday 29 Mar 2027, early May 3 May 2027, spring 31 May 2027.
APRIL_TO_JUNE_2026 = ["2026-04-01", "2026-04-07", "2026-04-13", "2026-04-20", "2026-04-27", "2026-05-05",
                      "2026-05-11", "2026-05-18", "2026-05-26", "2026-06-01", "2026-06-08", "2026-06-15",
                      "2026-06-22", "2026-06-29"]
APRIL_TO_JUNE_2027 = ["2027-04-01", "2027-04-05", "2027-04-12", "2027-04-19", "2027-04-26", "2027-05-04",
                      "2027-05-10", "2027-05-17", "2027-05-24", "2027-06-01", "2027-06-07", "2027-06-14",
                      "2027-06-21", "2027-06-28"]


def test_statutory_returns_run_first_working_day_of_april_then_weekly(dagbag):
    start, end = pendulum.datetime(2026, 1, 1, tz=LONDON), pendulum.datetime(2028, 1, 1, tz=LONDON)
    ssda903 = [d.isoformat() for d in _runs(dagbag.dags["mi_return_ssda903"].timetable, start, end)]
    cin = [d.isoformat() for d in _runs(dagbag.dags["mi_return_cin_census"].timetable, start, end)]
    # SSDA903: collection closes 30 June; CIN census: 31 July. Nothing from August to March.
    assert ssda903 == APRIL_TO_JUNE_2026 + APRIL_TO_JUNE_2027
    assert cin == (APRIL_TO_JUNE_2026 + ["2026-07-06", "2026-07-13", "2026-07-20", "2026-07-27"]
                   + APRIL_TO_JUNE_2027 + ["2027-07-05", "2027-07-12", "2027-07-19", "2027-07-26"])


def test_return_dags_use_the_lazy_timetables(dagbag):
    from reporting.schedules.timetables import CollectionTimetable, FirstWorkingDayMonthlyTimetable

    assert dagbag.dags["mi_return_ssda903"].timetable == CollectionTimetable((6, 30))
    assert dagbag.dags["mi_return_cin_census"].timetable == CollectionTimetable((7, 31))
    assert dagbag.dags["mi_return_annex_a"].timetable == FirstWorkingDayMonthlyTimetable()


def test_collection_timetable_gives_the_hand_worked_2026_27_dates():
    """The timetable itself (no DAG file): the same hand-worked dates as the DAGs above."""
    from reporting.schedules.timetables import CollectionTimetable

    start, end = pendulum.datetime(2026, 1, 1, tz=LONDON), pendulum.datetime(2028, 1, 1, tz=LONDON)
    assert [d.isoformat() for d in _runs(CollectionTimetable((6, 30)), start, end)] == (
        APRIL_TO_JUNE_2026 + APRIL_TO_JUNE_2027)
    # Starting mid-collection, after a run: the next build, not the first of the year.
    from airflow.timetables.base import DataInterval, TimeRestriction

    restriction = TimeRestriction(earliest=start, latest=None, catchup=True)
    last = DataInterval.exact(pendulum.datetime(2027, 7, 26, 7, tz=LONDON))
    info = CollectionTimetable((7, 31)).next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
    assert info.run_after == pendulum.datetime(2028, 4, 3, 7, tz=LONDON)  # Sat 1 April 2028 -> Mon 3


@pytest.mark.parametrize("catchup", [True, False])
def test_lazy_timetables_schedule_as_the_events_timetable_did(monkeypatch, catchup):
    """Against EventsTimetable over the dates listed for 2026-2035 (what the DAGs used before):
    the same next run from every previous run, with and without catch-up."""
    from airflow.timetables import events
    from airflow.timetables.base import DataInterval, TimeRestriction
    from airflow.timetables.events import EventsTimetable

    from reporting.schedules import timetables
    from reporting.schedules.collections import collection_run_dates, monthly_run_dates

    def listed(dates_of_year) -> list:
        return [pendulum.datetime(d.year, d.month, d.day, 7, tz=LONDON)
                for year in range(2026, 2036) for d in dates_of_year(year)]

    pairs = [(timetables.CollectionTimetable((6, 30)), listed(lambda y: collection_run_dates(y, (6, 30)))),
             (timetables.CollectionTimetable((7, 31)), listed(lambda y: collection_run_dates(y, (7, 31)))),
             (timetables.FirstWorkingDayMonthlyTimetable(), listed(monthly_run_dates))]
    now = pendulum.datetime(2030, 5, 20, 9, tz="UTC")  # between two SSDA903 builds
    monkeypatch.setattr(timetables, "utcnow", lambda: now)
    monkeypatch.setattr(events.timezone, "utcnow", lambda: now)
    restriction = TimeRestriction(earliest=pendulum.datetime(2026, 1, 1, tz=LONDON),
                                  latest=pendulum.datetime(2035, 12, 31, tz=LONDON), catchup=catchup)
    for lazy, dates in pairs:
        old = EventsTimetable(dates, presorted=True)
        for last in [None, *(DataInterval.exact(d) for d in dates[:-1])]:
            assert (lazy.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
                    == old.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)), (lazy, last)


def test_parsing_the_returns_dag_file_does_not_import_holidays(tmp_path):
    """The bank holidays are worked out when the scheduler asks for a run, not at parse time."""
    code = "import runpy, sys; runpy.run_path('dags/mi_returns.py'); print('holidays' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                         env=airflow_env(tmp_path))
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr[-2000:]


def test_collection_year_comes_from_the_run_date():
    from reporting.orchestration.returns import collection_year

    assert collection_year(date(2027, 4, 1)) == 2027  # 2026/27 (year to 31 March 2027), first draft
    assert collection_year(date(2027, 7, 26)) == 2027
    assert collection_year(date(2027, 3, 31)) == 2026  # the year is not over yet: the previous one
    assert collection_year(date(2026, 10, 26)) == 2026


def test_annex_a_builds_monthly_on_the_first_working_day(dagbag):
    runs = _runs(dagbag.dags["mi_return_annex_a"].timetable, pendulum.datetime(2026, 4, 1, tz=LONDON),
                 pendulum.datetime(2027, 3, 31, tz=LONDON))
    # 1 Aug 2026 Sat -> Mon 3; 1 Nov Sun -> Mon 2; 1 Jan 2027 New Year's Day (Fri) -> Mon 4.
    assert [d.isoformat() for d in runs] == [
        "2026-04-01", "2026-05-01", "2026-06-01", "2026-07-01", "2026-08-03", "2026-09-01", "2026-10-01",
        "2026-11-02", "2026-12-01", "2027-01-04", "2027-02-01", "2027-03-01"]


def test_manual_annex_a_run_is_for_the_moment_it_is_triggered(dagbag):
    """Triggered at inspection notice: the run's own date, not the last monthly build's."""
    when = pendulum.datetime(2026, 11, 18, 14, 30, tz=LONDON)
    interval = dagbag.dags["mi_return_annex_a"].timetable.infer_manual_data_interval(run_after=when)
    assert interval.start == when


# ---- real runs: dag.test() against the seeded SQLite case database -----------------------------------
DAG_TEST_SCRIPT = textwrap.dedent('''
    import json, sys, pendulum
    from airflow.utils.cli import get_bagged_dag
    from airflow.utils.session import create_session
    from airflow.models.xcom import XComModel

    dag_id, logical, out = sys.argv[1], sys.argv[2], sys.argv[3]
    dag = get_bagged_dag(None, dag_id)
    # dag.test() waits out a failed task's retry delays (2, 4, 8 minutes): fail at once instead.
    for t in dag.tasks:
        t.retries = 0
    # Airflow 3.3.2's dag.test() cannot finish a run of a DAG with a deadline alert (tests/test_dags.py).
    assert dag.deadline
    dag.deadline = None
    run = dag.test(logical_date=pendulum.parse(logical, tz="Europe/London"))
    with create_session() as session:
        rows = session.query(XComModel).filter(XComModel.dag_id == dag.dag_id,
                                               XComModel.run_id == run.run_id).all()
        xcoms = [{"task_id": x.task_id, "key": x.key, "value": x.value} for x in rows]
        states = {ti.task_id: str(ti.state) for ti in run.get_task_instances(session=session)}
    json.dump({"state": str(run.state), "tasks": states, "xcoms": xcoms}, open(out, "w"), default=str)
''')


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("airflow")
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=airflow_env(home), check=True, capture_output=True, cwd=REPO)
    return home


def _dag_test(home: Path, tmp: Path, dag_id: str, logical: str, **env: str) -> tuple[dict, subprocess.CompletedProcess]:
    script, out = tmp / "run_dag_test.py", tmp / "result.json"
    script.write_text(DAG_TEST_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), dag_id, logical, str(out)],
                          env=airflow_env(home, MI_SQL_DIR=str(REPO / "sql"), **env),
                          capture_output=True, text=True, cwd=REPO, timeout=900)
    assert out.exists(), proc.stderr[-4000:]
    return json.loads(out.read_text()), proc


@pytest.mark.slow
@pytest.mark.xdist_group("sqlite_seed")
def test_annex_a_dag_writes_the_lists_into_the_archive(airflow_home, tmp_path, seeded_sqlite_url):
    from openpyxl import load_workbook
    from sqlalchemy import create_engine, text

    archive = tmp_path / "archive"
    result, proc = _dag_test(airflow_home, tmp_path, "mi_return_annex_a", "2026-10-26T07:00:00",
                             MI_CASEDB_URL=seeded_sqlite_url, MI_ARCHIVE_DIR=str(archive))
    assert result["state"].endswith("success"), proc.stderr[-4000:]

    folder = archive / "annex_a" / "2026-10-26"  # as_at left blank: the run's date
    book_path = folder / "annex_a_2026-10-26.xlsx"
    assert book_path.stat().st_mode & 0o777 == 0o600 and folder.stat().st_mode & 0o777 == 0o700
    book = load_workbook(book_path, read_only=True)
    assert book.sheetnames == ["Summary"] + [f"List {n}" for n in range(1, 12)] + ["Data quality"]

    # List 1 (contacts in the six months to the as-at date: 27 April to 26 October) against a
    # direct count in the database.
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        contacts = conn.execute(text("select count(*) from ssd_contacts where cont_contact_date "
                                     "between '2026-04-27' and '2026-10-26'")).scalar_one()
        child_ids = {r[0] for r in conn.execute(text("select cont_person_id from ssd_contacts "
                                                     "where cont_contact_date between '2026-04-27' and '2026-10-26'"))}
    engine.dispose()
    assert contacts > 0
    summary = {row[0]: row[3] for row in book["Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["List 1"] == contacts
    assert book["List 1"].max_row - 1 == contacts  # header row + one row per contact
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["List 1: Contacts"] == contacts and manifest["as_at"] == "2026-10-26"

    values = json.dumps([x["value"] for x in result["xcoms"]])
    assert "List 1: Contacts" in values
    assert not [c for c in child_ids if str(c) in values], "child ids in XCom"


@pytest.mark.slow
@pytest.mark.xdist_group("sqlite_seed")
def test_ssda903_dag_builds_and_passes_the_dfe_validator(airflow_home, tmp_path, seeded_sqlite_url):
    """The CI run of the SSDA903 validator, through the DAG: it must fail when the validator reports errors."""
    archive, outbox = tmp_path / "archive", tmp_path / "outbox"
    # 1 April 2026: the first draft of the 2025-26 return (year ending 31 March 2026).
    result, proc = _dag_test(airflow_home, tmp_path, "mi_return_ssda903", "2026-04-01T07:00:00",
                             MI_CASEDB_URL=seeded_sqlite_url, MI_ARCHIVE_DIR=str(archive),
                             MI_OUTBOX_DIR=str(outbox), MI_TRANSPORT="outbox")
    folder = archive / "ssda903" / "2026-03-31"
    assert result["tasks"]["build"].endswith("success"), proc.stderr[-4000:]
    assert {"header.csv", "episodes.csv", "manifest.json"} <= {p.name for p in folder.iterdir()}
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "episodes.csv").stat().st_mode & 0o777 == 0o600
    summary_path = folder / "validation.json"
    assert summary_path.exists(), f"validate wrote no summary: {result['tasks']}\n{proc.stderr[-4000:]}"
    summary = json.loads(summary_path.read_text())
    assert summary["year"] == 2026 and set(summary["returns"]) == {"ssda903"}
    errors = summary["returns"]["ssda903"]["error_rules"]
    assert summary["errors"] == sum(errors.values())

    # The performance team heard the counts (notify is a teardown, so it ran either way).
    assert result["tasks"]["notify"].endswith("success"), proc.stderr[-4000:]
    [notice] = list(outbox.glob("*.eml"))
    text = notice.read_text()
    assert f"{summary['errors']} error(s)" in text and "performance-team@example.org" in text

    # The run's colour follows the validator: red on any error, green on none.
    assert result["tasks"]["validate"].endswith("failed" if errors else "success"), result["tasks"]
    assert result["state"].endswith("failed" if errors else "success"), result["state"]
    per_rule = ", ".join(f"{code}: {n}" for code, n in sorted(errors.items(), key=lambda kv: -kv[1]))
    assert summary["errors"] == 0, (f"SSDA903 2025-26: the DfE validator reports {summary['errors']} error(s): "
                                    f"{per_rule}")
