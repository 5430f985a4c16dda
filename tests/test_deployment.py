"""Deployment: the docker-compose topology, checked without Docker (Docker does not run here).

1. `docker-compose.yml` validates against the Compose Specification (the JSON schema that
   `check-jsonschema` vendors from the compose-spec project) and has what the pipeline needs:
   every Airflow component on CeleryExecutor, the case database seeded by the init service,
   Redis, Mailpit, health checks everywhere, the `casedb` pool, secrets from `.env`.
2. The same topology as processes: api-server, dag-processor, scheduler and a Celery worker
   (Redis broker, PostgreSQL metadata and Celery result backend, the seeded PostgreSQL case
   database) run one *scheduled* run of the burst report `mi_cp_visits_due_next_week` for a past
   week; every task instance, each team slice included, must have been executed by the Celery
   worker, and the archive and the outbox must hold what the run says it made and sent.
"""

from __future__ import annotations

import csv
import email
import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
from email import policy
from importlib import resources
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from test_airflow_e2e import (  # same process helpers as the LocalExecutor e2e test
    _free_port,
    _stop,
    _tail,
    airflow_settings,
)

from reporting import settings

REPO = settings.REPO_ROOT
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DAG_ID = "mi_cp_visits_due_next_week"
REPORT_ID = "cp_visits_due_next_week"
TIMEOUT = 360
# A Redis database of this test's own; the queue name is unique per run as well, so a worker of
# another test session on the same Redis can never take (or be given) this run's tasks.
REDIS_DB = 13
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")


# ---------------------------------------------------------------------------------------------
# 1. The compose file
# ---------------------------------------------------------------------------------------------
def _compose_schema() -> dict:
    path = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: str(v) for k, v in env.items()}


def test_compose_file_is_valid_compose_specification(compose):
    import jsonschema

    schema = _compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{COMPOSE.name}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                                 for e in errors)


def test_the_schema_check_can_fail(compose):
    """The validation above is only worth something if a wrong file fails it."""
    import jsonschema

    schema = _compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)

    def mutated(change) -> dict:
        copy = json.loads(json.dumps(compose))
        change(copy["services"])
        return copy

    wrong = {
        "unknown key": lambda s: s["mailpit"].update(restart_policy="always"),
        "bad enum": lambda s: s["airflow-worker"]["depends_on"]["redis"].update(condition="service_ready"),
        "wrong type": lambda s: s["redis"]["healthcheck"].update(test={"cmd": "ping"}),
    }
    for what, change in wrong.items():
        assert list(validator.iter_errors(mutated(change))), f"{what} was not caught"


def test_compose_runs_every_component_with_health_checks(compose):
    services = compose["services"]
    needed = {*AIRFLOW_SERVICES, "airflow-init", "postgres", "casedb", "redis", "mailpit"}
    assert needed <= set(services), f"missing services: {sorted(needed - set(services))}"
    for name, service in services.items():
        check = service.get("healthcheck")
        if name == "airflow-init":  # a one-shot job: the others wait for it to complete instead
            continue
        assert check and check.get("test") and not check.get("disable"), f"service {name} has no health check"
    commands = {name: " ".join(services[name]["command"]) if isinstance(services[name]["command"], list)
                else services[name]["command"] for name in AIRFLOW_SERVICES}
    assert "api-server" in commands["airflow-apiserver"]
    assert "scheduler" in commands["airflow-scheduler"]
    assert "dag-processor" in commands["airflow-dag-processor"]
    assert "triggerer" in commands["airflow-triggerer"]
    assert "celery worker" in commands["airflow-worker"]
    # every Airflow component waits for initialisation (migrations, pool, seeded case database)
    for name in AIRFLOW_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["postgres"]["condition"] == "service_healthy", name


def test_compose_airflow_environment(compose):
    services = compose["services"]
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        env = _environment(services[name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/"), name
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql"), name
        assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/", name
        # secrets come from .env / the environment, never from the file in git
        assert re.fullmatch(r"\$\{AIRFLOW_JWT_SECRET[:?][^}]*\}", env["AIRFLOW__API_AUTH__JWT_SECRET"]), name
        assert "@casedb:5432/" in env["MI_CASEDB_URL"], name
        assert env["MI_SMTP_HOST"] == "mailpit" and env["MI_SMTP_PORT"] == "1025", name
        assert env["MI_ARCHIVE_DIR"], name
        assert env["MI_CASEDB_POOL"] == "casedb", name
        for value in env.values():
            for address in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", value):
                assert address.endswith((".example.org", "@example.org", ".test")), (name, address)
    # the archive sits on a named volume shared by the workers (which write it) and the API server
    archive = _environment(services["airflow-worker"])["MI_ARCHIVE_DIR"]
    for name in ("airflow-worker", "airflow-apiserver", "airflow-init"):
        mounts = [v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in services[name]["volumes"]]
        assert any(m.split(":")[1] == archive and m.split(":")[0] in compose["volumes"] for m in mounts), name


def test_compose_init_migrates_seeds_and_creates_the_casedb_pool(compose):
    init = compose["services"]["airflow-init"]
    script = init["command"] if isinstance(init["command"], str) else " ".join(init["command"])
    assert "airflow db migrate" in script
    assert re.search(r"airflow pools set casedb \$\{?MI_CASEDB_POOL_SLOTS", script), script
    assert re.search(r"mi db seed --scale \$\{MI_SEED_SCALE", script), script
    assert init["depends_on"]["casedb"]["condition"] == "service_healthy"
    mailpit = compose["services"]["mailpit"]
    assert any(str(p).endswith("8025") for p in mailpit["ports"])  # the web UI


def test_env_example_lists_every_variable_the_compose_file_uses():
    # compose interpolates ${VAR}; $${VAR} is escaped, for the container's shell
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", COMPOSE.read_text(encoding="utf-8")))
    listed = {line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
              if re.match(r"^[A-Z0-9_]+=", line)}
    assert used and used <= listed, f".env.example lacks {sorted(used - listed)}"
    assert "AIRFLOW_JWT_SECRET" in listed


def test_dockerfile_installs_weasyprint_libraries_and_the_project():
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0", "fonts-"):
        assert package in dockerfile, package
    assert 'pip install' in dockerfile and '-e ".[celery]"' in dockerfile


# ---------------------------------------------------------------------------------------------
# 2. The Celery topology as processes
# ---------------------------------------------------------------------------------------------
def _airflow_env(tmp_path: Path, metadata_url: str, casedb_url: str, state_url: str, queue: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "MI_"))}
    env.update(airflow_settings(tmp_path / "airflow", metadata_url, port, "CeleryExecutor"))
    env.update({
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        # Celery's results in the metadata database, as in docker-compose (not in Redis)
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
        "MI_CASEDB_URL": casedb_url,
        "MI_CASEDB_POOL": "casedb",
        "MI_STATE_URL": state_url,
        "MI_ARCHIVE_DIR": str(tmp_path / "archive"),
        "MI_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MI_TRANSPORT": "outbox",
        "MI_VAR_DIR": str(tmp_path / "var"),
        "MI_SQL_DIR": str(REPO / "sql"),
        "MI_SCHEDULE_START": "2026-10-19",
        "MI_SCHEDULE_END": "2026-10-19",
        "MI_CATCHUP": "true",
    })
    return env


def _clear_redis_queue(queue: str) -> None:
    """Drop this run's queue and bindings from the test's Redis database (other keys are not ours)."""
    try:
        import redis
    except ImportError:
        return
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.xdist_group("pg_seed")
def test_celery_workers_run_a_burst_report(tmp_path, make_pg_database, seeded_pg_url, record_property,
                                           per_report_mail):
    logs = tmp_path / "logs"
    logs.mkdir()
    metadata_url, state_url = make_pg_database(), make_pg_database()
    queue = f"mi_test_{uuid.uuid4().hex[:8]}"
    worker_name = f"{queue}@%h"
    port = _free_port()
    env = _airflow_env(tmp_path, metadata_url, seeded_pg_url, state_url, queue, port)
    # each team's copy sent by its own deliver task on the workers (the digest is tested elsewhere)
    env["MI_CONFIG_DIR"] = str(per_report_mail)
    airflow = str(Path(sys.executable).with_name("airflow"))
    started = time.monotonic()

    def cli(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([airflow, *args], env=env, capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, f"airflow {' '.join(args)}: {done.stderr[-3000:]}"
        return done

    # what the compose init service does: migrate, then the pool that caps case-database queries
    cli("db", "migrate")
    cli("pools", "set", "casedb", "2", "Concurrent queries on the case database")

    procs: list[subprocess.Popen] = []
    commands = {
        "api-server": ["api-server"],
        "dag-processor": ["dag-processor"],
        "scheduler": ["scheduler"],
        "worker": ["celery", "worker", "--queues", queue, "--concurrency", "2", "--celery-hostname", worker_name,
                   "--skip-serve-logs", "--without-mingle", "--without-gossip"],
    }
    try:
        for name, args in commands.items():
            out = open(logs / f"{name}.log", "wb")
            procs.append(subprocess.Popen([airflow, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                          cwd=tmp_path, start_new_session=True))
        names = dict(zip((p.pid for p in procs), commands))
        metadata = create_engine(metadata_url)

        def query(sql: str, **params):
            with metadata.connect() as conn:
                return conn.execute(text(sql), params).fetchall()

        def wait_for(what: str, check, timeout: float):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                for proc in procs:
                    name = names[proc.pid]
                    assert proc.poll() is None, f"{name} exited: {_tail(logs / (name + '.log'))}"
                value = check()
                if value:
                    return value
                time.sleep(2)
            pytest.fail(f"timed out waiting for {what}; scheduler log:\n{_tail(logs / 'scheduler.log')}\n"
                        f"worker log:\n{_tail(logs / 'worker.log')}")

        wait_for("the DAG to be parsed", lambda: query("select 1 from dag where dag_id = :d", d=DAG_ID), 120)
        cli("dags", "unpause", DAG_ID)

        def finished():
            rows = query("select run_id, state, run_type, data_interval_start from dag_run where dag_id = :d",
                         d=DAG_ID)
            return [r for r in rows if r.state in ("success", "failed")] or None

        runs = wait_for("the scheduled run to finish", finished, max(TIMEOUT - (time.monotonic() - started), 60))
        record_property("celery_e2e_seconds", round(time.monotonic() - started, 1))
        tis = query("select task_id, map_index, state, queue, hostname, external_executor_id, executor "
                    "from task_instance where dag_id = :d order by task_id, map_index", d=DAG_ID)
        assert [r.state for r in runs] == ["success"], (runs, [tuple(t) for t in tis], _tail(logs / "scheduler.log"))
        [run] = runs
        assert run.run_type == "scheduled"
        # Every task instance went through Celery: the scheduler gave it a Celery task id, the
        # worker stored that task's result in the result backend, and it ran on this run's queue.
        # (A task's state reaches Airflow through the execution API a moment before the worker stores
        # its Celery result, so the last task's result may still say STARTED: give it a few seconds.)
        def celery_results():
            results = {r.task_id: r.status for r in query("select task_id, status from celery_taskmeta")}
            done = all(results.get(ti.external_executor_id) == "SUCCESS" for ti in tis)
            return results if done or time.monotonic() > results_deadline else None

        results_deadline = time.monotonic() + 30
        celery_results = wait_for("the Celery results", celery_results, 40)
        for ti in tis:
            assert ti.state == "success", tuple(ti)
            assert ti.queue == queue, tuple(ti)
            assert ti.external_executor_id in celery_results, f"{ti.task_id}[{ti.map_index}] has no Celery result"
            assert celery_results[ti.external_executor_id] == "SUCCESS", tuple(ti)
        renders = [ti for ti in tis if ti.task_id == "render"]
        delivers = [ti for ti in tis if ti.task_id == "deliver"]
        worker_log = (logs / "worker.log").read_text(errors="replace")
        metadata.dispose()
    finally:
        _stop(procs)
        _clear_redis_queue(queue)

    # The worker's own log names each workload it executed: every task instance, each mapped slice
    # included, is there (the scheduler only queued them).
    executed = set(re.findall(rf"Executing workload in Celery: .*?task_id='(\w+)', dag_id='{DAG_ID}', "
                              r".*?map_index=(-?\d+)", worker_log))
    assert executed == {(ti.task_id, str(ti.map_index)) for ti in tis}, (sorted(executed), len(tis))

    # The archive: the whole report and one folder per slice; the slices are the distinct teams in
    # the staged extract (read straight from the staging JSON, not through the pipeline's code).
    # Render and deliver ran as two mapped tasks each: the whole report, and the teams as one batch
    # (laid out as one burst document: together they show far fewer than its 1,500 list rows).
    folder = tmp_path / "archive" / REPORT_ID / "2026-10-25"
    staged = json.loads((folder / ".staging" / "extract.json").read_text())
    teams = {str(row["team_id"]) for row in staged["rows"]}
    assert teams, "the seeded week should have CP visits due"
    assert len(staged["rows"]) <= 1500
    assert len(renders) == len(delivers) == 2
    assert {p.name for p in (folder / "slices").iterdir()} == teams
    assert (folder / f"{REPORT_ID}.pdf").stat().st_size > 0
    for team in teams:
        manifest = json.loads((folder / "slices" / team / "manifest.json").read_text())
        assert manifest["rows"] == sum(str(r["team_id"]) == team for r in staged["rows"]), team
    run_file = json.loads((folder / "run.json").read_text())
    assert run_file["status"] == "ready" and run_file["slices"] == len(teams)
    assert run_file["rows"] == len(staged["rows"])

    # Deliveries: what the ledger says was sent is exactly what is in the outbox, addressed to
    # example.org / .test people only, each team's slice to its own recipients.
    state = create_engine(state_url)
    with state.connect() as conn:
        ledger = conn.execute(text("select slice_id, recipient, kind, state, message_id from mi_deliveries "
                                   "where report_id = :r"), {"r": REPORT_ID}).fetchall()
    state.dispose()
    sent = [r for r in ledger if r.state == "sent"]
    assert sent, f"nothing was sent: {sorted({r.state for r in ledger})}"
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in (tmp_path / "outbox").glob("*.eml")]
    assert len(messages) == len(sent)
    by_id = {m["Message-ID"].strip(): m for m in messages}
    # the recipients are team-scoped (SP, TM): every team in the extract got its slice, and nothing else
    assert {r.slice_id for r in sent} == {f"team-{t}" for t in teams}
    for row in sent:
        message = by_id[row.message_id.strip()]
        assert row.recipient in message["To"]
        assert row.recipient.endswith(("@example.org", ".test")), "real-looking address in a test delivery"
        team = row.slice_id.removeprefix("team-")
        attachments = {part.get_filename(): part for part in message.iter_attachments()}
        assert attachments and all(f"__{team}." in name for name in attachments), (team, sorted(attachments))
        [csv_part] = [part for name, part in attachments.items() if name.endswith(".csv")]
        content = csv_part.get_content()
        lines = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig") if isinstance(content, bytes)
                                                else content)))
        # exactly this team's children: the staged rows of the team, no other team's (by Person ID:
        # the team ID is a hidden column, which the CSV leaves out)
        assert sorted(line["Person ID"] for line in lines) == \
            sorted(str(r["person_id"]) for r in staged["rows"] if str(r["team_id"]) == team)
        assert len(lines) == sum(str(r["team_id"]) == team for r in staged["rows"])


def test_a_broken_definition_is_reported_but_never_stops_the_stack(compose, tmp_path):
    """airflow-init runs under `set -euo pipefail` and every Airflow service waits for it: its
    `mi reports validate` line, run as compose runs it, must name the broken file and succeed."""
    import shutil

    init = compose["services"]["airflow-init"]
    script = init["command"] if isinstance(init["command"], str) else init["command"][-1]
    [line] = [x.strip() for x in script.splitlines() if x.strip().startswith("mi reports validate")]
    sql = tmp_path / "sql"
    shutil.copytree(REPO / "sql", sql)
    broken = next(sql.glob("*/cp_visits_due_next_week.yml"))
    broken.write_text(broken.read_text().replace("cadence: weekly", "cadence: hourly"))
    env = {**os.environ, "MI_SQL_DIR": str(sql), "MI_CATALOGUE_CACHE": "false",
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "COLUMNS": "200"}
    run = subprocess.run(["bash", "-c", f"set -euo pipefail\n{line}\necho init-finished"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "init-finished" in run.stdout, run.stderr[-2000:]
    assert "cp_visits_due_next_week.yml" in run.stdout + run.stderr and "hourly" in run.stdout + run.stderr
    assert "WARNING: broken report definitions above" in run.stdout


def test_the_fernet_key_is_required(compose):
    env = _environment(compose["services"]["airflow-scheduler"])
    assert env["AIRFLOW__CORE__FERNET_KEY"].startswith("${AIRFLOW_FERNET_KEY:?"), env["AIRFLOW__CORE__FERNET_KEY"]


# ---------------------------------------------------------------------------------------------
# The council override: real database, SMTP relay, secrets in files
# ---------------------------------------------------------------------------------------------
OVERRIDE = REPO / "docker-compose.override.example.yml"
SECRETS = {"MI_CASEDB_URL", "MI_STATE_URL", "MI_SMTP_PASSWORD", "AIRFLOW_DB_CONN", "AIRFLOW_FERNET_KEY"}


class _ComposeLoader(yaml.SafeLoader):
    """Compose's merge tags: `!reset` (drop the base value) and `!override` (replace it whole)."""


_ComposeLoader.add_constructor("!reset", lambda loader, node: None)
_ComposeLoader.add_constructor(
    "!override", lambda loader, node: loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.MappingNode) else loader.construct_sequence(node, deep=True))


def test_the_council_override_keeps_every_secret_out_of_the_environment(compose):
    import jsonschema

    override = yaml.load(OVERRIDE.read_text(encoding="utf-8"), Loader=_ComposeLoader)
    schema = _compose_schema()
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(override))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
    assert set(override["secrets"]) == SECRETS
    assert all(s["file"] == f"./secrets/{name}" for name, s in override["secrets"].items())
    assert "secrets/" in (REPO / ".gitignore").read_text().split()
    # the demo's synthetic database and mail catcher do not start; nothing waits for them
    assert override["services"]["casedb"]["profiles"] == ["demo"] == override["services"]["mailpit"]["profiles"]
    airflow = [name for name in compose["services"] if name.startswith("airflow-")]
    first = override["services"][airflow[0]]
    for name in airflow:
        service = override["services"][name]
        assert set(service["secrets"]) == SECRETS, name
        assert service["environment"] == first["environment"], f"{name} differs from {airflow[0]}"
        assert not {"casedb", "mailpit"} & set(service["depends_on"]), name
        env = {**_environment(compose["services"][name]), **service["environment"]}
        live = {k: v for k, v in env.items() if v is not None}  # !reset drops the base value
        passwords = [k for k, v in live.items() if re.search(r"://[^/@\s]+:[^/@\s]+@", v)]
        assert passwords == [], f"{name}: a password in the environment: {passwords}"
        assert live["MI_SEED_CASEDB"] == "never"
        assert "MI_CASEDB_URL" not in live and "MI_STATE_URL" not in live


def test_airflow_reads_its_secrets_through_the_cmd_options_of_the_override(tmp_path):
    """The `_CMD` options in the override, run as Airflow runs them, against files standing in for
    /run/secrets: Airflow gets its connection strings and Fernet key from the files."""
    override = yaml.load(OVERRIDE.read_text(encoding="utf-8"), Loader=_ComposeLoader)
    env = {k: v for k, v in override["services"]["airflow-scheduler"]["environment"].items()
           if k.startswith("AIRFLOW__") and k.endswith("_CMD")}
    (tmp_path / "AIRFLOW_DB_CONN").write_text("postgresql+psycopg://airflow:Sup3r-S3cret-pw@postgres:5432/airflow")
    (tmp_path / "AIRFLOW_FERNET_KEY").write_text("fernet-key-from-file")
    env = {k: v.replace("/run/secrets", str(tmp_path)) for k, v in env.items()}
    base = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    airflow = str(Path(sys.executable).with_name("airflow"))
    expected = {("database", "sql_alchemy_conn"): "postgresql+psycopg://airflow:Sup3r-S3cret-pw@postgres:5432/airflow",
                ("database", "sql_alchemy_conn_async"): "postgresql+psycopg_async://airflow:Sup3r-S3cret-pw@postgres:5432/airflow",
                ("celery", "result_backend"): "db+postgresql+psycopg://airflow:Sup3r-S3cret-pw@postgres:5432/airflow",
                ("core", "fernet_key"): "fernet-key-from-file"}
    for (section, option), value in expected.items():
        got = subprocess.run([airflow, "config", "get-value", section, option], capture_output=True, text=True,
                             env={**base, **env, "AIRFLOW_HOME": str(tmp_path / "home")}, timeout=120)
        assert got.stdout.strip().splitlines()[-1] == value, (section, option, got.stderr[-1000:])
