"""A real Airflow: scheduler + dag-processor + api-server (the execution API LocalExecutor
workers talk to) on a fresh PostgreSQL metadata database, running one *scheduled* run of
`mi_cp_visits_due_next_week` for a past period to success.

The past period is chosen the way an operator would replay one: MI_SCHEDULE_START/END bound the
DAG's start/end dates to the week of 19 Oct 2026 and MI_CATCHUP=true lets the scheduler create
that period's run (`airflow dags trigger --logical-date` would not do: in Airflow 3.3 the data
interval of a manual run is inferred from its run_after, i.e. now, not from the logical date).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from reporting import settings

REPO = settings.REPO_ROOT
DAG_ID = "mi_cp_visits_due_next_week"
TIMEOUT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 20
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)


def airflow_settings(home: Path, metadata_url: str, port: int, executor: str) -> dict[str, str]:
    """Airflow components as separate local processes: PostgreSQL metadata, our dags/, a private
    execution API on `port`, fast parsing and heartbeats so a test run takes a minute, not ten."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        # Airflow derives an asyncpg URL otherwise; the project ships psycopg 3, which does async too.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url.replace("+psycopg://", "+psycopg_async://"),
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
    }


def scheduled_run(tmp_path: Path, metadata_url: str, pipeline_env: dict[str, str]):
    """Start api-server, dag-processor and scheduler; unpause DAG_ID; wait for its one scheduled run
    to finish. Returns (runs, task instances) as the metadata database records them."""
    home, logs = tmp_path / "airflow", tmp_path / "logs"
    logs.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(airflow_settings(home, metadata_url, port, "LocalExecutor"))
    env.update({"MI_VAR_DIR": str(tmp_path / "var"), "MI_SQL_DIR": str(REPO / "sql"), "MI_SCHEDULE_START": "2026-10-19",
                "MI_SCHEDULE_END": "2026-10-19", "MI_CATCHUP": "true", **pipeline_env})
    airflow = str(Path(sys.executable).with_name("airflow"))
    started = time.monotonic()
    migrate = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert migrate.returncode == 0, migrate.stderr[-3000:]

    procs: list[subprocess.Popen] = []
    try:
        for component in ("api-server", "dag-processor", "scheduler"):
            out = open(logs / f"{component}.log", "wb")
            procs.append(subprocess.Popen([airflow, component], env=env, stdout=out, stderr=subprocess.STDOUT,
                                          cwd=tmp_path, start_new_session=True))
        metadata = create_engine(metadata_url)

        def query(sql: str, **params):
            with metadata.connect() as conn:
                return conn.execute(text(sql), params).fetchall()

        def wait_for(what: str, check, timeout: float):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                for proc in procs:
                    assert proc.poll() is None, f"{proc.args[1]} exited: {_tail(logs / (proc.args[1] + '.log'))}"
                value = check()
                if value:
                    return value
                time.sleep(2)
            pytest.fail(f"timed out waiting for {what}; scheduler log:\n{_tail(logs / 'scheduler.log')}\n"
                        f"dag-processor log:\n{_tail(logs / 'dag-processor.log')}")

        wait_for("the DAG to be parsed", lambda: query("select 1 from dag where dag_id = :d", d=DAG_ID), 120)
        unpause = subprocess.run([airflow, "dags", "unpause", DAG_ID], env=env, capture_output=True, text=True,
                                 cwd=tmp_path)
        assert unpause.returncode == 0, unpause.stderr[-2000:]

        def finished():
            rows = query("select run_id, state, run_type, data_interval_start, data_interval_end from dag_run "
                         "where dag_id = :d", d=DAG_ID)
            done = [r for r in rows if r.state in ("success", "failed")]
            return done or None

        remaining = TIMEOUT - (time.monotonic() - started)
        runs = wait_for("the scheduled run to finish", finished, max(remaining, 60))
        states = query("select task_id, map_index, rendered_map_index, state, try_number from task_instance "
                       "where dag_id = :d order by task_id, map_index", d=DAG_ID)
        metadata.dispose()
        return runs, states, time.monotonic() - started
    finally:
        _stop(procs)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.xdist_group("pg_seed")
def test_scheduler_runs_a_scheduled_report_run_to_success(tmp_path, make_pg_database, seeded_pg_url,
                                                           record_property):
    archive = tmp_path / "archive"
    runs, states, seconds = scheduled_run(tmp_path, make_pg_database(), {
        "MI_CASEDB_URL": seeded_pg_url, "MI_ARCHIVE_DIR": str(archive)})
    record_property("e2e_seconds", round(seconds, 1))
    assert [r.state for r in runs] == ["success"], (runs, states)
    [run] = runs
    assert run.run_type == "scheduled"
    assert run.data_interval_start.date().isoformat() in ("2026-10-18", "2026-10-19")  # London midnight in UTC

    folder = archive / "cp_visits_due_next_week" / "2026-10-25"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["period_start"] == "2026-10-19" and manifest["period_end"] == "2026-10-25"
    assert (folder / "cp_visits_due_next_week.pdf").stat().st_size > 0
    run_file = json.loads((folder / "run.json").read_text())
    assert run_file["status"] == "ready" and run_file["slices"] >= 1
    assert len(list((folder / "slices").iterdir())) == run_file["slices"]
    # the mapped tasks are named in the UI by the slices they take (the whole report; a batch of
    # teams, laid out together, by its first three teams' names and how many more), not 0, 1, 2 ...
    team_names = [json.loads((team / "manifest.json").read_text())["slice_label"]  # in team id order
                  for team in sorted((folder / "slices").iterdir())]
    batch = ", ".join(team_names) if len(team_names) <= 3 else (
        f"{', '.join(team_names[:3])} and {len(team_names) - 3} more")
    for task_id in ("render", "deliver"):
        named = sorted(r.rendered_map_index for r in states if r.task_id == task_id)
        assert named == sorted(["whole report", batch]), (task_id, named)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.xdist_group("pg_seed")
def test_a_failed_scheduled_run_notifies_the_performance_team_and_the_superusers(tmp_path, make_pg_database,
                                                                                 seeded_pg_url):
    """The case database refuses the login: the extract fails at once (no retry), the run fails, and
    both failure notices land through the pipeline's own transport (here the outbox)."""
    import email
    from email import policy

    from sqlalchemy.engine import make_url

    outbox = tmp_path / "outbox"
    refused = make_url(seeded_pg_url).set(username="no_such_role").render_as_string(hide_password=False)
    runs, states, _ = scheduled_run(tmp_path, make_pg_database(), {
        "MI_CASEDB_URL": refused, "MI_ARCHIVE_DIR": str(tmp_path / "archive"), "MI_OUTBOX_DIR": str(outbox),
        "MI_TRANSPORT": "outbox", "MI_PERFORMANCE_TEAM_EMAIL": "performance@example.org",
        "MI_SUPERUSERS_EMAIL": "superusers@example.org"})
    assert [r.state for r in runs] == ["failed"], (runs, states)
    extract = [r for r in states if r.task_id == "extract"]
    assert [(r.state, r.try_number) for r in extract] == [("failed", 1)], "a refused login is not retried"
    deadline = time.monotonic() + 60  # the callback runs in the dag-processor after the run fails
    while time.monotonic() < deadline and len(list(outbox.glob("*.eml"))) < 2:
        time.sleep(1)
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")]
    assert sorted(m["To"] for m in messages) == ["performance@example.org", "superusers@example.org"]
    for message in messages:
        assert message["Subject"] == ("[MI] FAILED: CP children with visits due in the next week "
                                      "(mi_cp_visits_due_next_week)")
        body = message.get_body(("plain",)).get_content()
        assert "Failed task: extract" in body and "SourceAuthenticationError" in body, body


def _tail(path: Path, n: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"
