"""Every report runs as its DAG: the DAG's tasks, in the DAG's order, on SQLite and PostgreSQL.

`dag.test()` costs several seconds of Airflow overhead per run, so doing it for 76 reports on two
engines would take most of the test budget; test_dags.py runs it (and the scheduler end-to-end
test runs a real scheduler) for a burst report. Here each report's DAG is built by the factory and
its task chain is walked with the same task bodies Airflow calls (extract -> check_quality ->
render (whole and the first slice) -> deliver -> record), for the latest complete period at the
demo date, delivering to an outbox. Only CSV and HTML are rendered (MI_OUTPUT_FORMATS), partner
PDFs excepted: PDF rendering is covered by the render, engine, weekly-report and fault tests.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import SEEDED_DB_PARAMS

from reporting.definitions import load_catalogue
from reporting.schedules.periods import latest_complete_period

# The SQLite runs in a group of their own (their worker seeds its own copy): in the shared
# sqlite_seed group they made that one worker the whole suite's critical path.
ENGINES = [pytest.param("sqlite", id="sqlite", marks=pytest.mark.xdist_group("every_dag_sqlite")),
           *[p for p in SEEDED_DB_PARAMS if p.id == "postgresql"]]
RUN_DATE = date(2026, 10, 26)
REPORTS = sorted(load_catalogue().reports)
CHAIN = ["extract", "check_quality", "render", "deliver", "record"]


@pytest.fixture
def pipeline_env(seeded_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MI_CASEDB_URL", seeded_url)
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("MI_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("MI_OUTPUT_FORMATS", "csv,html")
    return tmp_path


@pytest.mark.parametrize("seeded_url", ENGINES, indirect=True)
@pytest.mark.parametrize("report_id", REPORTS)
def test_report_runs_through_its_dag_tasks(report_id, pipeline_env):
    from reporting.orchestration import dag_factory, tasks

    definition = load_catalogue().get(report_id)
    dag = dag_factory.build_dag(definition)
    order = [t.task_id for t in dag.topological_sort()]
    assert [t for t in order if t in CHAIN] == CHAIN, order

    period = latest_complete_period(definition.spec.cadence, RUN_DATE)
    extracted = tasks.extract(report_id, period.start, period.end)
    checked = tasks.check_quality(report_id, extracted["staging"])
    assert checked["critical"] == 0
    targets = extracted["targets"][:2]  # the whole report and, for a burst report, its first slice
    rendered = [tasks.render(report_id, extracted["staging"], key) for key in targets]
    delivered = [tasks.deliver(report_id, r) for r in rendered]
    summary = tasks.record(report_id, delivered)

    whole = rendered[0]
    assert whole["rows"] == extracted["rows"] == summary["rows"]
    manifest = json.loads((pipeline_env / "archive" / report_id / period.end.isoformat() / "manifest.json").read_text())
    assert manifest["rows"] == extracted["rows"] and manifest["content_hash"] == whole["content_hash"]
    assert manifest["period_start"] == period.start.isoformat()
    if len(targets) > 1:  # the slice holds exactly the staged rows with its burst-key value
        _, staged, _ = tasks._read_staging(definition, extracted["staging"])
        key = definition.spec.burst_key
        assert rendered[1]["rows"] == sum(str(r[key]) == targets[1] for r in staged.rows) > 0
    assert all(d["delivery"]["failed"] == 0 and d["delivery"]["rejected"] == 0 for d in delivered)
