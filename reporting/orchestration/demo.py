"""Run the reports due on a date through their real Airflow DAGs (`dag.test()`), for `make demo`.

The demo exercises what production runs: the DAG files, the timetable's data interval, the
task bodies, the mapped slices. It uses its own Airflow home (SQLite metadata) under var/, so
it needs no running scheduler.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from reporting import settings
from reporting.batch import BatchItem, select_reports


def prepare_airflow_home(home: Path) -> dict[str, str]:
    """Point Airflow at a private home and the project's dags/, and migrate its metadata DB."""
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        # Task logs stay in the Airflow home; the terminal shows one line per report.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
    }
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env={**os.environ}, check=True, capture_output=True)
    return env


def run_due_dags(run_date: date, *, cadence: str | None = None, everything: bool = False,
                 on_done=None) -> list[BatchItem]:
    """dag.test() every report DAG due on `run_date` (or a cadence, or all); one failure does not stop the rest."""
    import pendulum
    from airflow.utils.cli import get_bagged_dag

    from reporting import archive
    from reporting.definitions import load_catalogue
    from reporting.orchestration.dag_factory import dag_id

    items = []
    for definition, period in select_reports(load_catalogue(), run_date, cadence=cadence, everything=everything):
        item = BatchItem(definition.id, definition.spec.title, period, "failed")
        try:
            dag = get_bagged_dag(None, dag_id(definition.id))
            # Airflow 3.3.2's dag.test() cannot finish a run whose DAG has a deadline alert (the
            # re-serialised alerts are dicts); the scheduler keeps them (tests/test_airflow_e2e.py).
            dag.deadline = None
            # A manual run reports on the latest period closed before its logical date.
            run = dag.test(logical_date=pendulum.datetime(run_date.year, run_date.month, run_date.day, 7,
                                                          tz="Europe/London"))
            folder = archive.period_dir(definition.id, period.end.isoformat())
            if str(run.state).endswith("success"):
                manifest = archive.read_manifest(folder)
                item.status = "warning" if manifest.get("data_quality") else "ok"
                item.rows = manifest["rows"]
                item.outputs = {Path(f).suffix.lstrip("."): str(folder / f) for f in manifest["file_hashes"]}
            else:
                item.error = f"DAG run {run.run_id} ended {run.state}; see the Airflow task logs"
        except Exception as error:  # noqa: BLE001 - one broken report must not stop the demo
            item.error = f"{type(error).__name__}: {error}"
        items.append(item)
        if on_done:
            on_done(item)
    return items


def run_digest_dag(run_date: date) -> dict:
    """dag.test() the mi_staff_digest DAG at 10:00 on `run_date`: the staff digests of the report runs
    before it. Returns the task's counts (`tasks.send_digests`), or raises naming the run's state."""
    import pendulum
    from airflow.models.xcom import XComModel
    from airflow.utils.cli import get_bagged_dag
    from airflow.utils.session import create_session

    dag = get_bagged_dag(None, "mi_staff_digest")
    run = dag.test(logical_date=pendulum.datetime(run_date.year, run_date.month, run_date.day, 10,
                                                  tz="Europe/London"))
    if not str(run.state).endswith("success"):
        raise RuntimeError(f"mi_staff_digest run {run.run_id} ended {run.state}; see the Airflow task logs")
    with create_session() as session:
        row = session.query(XComModel).filter(XComModel.dag_id == dag.dag_id, XComModel.run_id == run.run_id,
                                              XComModel.task_id == "send_digests",
                                              XComModel.key == "return_value").one_or_none()
        value = row.value if row is not None else {}
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def summary_json(items: list[BatchItem]) -> str:
    return json.dumps([i.as_json() for i in items], indent=2)
