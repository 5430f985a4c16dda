"""The report DAGs: they load, each one is well-behaved, a broken definition is one import error,
and a real `dag.test()` run of a burst report fills the archive without child data in XCom."""

from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest

from reporting import settings
from reporting.definitions import load_catalogue

REPO = settings.REPO_ROOT
DAGS = REPO / "dags"


def _dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS))


@pytest.fixture(scope="module")
def dagbag():
    return _dagbag()


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_dag_folder_loads_without_import_errors(dagbag, catalogue):
    assert dagbag.import_errors == {}
    assert catalogue.errors == [], "the repository's own definitions must all be valid"


def test_every_report_has_a_dag(dagbag, catalogue):
    report_dags = sorted(d for d in dagbag.dag_ids if d.startswith("mi_") and d[3:] in catalogue.reports)
    assert report_dags == sorted(f"mi_{rid}" for rid in catalogue.reports)
    others = {"mi_archive_housekeeping", "mi_source_quality", "mi_board_digest",  # mi_housekeeping.py
              "mi_staff_digest",  # mi_staff_digest.py
              "mi_return_cin_census", "mi_return_ssda903", "mi_return_annex_a"}  # mi_returns.py
    assert others <= set(dagbag.dag_ids)
    assert len(dagbag.dag_ids) == len(catalogue.reports) + len(others)


def test_dags_are_built_in_sorted_order(catalogue):
    from reporting.orchestration.dag_factory import build_dags

    assert list(build_dags(catalogue)) == [f"mi_{rid}" for rid in sorted(catalogue.reports)]


def test_every_report_dag_is_well_behaved(dagbag, catalogue):
    from airflow.sdk import AsyncCallback, DeadlineAlert

    from reporting.orchestration import notify
    from reporting.schedules.timetables import ReportingPeriodTimetable

    for rid, report in catalogue.reports.items():
        spec = report.spec
        dag = dagbag.dags[f"mi_{rid}"]
        where = f"mi_{rid}"
        assert dag.owner == spec.owner, where
        assert set(dag.tags) == {spec.cadence, report.area}, where
        assert spec.title in dag.doc_md, where
        for recipient in spec.recipients:
            assert recipient.role in dag.doc_md, (where, recipient.role)
        for column in spec.columns:
            assert f"`{column.name}`" in dag.doc_md, (where, column.name)
        assert str(report.sql_path.relative_to(REPO)) in dag.doc_md, where
        assert dag.max_active_runs == 1, where
        assert dag.catchup is False, where
        assert dag.timezone.name == "Europe/London", where
        assert isinstance(dag.timetable, ReportingPeriodTimetable), where
        assert dag.timetable.cadence == spec.cadence, where
        assert dag.timetable.due_working_day == spec.due_working_day, where
        callbacks = dag.on_failure_callback if isinstance(dag.on_failure_callback, list) else [dag.on_failure_callback]
        assert any(isinstance(c, notify.FailureNotifier) and c.to == notify.performance_team_email()
                   for c in callbacks), where
        assert dag.deadline, where
        alert = dag.deadline[0]
        assert isinstance(alert, DeadlineAlert) and isinstance(alert.callback, AsyncCallback), where
        assert alert.interval == timedelta(hours=notify.deadline_hours()), where
        assert alert.callback.path == "reporting.orchestration.notify.deadline_missed", where
        assert [t.task_id for t in dag.tasks] == ["extract", "check_quality", "render", "deliver", "record"], where
        for t in dag.tasks:
            assert t.retries >= 3 and t.retry_exponential_backoff, (where, t.task_id)
        assert dag.get_task("extract").downstream_task_ids == {"check_quality", "render"}
        assert "render" in dag.get_task("check_quality").downstream_task_ids
        assert dag.get_task("render").downstream_task_ids == {"deliver"}
        assert dag.get_task("deliver").downstream_task_ids == {"record"}
        mapped = type(dag.get_task("render")).__name__ == "DecoratedMappedOperator"
        assert mapped == bool(spec.burst_key), where


def test_deadline_callback_is_importable_and_awaitable():
    import inspect

    from airflow.sdk._shared.module_loading import import_string

    assert inspect.iscoroutinefunction(import_string("reporting.orchestration.notify.deadline_missed"))


def test_deadline_hours_from_environment(monkeypatch):
    from reporting.orchestration import dag_factory

    monkeypatch.setenv("MI_DEADLINE_HOURS", "2.5")
    monkeypatch.setenv("MI_PERFORMANCE_TEAM_EMAIL", "perf@example.test")
    dag = dag_factory.build_dag(load_catalogue().get("cp_visits_due_next_week"))
    assert dag.deadline[0].interval == timedelta(hours=2.5)
    assert dag.deadline[0].callback.kwargs["to"] == "perf@example.test"
    assert dag.on_failure_callback[0].to == "perf@example.test" if isinstance(dag.on_failure_callback, list) \
        else dag.on_failure_callback.to == "perf@example.test"


def test_a_broken_definition_is_one_import_error_naming_the_file(tmp_path, monkeypatch, catalogue):
    sql = tmp_path / "sql"
    shutil.copytree(REPO / "sql", sql)
    good = catalogue.get("cp_visits_due_next_week")
    broken = sql / good.area / "cp_visits_broken.yml"
    text = good.yaml_path.read_text(encoding="utf-8").replace("id: cp_visits_due_next_week", "id: cp_visits_broken")
    broken.write_text(text + "\nrecipents_typo: [x]\n", encoding="utf-8")
    shutil.copy(good.sql_path, broken.with_suffix(".sql"))
    monkeypatch.setenv("MI_SQL_DIR", str(sql))

    bag = _dagbag()
    assert len(bag.import_errors) == 1, bag.import_errors
    [(file, message)] = bag.import_errors.items()
    assert file.endswith("mi_definition_errors.py")
    assert str(broken) in message and "recipents_typo" in message and "unknown field" in message
    assert "mi_cp_visits_broken" not in bag.dag_ids
    assert {f"mi_{rid}" for rid in catalogue.reports} <= set(bag.dag_ids), "the good reports still load"


def test_dag_folder_parse_time_is_measured(record_property):
    bag = _dagbag()
    stats = {Path(s.file).name: s.duration.total_seconds() for s in bag.dagbag_stats}
    total = sum(stats.values())
    record_property("dag_parse_seconds", total)
    print(f"\nDAG folder parse: {total:.3f}s over {len(stats)} files: {stats}")
    assert set(stats) >= {"mi_reports.py", "mi_definition_errors.py", "mi_housekeeping.py"}


def test_dag_module_imports_nothing_heavy():
    """What the DAG files import: no pandas, WeasyPrint, GX, database drivers, nor the pipeline's own
    extract/render code (which is where engines are created) at parse time. (SQLAlchemy itself is
    already imported by Airflow's own ORM, so it is not a useful signal.)"""
    code = ("import sys, runpy\n"
            f"for f in ('mi_reports.py', 'mi_definition_errors.py', 'mi_housekeeping.py', 'mi_returns.py'):\n"
            f"    runpy.run_path({str(DAGS)!r} + '/' + f)\n"
            "heavy = sorted(m for m in ('pandas', 'weasyprint', 'great_expectations', 'psycopg', 'openpyxl',"
            " 'reporting.extract', 'reporting.runner', 'reporting.render', 'reporting.orchestration.tasks')"
            " if m in sys.modules)\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                         env={**os.environ, "MI_SQL_DIR": str(REPO / "sql")})
    assert out.stdout.strip().splitlines()[-1:] in ([], [""]), out.stdout


# ---- a real run: dag.test() against the seeded SQLite case database ------------------------------
DAG_TEST_SCRIPT = textwrap.dedent('''
    import json, sys, pendulum
    from airflow.utils.cli import get_bagged_dag
    from airflow.utils.session import create_session
    from airflow.models.xcom import XComModel

    dag = get_bagged_dag(None, "mi_cp_visits_due_next_week")
    # Airflow 3.3.2 dag.test() cannot finish a run of a DAG with a deadline alert: DagRun.update_state
    # looks the alerts up by DB id, but dag.test()'s re-serialised DAG holds them as dicts
    # ("'dict' object has no attribute 'hex'"). The scheduler path (test_airflow_e2e) keeps them.
    assert dag.deadline
    dag.deadline = None
    # Manual runs report on the latest period closed before the logical date: Mon 26 Oct 2026
    # 07:00 London -> the week Mon 19 .. Sun 25 Oct 2026.
    run = dag.test(logical_date=pendulum.datetime(2026, 10, 26, 7, tz="Europe/London"))
    with create_session() as session:
        rows = session.query(XComModel).filter(XComModel.dag_id == dag.dag_id,
                                               XComModel.run_id == run.run_id).all()
        xcoms = [{"task_id": x.task_id, "map_index": x.map_index, "key": x.key, "value": x.value} for x in rows]
    # then the day's staff digest, which sends what the deliver tasks queued for staff
    digest = get_bagged_dag(None, "mi_staff_digest")
    sent = digest.test(logical_date=pendulum.datetime(2026, 10, 26, 10, tz="Europe/London"))
    with create_session() as session:
        counts = [x.value for x in session.query(XComModel).filter(XComModel.dag_id == digest.dag_id,
                                                                    XComModel.run_id == sent.run_id).all()]
    # a report without slices (after the digest, so its staff sends wait for the next one): its
    # render and deliver are single tasks, not mapped
    plain = get_bagged_dag(None, "mi_icpc_first_review_timeliness")
    plain.deadline = None
    for each in plain.tasks:  # a failure ends the run here instead of waiting out the retry delay
        each.retries = 0
    plain_run = plain.test(logical_date=pendulum.datetime(2026, 10, 26, 7, tz="Europe/London"))
    json.dump({"state": str(run.state), "interval": [str(run.data_interval_start), str(run.data_interval_end)],
               "plain_state": str(plain_run.state),
               "xcoms": xcoms, "digest_state": str(sent.state), "digest_xcoms": counts},
              open(sys.argv[1], "w"), default=str)
''')


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    })
    env.update(extra)
    return env


@pytest.mark.slow
@pytest.mark.xdist_group("sqlite_seed")
def test_dag_test_run_archives_report_and_team_slices(tmp_path, seeded_sqlite_url, record_property):
    home, archive = tmp_path / "airflow", tmp_path / "archive"
    outbox = tmp_path / "outbox"
    env = airflow_env(home, MI_CASEDB_URL=seeded_sqlite_url, MI_ARCHIVE_DIR=str(archive),
                      MI_SQL_DIR=str(REPO / "sql"), MI_VAR_DIR=str(tmp_path / "var"), MI_OUTBOX_DIR=str(outbox),
                      MI_STATE_URL=f"sqlite:///{tmp_path / 'state.sqlite'}", MI_TRANSPORT="outbox")
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, cwd=REPO)
    script, out = tmp_path / "run_dag_test.py", tmp_path / "result.json"
    script.write_text(DAG_TEST_SCRIPT)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(script), str(out)], env=env, capture_output=True, text=True,
                          cwd=REPO, timeout=600)
    record_property("dag_test_seconds", round(time.perf_counter() - started, 1))
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(out.read_text())
    assert result["state"].endswith("success"), proc.stderr[-4000:]
    assert result["plain_state"].endswith("success"), proc.stderr[-4000:]
    plain = json.loads((archive / "icpc_first_review_timeliness" / "2026-10-25" / "run.json").read_text())
    assert plain["status"] == "ready" and plain["slices"] == 0

    folder = archive / "cp_visits_due_next_week" / "2026-10-25"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["period_start"] == "2026-10-19" and manifest["as_at"] == "2026-10-25"
    assert {p.name for p in folder.iterdir()} >= {"cp_visits_due_next_week.pdf", "cp_visits_due_next_week.html",
                                                  "cp_visits_due_next_week.csv", "cp_visits_due_next_week.xlsx",
                                                  "manifest.json", "run.json", "slices"}
    staged = json.loads((folder / ".staging" / "extract.json").read_text())
    assert (folder / ".staging" / "extract.json").stat().st_mode & 0o777 == 0o600
    teams = sorted({r["team_id"] for r in staged["rows"] if r["team_id"] is not None})
    assert teams, "the seeded week has CP children with visits due"
    assert sorted(p.name for p in (folder / "slices").iterdir()) == teams
    for team in teams:
        assert (folder / "slices" / team / "manifest.json").exists()
    run = json.loads((folder / "run.json").read_text())
    assert run["slices"] == len(teams) and run["rows"] == len(staged["rows"]) == manifest["rows"]
    # render was mapped over batches: the whole report, then the teams laid out together (the week's
    # teams show well under the 1,500 rows of one burst), each team rendered and delivered once
    def mapped(task_id: str) -> list[list]:
        found = sorted((x["map_index"], x["value"]) for x in result["xcoms"]
                       if x["task_id"] == task_id and x["key"] == "return_value")
        return [json.loads(v) if isinstance(v, str) else v for _, v in found]

    assert [[r["slice"] for r in batch] for batch in mapped("render")] == [[None], teams]
    assert [[r["slice"] for r in batch] for batch in mapped("deliver")] == [[None], teams]

    # the staff digest DAG sent each team manager and SP of a team with rows one e-mail, naming
    # the report; the queue is empty after it
    assert result["digest_state"].endswith("success"), proc.stderr[-4000:]
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")]
    subject = "[OFFICIAL-SENSITIVE] MI reports run on 26 Oct 2026: CP children with visits due in the next week"
    digests = [m for m in messages if m["Subject"] == subject]
    assert digests and len(digests) == len({m["To"] for m in digests})
    assert all("CP children with visits due in the next week" in m.get_body(("plain",)).get_content()
               for m in digests)
    left = {p.name.split("__")[0] for p in (archive / "_digests" / "pending").iterdir()}
    assert left <= {"icpc_first_review_timeliness"}, "only the report run after the digest is queued"
    counts = json.dumps(result["digest_xcoms"])
    assert f'"digests": {len(digests)}' in counts and '"left": 0' in counts

    # XCom holds paths, counts, slice keys and hashes: no child names.
    values = json.dumps([x["value"] for x in result["xcoms"] + [{"value": result["digest_xcoms"]}]])
    assert "staging" in values and "content_hash" in values
    from sqlalchemy import create_engine, text

    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        names = [f"{f} {s}" for f, s in conn.execute(text(
            "select pers_forename, pers_surname from ssd_person "
            "where pers_forename is not null and pers_surname is not null"))]
    engine.dispose()
    reported = {r["child_name"] for r in staged["rows"]}
    assert reported <= set(names)
    leaked = [n for n in names if n in values]
    assert not leaked, f"child names in XCom: {leaked[:3]}"


def test_extract_runs_in_the_case_database_pool(monkeypatch):
    from reporting.orchestration import dag_factory

    definition = load_catalogue().get("cp_visits_due_next_week")
    assert dag_factory.build_dag(definition).get_task("extract").pool == "default_pool"
    monkeypatch.setenv("MI_CASEDB_POOL", "casedb")
    assert dag_factory.build_dag(definition).get_task("extract").pool == "casedb"
