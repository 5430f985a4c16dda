"""Fault scenarios 1, 2, 5, 6, 7, 8 and 9 on real components (docs/reliability.md maps each to its test).

The SMTP scenarios (3, 4, 10) are in test_fault_smtp.py. Everything here runs the task bodies of
`reporting.orchestration.tasks` (what the Airflow tasks call) against real databases, real
processes (SIGKILL), a real full or read-only filesystem (tmpfs) and a real SMTP server.
"""

from __future__ import annotations

import email
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from email import policy
from pathlib import Path

import pendulum
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from test_delivery import Server, free_port

from reporting import settings
from reporting.casedb.readonly import QueryTimeoutError, SourceUnreachableError
from reporting.definitions import load_catalogue
from reporting.delivery.ledger import Ledger

REPO = settings.REPO_ROOT
WEEKLY = "icpc_first_review_timeliness"  # not sliced: whole report to IROs and business support
BURST = "cp_visits_due_next_week"  # sliced per team
WEEK = ("2026-10-19", "2026-10-25")
WEEK_START = pendulum.datetime(2026, 10, 19, tz="Europe/London")  # the DAG run's data interval start
SECRET = "Sup3r-S3cret-pw"


@pytest.fixture
def env(tmp_path, monkeypatch, per_report_mail):
    """A private archive, outbox and state database; mail goes to the outbox unless a test says.
    Each report is e-mailed on its own (`per_report_mail`): the faults here are of a report's own
    run and send; the digest's are in tests/test_digest.py and the two-runs test."""
    for name, path in (("MI_ARCHIVE_DIR", "archive"), ("MI_VAR_DIR", "var"), ("MI_OUTBOX_DIR", "outbox")):
        monkeypatch.setenv(name, str(tmp_path / path))
    monkeypatch.setenv("MI_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("MI_TRANSPORT", "outbox")
    monkeypatch.delenv("MI_SMTP_HOST", raising=False)
    return tmp_path


def pipeline(report_id: str, start: str = WEEK[0], end: str = WEEK[1]) -> dict:
    """The DAG's task bodies in order, as the Airflow tasks call them, then the day's staff digest
    (mi_staff_digest), which sends what the deliver tasks queued for staff who take one."""
    from reporting.orchestration import tasks

    out = tasks.extract(report_id, start, end, end)
    tasks.check_quality(report_id, out["staging"])
    rendered = [tasks.render(report_id, out["staging"], target) for target in out["targets"]]
    recorded = tasks.record(report_id, [tasks.deliver(report_id, r) for r in rendered])
    tasks.send_digests(end)
    return recorded


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def outbox_messages(env: Path) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((env / "outbox").glob("*.eml"))]


def assert_folder_matches_manifest(folder: Path) -> dict:
    """The manifest parses and every file it lists is there, whole (same SHA-256)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, digest in manifest["file_hashes"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, f"{name} is not whole"
    return manifest


def expected_content_hash(staging: Path, report_id: str) -> str:
    """The content hash computed here from the staged rows, by the documented rule (not runner.data_hash)."""
    data = json.loads(staging.read_text())
    columns = [c.name for c in load_catalogue().get(report_id).spec.columns]
    lines = ["\t".join(columns)]
    for row in data["rows"]:
        lines.append("\t".join("" if row[c] is None else str(row[c]) for c in columns))
    return hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()


# ---- 1. case database unreachable during extract ------------------------------------------------
@pytest.mark.postgres
@pytest.mark.xdist_group("sqlite_seed")
@pytest.mark.parametrize("where", ["closed_port", "dropped_database"])
def test_unreachable_case_database_fails_clearly_leaves_nothing_and_a_rerun_delivers(
        where, env, monkeypatch, make_pg_database, pg_server_url, seeded_sqlite_url):
    from reporting.orchestration import tasks
    from reporting.orchestration.dag_factory import build_dag

    if where == "closed_port":
        url = f"postgresql+psycopg://mi_reader:{SECRET}@127.0.0.1:{free_port()}/casedb"
    else:
        url = make_pg_database()
        admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{make_url(url).database}"'))
        admin.dispose()
        url = make_url(url).set(username="postgres", password=SECRET).render_as_string(hide_password=False)
    monkeypatch.setenv("MI_CASEDB_URL", url)
    with pytest.raises(SourceUnreachableError) as failed:
        tasks.extract(WEEKLY, *WEEK)
    message = str(failed.value)
    assert f"{WEEKLY}.sql: the case database cannot be reached" in message
    assert ("Connection refused" in message) if where == "closed_port" else ("does not exist" in message)
    assert SECRET not in message and "postgresql+psycopg://" not in message
    assert files_under(env / "archive") == [], "a failed extract must leave nothing in the archive"
    # Airflow retries it, 4 tries within about 7 minutes (1, 2, 4), before the run fails and notifies:
    # the task lets the error through as an ordinary (retried) failure
    task = build_dag(load_catalogue().get(WEEKLY)).get_task("extract")
    assert task.retries == 3 and task.retry_exponential_backoff
    assert task.retry_delay == timedelta(minutes=1) and task.max_retry_delay == timedelta(minutes=4)
    with pytest.raises(SourceUnreachableError):
        task.python_callable(data_interval_start=WEEK_START, data_interval_end=WEEK_START.add(days=7))
    # the database is back: a clear re-run delivers, each recipient once
    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    summary = pipeline(WEEKLY)
    assert summary["status"] == "ready" and summary["rows"] > 0
    ledger = Ledger()
    sent = [e for e in ledger.entries(WEEKLY) if e["state"] == "sent"]
    ledger.dispose()
    messages = outbox_messages(env)
    assert sent and sorted(m["To"] for m in messages) == sorted(e["recipient"] for e in sent)


@pytest.mark.postgres
@pytest.mark.xdist_group("sqlite_seed")
def test_a_refused_login_or_a_report_sql_error_fails_the_extract_at_once_without_a_retry(
        env, monkeypatch, seeded_pg_url, seeded_sqlite_url, tmp_path):
    """Neither fixes itself: the extract task fails for good (AirflowFailException), naming the
    fault, where an unreachable database is retried (above)."""
    from airflow.sdk.exceptions import AirflowFailException

    from reporting.orchestration.dag_factory import build_dag

    interval = {"data_interval_start": WEEK_START, "data_interval_end": WEEK_START.add(days=7)}
    task = build_dag(load_catalogue().get(WEEKLY)).get_task("extract")
    login = make_url(seeded_pg_url).set(username="no_such_role")
    monkeypatch.setenv("MI_CASEDB_URL", login.render_as_string(hide_password=False))
    with pytest.raises(AirflowFailException) as refused:
        task.python_callable(**interval)
    assert str(refused.value).startswith(f"SourceAuthenticationError: {WEEKLY}.sql: the case database refused "
                                         "the login")
    assert '"no_such_role"' in str(refused.value) and "not retried" in str(refused.value)
    # the report's own SQL: a column the database does not have
    root = tmp_path / "sql"
    shutil.copytree(REPO / "sql", root)
    broken = load_catalogue(root).get(WEEKLY).sql_path
    body = broken.read_text().strip().rstrip(";")
    broken.write_text(f"select q.*, q.no_such_column from (\n{body}\n) q\n")
    monkeypatch.setenv("MI_SQL_DIR", str(root))
    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    task = build_dag(load_catalogue(root).get(WEEKLY)).get_task("extract")
    with pytest.raises(AirflowFailException) as failed:
        task.python_callable(**interval)
    assert str(failed.value).startswith(f"ReportSQLError: {broken}: the query failed")
    assert "no such column: q.no_such_column" in str(failed.value)
    assert files_under(env / "archive") == []


# ---- 2. the database drops mid-query / statement timeout ----------------------------------------
@pytest.fixture
def slow_probe(tmp_path, monkeypatch):
    """A copy of sql/ with `slow_probe`: the weekly report's query made to sleep 30 s in PostgreSQL.

    The sleep comes first so it is inside the 1 kB of query text pg_stat_activity keeps."""
    root = tmp_path / "sql"
    shutil.copytree(REPO / "sql", root)
    good = load_catalogue(root).get(WEEKLY)
    folder = root / "faults"
    folder.mkdir()
    (folder / "slow_probe.yml").write_text(good.yaml_path.read_text().replace(f"id: {WEEKLY}", "id: slow_probe"))
    body = good.sql_path.read_text().strip().rstrip(";")
    (folder / "slow_probe.sql").write_text(f"select q.* from (select pg_sleep(30)) s cross join (\n{body}\n) q\n")
    monkeypatch.setenv("MI_SQL_DIR", str(root))
    return "slow_probe"


@pytest.mark.postgres
@pytest.mark.xdist_group("pg_seed")
def test_query_killed_mid_flight_or_timed_out_fails_clearly_and_a_rerun_delivers(
        env, monkeypatch, seeded_pg_url, pg_server_url, slow_probe):
    from reporting.orchestration import tasks

    # (a) another session terminates the backend while the query runs
    monkeypatch.setenv("MI_CASEDB_URL", seeded_pg_url)
    errors: list[Exception] = []

    def run():
        try:
            tasks.extract(slow_probe, *WEEK)
        except Exception as error:  # noqa: BLE001 - inspected below
            errors.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    database = make_url(seeded_pg_url).database
    killed = 0
    deadline = time.monotonic() + 20
    while not killed and time.monotonic() < deadline:
        time.sleep(0.1)
        with admin.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :d "
                "AND state = 'active' AND (query LIKE '%pg_sleep(30)%' OR query LIKE 'FETCH%') "
                    "AND pid <> pg_backend_pid()"), {"d": database}).scalar()
    admin.dispose()
    worker.join(30)
    assert killed == 1 and not worker.is_alive(), errors
    [error] = errors
    assert isinstance(error, SourceUnreachableError), error
    assert "slow_probe.sql: the case database cannot be reached" in str(error)
    assert "terminat" in str(error) and "select" not in str(error).lower()
    # (b) a statement timeout set by connect args (libpq options on the URL)
    timed = make_url(seeded_pg_url).update_query_dict({"options": "-c statement_timeout=200"})
    monkeypatch.setenv("MI_CASEDB_URL", timed.render_as_string(hide_password=False))
    with pytest.raises(QueryTimeoutError, match="statement timeout") as failed:
        tasks.extract(slow_probe, *WEEK)
    assert "postgres@" not in str(failed.value)
    assert files_under(env / "archive") == [], "nothing half-written"
    # the database is healthy again: the re-run delivers
    monkeypatch.setenv("MI_CASEDB_URL", seeded_pg_url)
    summary = pipeline(WEEKLY)
    assert summary["status"] == "ready"
    assert len(outbox_messages(env)) == sum(r["sent"] for r in json.loads(
        Path(summary["run_file"]).read_text())["results"]) > 0


# ---- 5. a worker killed mid-render ----------------------------------------------------------------
RENDER_SCRIPT = "import sys\nfrom reporting.orchestration import tasks\ntasks.render(sys.argv[1], sys.argv[2])\n"


@pytest.mark.xdist_group("sqlite_seed")
def test_worker_killed_mid_render_leaves_no_partial_file_and_the_retry_is_identical(env, monkeypatch,
                                                                                    seeded_sqlite_url):
    from reporting.orchestration import tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    out = tasks.extract(WEEKLY, *WEEK)
    tasks.check_quality(WEEKLY, out["staging"])  # render needs the gate's findings
    staging = Path(out["staging"])
    folder = staging.parent.parent
    report_folder = folder.parent  # a render's scratch (.work-*) is beside the folder it replaces

    def scratch_files(pattern: str) -> bool:
        return any(f for work in report_folder.glob(".work-*") for f in work.rglob(pattern))

    killed_with_html = False
    for _ in range(3):  # kill while WeasyPrint works: after the HTML is written, before the PDF is
        proc = subprocess.Popen([sys.executable, "-c", RENDER_SCRIPT, WEEKLY, str(staging)], cwd=REPO,
                                env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and not scratch_files("*.html"):
            time.sleep(0.002)
        if proc.poll() is None and not scratch_files("*.pdf"):
            proc.send_signal(signal.SIGKILL)
            killed_with_html = proc.wait() == -signal.SIGKILL
        else:
            proc.wait()
        if killed_with_html:
            break
        shutil.rmtree(folder)  # it finished first: start again from the staged extract
        out = tasks.extract(WEEKLY, *WEEK)
        tasks.check_quality(WEEKLY, out["staging"])  # render needs the gate's findings
    assert killed_with_html, "could not catch the renderer mid-PDF"
    published = [p for p in folder.iterdir() if p.is_file()]
    assert published == [], f"a killed render published {published}"
    # the task is retried: the same content hash as computed here, then a second retry is byte-identical
    first = tasks.render(WEEKLY, out["staging"])
    manifest = assert_folder_matches_manifest(folder)
    assert first["content_hash"] == manifest["content_hash"] == expected_content_hash(staging, WEEKLY)
    assert not any(folder.glob("*.tmp")) and not any(p.name.startswith(".") for p in folder.iterdir()
                                                      if p.is_file()), "no temporary file in the period folder"
    again = tasks.render(WEEKLY, out["staging"])
    assert again["content_hash"] == first["content_hash"]
    assert json.loads((folder / "manifest.json").read_text())["file_hashes"] == manifest["file_hashes"]
    # and what is delivered is the whole file the manifest vouches for
    tasks.deliver(WEEKLY, again)
    messages = outbox_messages(env)
    assert messages
    for message in messages:
        for part in message.iter_attachments():
            assert (hashlib.sha256(part.get_payload(decode=True)).hexdigest()
                    == manifest["file_hashes"][part.get_filename()])
    # record clears what the killed worker left in its scratch folder
    assert list(report_folder.glob(".work-*")), "the killed worker left its scratch"
    tasks.record(WEEKLY, [tasks.deliver(WEEKLY, again)])
    assert list(report_folder.glob(".work-*")) == [], "the killed worker's scratch is cleared by record"


# ---- 6. archive disk full or read-only ------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """A real 8 MB tmpfs mounted for the test (needs root, as in CI; otherwise the test cannot run)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.fail("scenario 6 needs to mount a small tmpfs (run the tests as root, as CI does)", pytrace=False)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.xdist_group("sqlite_seed")
def test_archive_disk_full_or_read_only_fails_clearly_keeps_the_manifest_and_sends_nothing_unwritten(
        env, monkeypatch, seeded_sqlite_url, small_disk):
    from reporting.orchestration import tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(small_disk / "archive"))
    out = tasks.extract(WEEKLY, *WEEK)
    tasks.check_quality(WEEKLY, out["staging"])  # render needs the gate's findings
    good = tasks.render(WEEKLY, out["staging"])
    folder = Path(good["folder"])
    before = assert_folder_matches_manifest(folder)
    # fill the disk, then re-render (a re-run of the period)
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle:  # unbuffered: nothing left to flush at close
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    with pytest.raises(OSError) as full:
        tasks.render(WEEKLY, out["staging"])
    assert full.value.errno == 28 and "No space left on device" in str(full.value)
    assert assert_folder_matches_manifest(folder) == before, "the complete earlier version is intact"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".") and p.is_dir()], "temp folders left"
    # nothing unwritten is delivered: deliver sends the complete files the manifest lists
    filler.unlink()
    tasks.deliver(WEEKLY, good)
    sent = outbox_messages(env)
    assert sent
    for message in sent:
        for part in message.iter_attachments():
            assert (hashlib.sha256(part.get_payload(decode=True)).hexdigest()
                    == before["file_hashes"][part.get_filename()])
    # read-only: the same
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(OSError) as read_only:
        tasks.render(WEEKLY, out["staging"])
    assert read_only.value.errno == 30 and "Read-only file system" in str(read_only.value)
    assert assert_folder_matches_manifest(folder) == before


# ---- 7. critical data-quality failure: nothing delivered, superusers notified -----------------------
@pytest.mark.xdist_group("sqlite_seed")
def test_critical_quality_failure_delivers_nothing_and_notifies_superusers_by_smtp(env, monkeypatch,
                                                                                   seeded_sqlite_url):
    from types import SimpleNamespace

    from airflow.sdk.exceptions import AirflowFailException

    from reporting.orchestration import tasks
    from reporting.orchestration.dag_factory import build_dag

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    monkeypatch.setenv("MI_SUPERUSERS_EMAIL", "mosaic-superusers@example.org")
    monkeypatch.setenv("MI_PERFORMANCE_TEAM_EMAIL", "performance@example.org")
    out = tasks.extract(BURST, *WEEK)
    staging = Path(out["staging"])
    data = json.loads(staging.read_text())
    data["rows"][1]["person_id"] = data["rows"][0]["person_id"]  # a repeated child: critical
    staging.write_text(json.dumps(data))
    dag = build_dag(load_catalogue().get(BURST))
    with pytest.raises(AirflowFailException) as failed:
        dag.get_task("check_quality").python_callable(staging=str(staging), targets=out["targets"])
    reason = str(failed.value)
    assert "'Person ID is repeated' failed on 2 row(s)" in reason
    assert sorted(p.name for p in staging.parent.parent.iterdir()) == [".staging"], "nothing rendered"
    assert not (env / "outbox").exists() and Ledger().entries(BURST) == [], "nothing delivered"
    # the DAG's failure notifiers, called as Airflow calls them, against a real SMTP server
    with Server() as server:
        # the pipeline's own SMTP settings, as for every report (no Airflow smtp_default connection)
        monkeypatch.setenv("MI_TRANSPORT", "smtp")
        monkeypatch.setenv("MI_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MI_SMTP_PORT", str(server.port))
        context = {"dag": dag, "dag_run": SimpleNamespace(run_id="scheduled__2026-10-26"), "reason": reason}
        for notifier in dag.on_failure_callback:
            notifier(context)
        # the failed task's own callbacks (after its last try, with its exception) tell the same run
        # to the same people: nobody hears of one run twice
        task_callbacks = dag.get_task("check_quality").on_failure_callback
        assert {c.to for c in task_callbacks} == {"performance@example.org", "mosaic-superusers@example.org"}
        for notifier in task_callbacks:
            notifier({**context, "exception": failed.value})
    to = Counter(m["To"] for m in server.messages)
    assert to == Counter({"performance@example.org": 1, "mosaic-superusers@example.org": 1})
    for message in server.messages:
        body = message.get_body(("plain",)).get_content()
        assert "FAILED" in message["Subject"] and dag.dag_id in message["Subject"]
        assert "Person ID is repeated" in body and "Nothing from a failed run has been delivered" in body
        assert data["rows"][0]["person_id"] not in body and data["rows"][0]["child_name"] not in body


# ---- 8. two runs of the same report and period at once -------------------------------------------
RUN_SCRIPT = """
import sys, time
from reporting.orchestration import tasks

def retried(task, *args):
    # as Airflow retries a task (the DAGs' `retries`): a send the other run holds claimed is not
    # known to have gone, so the task raises and its retry finds it sent
    for attempt in range(5):
        try:
            return task(*args)
        except RuntimeError:
            if attempt == 4:
                raise
            time.sleep(1)

rid, start, end = sys.argv[1:4]
out = tasks.extract(rid, start, end, end)
tasks.check_quality(rid, out["staging"])
results = [retried(tasks.deliver, rid, tasks.render(rid, out["staging"], t)) for t in out["targets"]]
status = tasks.record(rid, results)["status"]
retried(tasks.send_digests, end)  # the team managers and SPs take a digest: both runs send the day's digests
print(status)
"""


@pytest.mark.postgres
@pytest.mark.xdist_group("sqlite_seed")
def test_two_runs_of_one_period_at_once_send_one_copy_per_recipient(env, seeded_sqlite_url, make_pg_database,
                                                                     monkeypatch):
    """With the shipped config/mail.yml: the team managers' and SPs' copies go through both runs'
    digests at once, and still each person gets one e-mail."""
    monkeypatch.delenv("MI_CONFIG_DIR")
    state = make_pg_database()
    with Server() as server:
        child_env = {**os.environ, "MI_CASEDB_URL": seeded_sqlite_url, "MI_STATE_URL": state,
                     "MI_TRANSPORT": "smtp", "MI_SMTP_HOST": "127.0.0.1", "MI_SMTP_PORT": str(server.port)}
        runs = [subprocess.Popen([sys.executable, "-c", RUN_SCRIPT, BURST, *WEEK], cwd=REPO, env=child_env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outcomes = [p.communicate(timeout=300) for p in runs]
    for proc, (stdout, stderr) in zip(runs, outcomes):
        assert proc.returncode == 0, stderr[-3000:]
        assert stdout.strip().endswith("ready")
    received = Counter(m["To"] for m in server.messages)
    ledger = Ledger(state)
    sent = [e for e in ledger.entries(BURST) if e["state"] == "sent"]
    ledger.dispose()
    assert received and max(received.values()) == 1, f"duplicates: {[k for k, v in received.items() if v > 1]}"
    assert sorted(received) == sorted(e["recipient"] for e in sent)
    # who should have had it, from the staff directory and the extract (team managers and SPs of teams
    # with rows), independently of the delivery code
    staged = json.loads((env / "archive" / BURST / WEEK[1] / ".staging" / "extract.json").read_text())
    teams = {r["team_id"] for r in staged["rows"] if r["team_id"]}
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        expected = {row[0] for row in conn.execute(text(
            "SELECT staf_email FROM ext_staff WHERE staf_role IN ('SP', 'TM') AND staf_start_date <= :d "
            "AND (staf_leave_date IS NULL OR staf_leave_date > :d)"), {"d": WEEK[1]})}
        team_of = dict(conn.execute(text("SELECT staf_email, staf_team_id FROM ext_staff")).all())
    engine.dispose()
    assert set(received) == {e for e in expected if team_of[e] in teams}


def test_a_folder_swapped_by_another_render_is_never_missing_to_a_reader(tmp_path):
    """Two runs of one period render the same copy; the one that finishes second swaps its folder in
    while the first is delivering. The delivering side must always find a folder with a manifest
    (CI once caught the moment between moving the old folder aside and moving the new one in)."""
    import threading

    from reporting import archive

    final = tmp_path / "team-T1"
    archive.private_mkdir(final)
    archive.write_manifest(final, {"content_hash": "h", "version": -1})
    missing, done = [], threading.Event()

    def read():
        while not done.is_set():
            try:
                archive.read_manifest(final)
            except (OSError, ValueError) as error:
                missing.append(type(error).__name__)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for version in range(300):
            work = tmp_path / f".work-{version}"
            work.mkdir()
            archive.write_manifest(work, {"content_hash": "h", "version": version})
            archive.replace_folder(work, final)
    finally:
        done.set()
        reader.join()
    assert missing == []
    assert archive.read_manifest(final)["version"] == 299
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team-T1"]  # the old folders are gone


# ---- 9. clock and calendar edges ------------------------------------------------------------------
def test_bank_holiday_year_end_dst_and_leap_day_edges():
    import pendulum

    from reporting.orchestration.tasks import period_from_interval
    from reporting.schedules.periods import Period, due_date, latest_complete_period, period_containing
    from reporting.schedules.timetables import period_data_interval

    # year end: December's monthly report is due on working day 1 after 31 Dec; 1 Jan 2027 is a bank
    # holiday (a Friday), so it runs on Monday 4 Jan 2027
    december = period_containing("monthly", date(2026, 12, 15))
    assert december == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert due_date("monthly", december, 1) == date(2027, 1, 4)
    # Easter: the week ending Easter Sunday (28 Mar 2027) is due on working day 1 after it; Easter
    # Monday is a bank holiday, so it runs on Tuesday 30 Mar; the next week's on Monday 5 Apr
    assert due_date("weekly", Period(date(2027, 3, 22), date(2027, 3, 28)), 1) == date(2027, 3, 30)
    assert due_date("weekly", Period(date(2027, 3, 29), date(2027, 4, 4)), 1) == date(2027, 4, 5)
    # DST: the week containing the clocks going forward (28 Mar 2027) and back (25 Oct 2026) still maps
    # to whole local days Monday..Sunday; the interval is 167 or 169 hours long
    for week, hours in ((Period(date(2027, 3, 22), date(2027, 3, 28)), 167),
                        (Period(date(2026, 10, 19), date(2026, 10, 25)), 169)):
        interval = period_data_interval(week)
        assert (interval.end - interval.start).in_hours() == hours
        assert period_from_interval(interval.start, interval.end) == (week.start.isoformat(),
                                                                      week.end.isoformat(), week.end.isoformat())
    # leap day: February 2028 ends on the 29th; a report run on 29 Feb 2028 reports on the week before
    february = period_containing("monthly", date(2028, 2, 10))
    assert february.end == date(2028, 2, 29)
    assert latest_complete_period("weekly", date(2028, 2, 29)) == Period(date(2028, 2, 21), date(2028, 2, 27))
    assert due_date("monthly", february, 1) == date(2028, 3, 1)
    utc = pendulum.timezone("UTC")
    interval = period_data_interval(february)
    assert interval.end.in_timezone(utc) == pendulum.datetime(2028, 3, 1, tz=utc)  # GMT in February


@pytest.mark.xdist_group("sqlite_seed")
def test_a_report_run_for_a_period_ending_on_leap_day(env, monkeypatch, seeded_sqlite_url):
    """February 2028 through the task bodies: dates bound and archived as 2028-02-29; the working-day
    arithmetic of the calendar table counts 29 Feb as a working day (a Tuesday)."""
    from reporting.orchestration import tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    out = tasks.extract("cp_conferences_on_time", "2028-02-01", "2028-02-29", "2028-02-29")
    tasks.check_quality("cp_conferences_on_time", out["staging"])  # render needs the gate's findings
    assert out["period_end"] == "2028-02-29"
    staged = json.loads(Path(out["staging"]).read_text())
    assert staged["as_at"] == "2028-02-29" and staged["period_start"] == "2028-02-01"
    rendered = tasks.render("cp_conferences_on_time", out["staging"])
    manifest = assert_folder_matches_manifest(Path(rendered["folder"]))
    assert manifest["period_end"] == "2028-02-29" and Path(rendered["folder"]).name == "2028-02-29"
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        days = dict(conn.execute(text("SELECT cal_date, cal_working_day_number FROM ext_calendar WHERE cal_date "
                                      "BETWEEN '2028-02-28' AND '2028-03-01'")).all())
    engine.dispose()
    numbers = [days[k] for k in sorted(days)]
    assert len(numbers) == 3 and numbers[2] - numbers[0] == 2, "Mon 28, Tue 29 Feb, Wed 1 Mar: two working days"


# ---- a delivery claimed by an attempt that died mid-send --------------------------------------------
@pytest.mark.xdist_group("sqlite_seed")
def test_a_deliver_task_with_a_recipient_still_claimed_fails_and_its_retry_sends_only_that(
        env, monkeypatch, seeded_sqlite_url):
    """The attempt that claimed the recipient was killed (its lease is live): the task must not finish
    as if they had their report. Once the lease has run out the retry sends theirs, and only theirs."""
    from reporting.delivery import deliver as delivery
    from reporting.delivery.ledger import Key
    from reporting.orchestration import tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    monkeypatch.setattr(delivery, "WAIT_FOR_OTHER_SENDER", 1.0)  # a dead attempt does not finish
    out = tasks.extract(WEEKLY, *WEEK)
    tasks.check_quality(WEEKLY, out["staging"])  # render needs the gate's findings
    [rendered] = [tasks.render(WEEKLY, out["staging"], target) for target in out["targets"]]
    first = tasks.deliver(WEEKLY, rendered)
    sent = outbox_messages(env)
    assert first["delivery"]["sent"] == len(sent) >= 2
    # rewind the ledger to the moment an attempt had claimed the first recipient and was killed
    ledger = Ledger()
    [entry] = [e for e in ledger.entries(WEEKLY) if e["recipient"] == sent[0]["To"] and e["kind"] == "report"]
    with ledger.engine.begin() as conn:
        conn.execute(text("DELETE FROM mi_deliveries WHERE id = :id"), {"id": entry["id"]})
    assert ledger.claim(Key(WEEKLY, entry["period_end"], entry["slice_id"], entry["recipient"], "report",
                            entry["content_hash"])) is not None
    with pytest.raises(RuntimeError, match="still claimed by another attempt"):
        tasks.deliver(WEEKLY, rendered)
    assert len(outbox_messages(env)) == len(sent), "nobody else is sent anything twice"
    with ledger.engine.begin() as conn:  # the lease runs out
        conn.execute(text("UPDATE mi_deliveries SET lease_until = :t WHERE state = 'sending'"),
                     {"t": "2000-01-01 00:00:00.000000"})
    again = tasks.deliver(WEEKLY, rendered)
    assert again["delivery"]["sent"] == 1 and again["delivery"]["in_progress"] == 0
    assert again["delivery"]["already_sent"] == len(sent) - 1
    [entry] = [e for e in ledger.entries(WEEKLY) if e["recipient"] == sent[0]["To"] and e["kind"] == "report"]
    assert entry["state"] == "sent" and entry["attempts"] == 2
    ledger.dispose()
