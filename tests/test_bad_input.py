"""Bad input: broken definitions (beyond test_engine's cases), generated malformed definitions
(hypothesis), hostile parameter values, and bad source data. Each gives a clear error naming the
file/field, the rest of the catalogue keeps working, and no reader ever sees a traceback."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from reporting import settings
from reporting.definitions import DefinitionLoadError, load_catalogue, load_definition
from reporting.extract import ReportSQLError, run_extract
from reporting.quality.errors import CriticalDataQualityError
from reporting.runner import run_report
from reporting.schedules.periods import Period

EXAMPLE = settings.REPO_ROOT / "sql" / "child_protection" / "cp_visits_due_next_week.yml"
WEEK = Period(__import__("datetime").date(2026, 10, 19), __import__("datetime").date(2026, 10, 25))
SEED = pytest.mark.xdist_group("sqlite_seed")


def add_report(root: Path, name: str, yaml_text: str | None = None, sql: str | None = None) -> Path:
    folder = root / "broken"
    folder.mkdir(exist_ok=True)
    text = (yaml_text or EXAMPLE.read_text()).replace("id: cp_visits_due_next_week", f"id: {name}")
    path = folder / f"{name}.yml"
    path.write_text(text)
    path.with_suffix(".sql").write_text(sql if sql is not None else EXAMPLE.with_suffix(".sql").read_text())
    return path


# ---- definitions that load but fail when run --------------------------------------------------------
@SEED
def test_sql_failing_at_run_time_names_the_file_and_the_rest_still_runs(sql_copy, seeded_sqlite_url, tmp_path):
    path = add_report(sql_copy, "missing_table", sql="select person_id from ssd_no_such_table where :as_at is not null")
    catalogue = load_catalogue(sql_copy)
    assert catalogue.errors == []
    engine = create_engine(seeded_sqlite_url)
    with pytest.raises(ReportSQLError) as failed:
        run_extract(catalogue.get("missing_table"), engine, period_start=WEEK.start, period_end=WEEK.end,
                    as_at=WEEK.end)
    message = str(failed.value)
    assert str(path.with_suffix(".sql")) in message and "the query failed" in message and "ssd_no_such_table" in message
    assert "Traceback" not in message
    good = run_report(catalogue.get("cp_visits_due_next_week"), engine, WEEK, WEEK.end, formats=["csv"],
                      archive_root=tmp_path / "archive")
    engine.dispose()
    assert good.rows > 0


@SEED
def test_template_error_names_the_definition_and_template(sql_copy, seeded_sqlite_url, tmp_path):
    text = EXAMPLE.read_text()
    broken = add_report(sql_copy, "bad_template", yaml_text=text.rstrip() + "\ntemplate: bad_template.html.j2\n")
    broken.with_name("bad_template.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block content %}{{ rows | no_such_filter }}{% endblock %}')
    try:
        definition = load_definition(broken)
    except DefinitionLoadError as error:  # a loader that checks templates up front is fine too
        assert str(broken) in str(error) and "template" in str(error)
        return
    engine = create_engine(seeded_sqlite_url)
    with pytest.raises(Exception) as failed:
        run_report(definition, engine, WEEK, WEEK.end, formats=["csv"], archive_root=tmp_path / "archive")
    engine.dispose()
    message = str(failed.value)
    assert "no_such_filter" in message
    assert not (tmp_path / "archive" / "bad_template" / WEEK.end.isoformat()).exists(), "nothing half-written"


# ---- generated malformed definitions ------------------------------------------------------------------
BASE = yaml.safe_load(EXAMPLE.read_text())
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
                 st.text(max_size=12), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@st.composite
def mutated(draw):
    data = json.loads(json.dumps(BASE, default=str))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["drop", "add", "retype", "retype_nested"]))
        keys = sorted(data)
        if action == "drop" and keys:
            data.pop(draw(st.sampled_from(keys)))
        elif action == "add":
            data[draw(st.text(min_size=1, max_size=10))] = draw(JUNK)
        elif action == "retype" and keys:
            data[draw(st.sampled_from(keys))] = draw(JUNK)
        elif action == "retype_nested" and data.get("columns") and isinstance(data["columns"], list):
            column = draw(st.sampled_from(data["columns"]))
            if isinstance(column, dict) and column:
                column[draw(st.sampled_from(sorted(column)))] = draw(JUNK)
    return data


@pytest.fixture(scope="module")
def scratch_definition(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated") / "child_protection"
    folder.mkdir()
    shutil.copy(EXAMPLE.with_suffix(".sql"), folder / "generated.sql")
    return folder / "generated.yml"


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated())
def test_malformed_definitions_only_ever_raise_definition_load_error_naming_the_file(data, scratch_definition):
    data["id"] = data.get("id", "generated") if not isinstance(data.get("id"), str) else "generated"
    scratch_definition.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        load_definition(scratch_definition)
    except DefinitionLoadError as error:
        assert str(scratch_definition) in str(error)
        assert error.errors and all(e.path == scratch_definition for e in error.errors)


@pytest.mark.parametrize("raw", ["\x00\x01binary", "- just\n- a list\n", "id: [unclosed", "", "{{ jinja }}: x"])
def test_unparseable_or_non_mapping_files_give_definition_load_error(raw, scratch_definition):
    scratch_definition.write_text(raw)
    with pytest.raises(DefinitionLoadError) as failed:
        load_definition(scratch_definition)
    assert str(scratch_definition) in str(failed.value)


# ---- hostile parameter values ----------------------------------------------------------------------
@SEED
def test_hostile_period_values_through_the_task_cannot_change_the_sql(seeded_sqlite_url, tmp_path, monkeypatch):
    """The Airflow path (task bodies): values are parsed as dates, then bound; never spliced into SQL.
    (test_engine covers run_extract with a hostile string bound directly.)"""
    from reporting.orchestration import tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        before = conn.exec_driver_sql("select count(*) from ssd_person").scalar()
    clean = tasks.extract("cp_visits_due_next_week", "2026-10-19", "2026-10-25")
    assert clean["rows"] > 0
    for hostile in ("2026-10-25'; DELETE FROM ssd_person; --", "2026-10-25 OR 1=1",
                    "x'); DROP TABLE ssd_person; --", "1 OR 1=1"):
        with pytest.raises(ValueError, match="expected an ISO date") as refused:
            tasks.extract("cp_visits_due_next_week", "2026-10-19", hostile, hostile)
        assert "DROP" not in str(refused.value) and "DELETE" not in str(refused.value)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from ssd_person").scalar() == before > 1000
    engine.dispose()


# ---- bad source data ---------------------------------------------------------------------------------
@SEED
def test_bad_source_rows_are_flagged_or_stopped_never_a_traceback(seeded_sqlite_url, tmp_path, monkeypatch):
    """Nulls, impossible dates, orphan rows and a duplicated key in a copy of the seeded database: the
    report renders with the problems flagged in its data-quality section, or the gate stops it with a
    message naming checks and counts. The reader's files never hold a traceback."""
    from reporting.orchestration import tasks

    copy = tmp_path / "bad.sqlite"
    shutil.copy(seeded_sqlite_url.removeprefix("sqlite:///"), copy)
    db = sqlite3.connect(copy)
    visits = [r[0] for r in db.execute("select cppv_cp_visit_id from ssd_cp_visits order by 1 limit 4")]
    db.execute("update ssd_person set pers_forename = null, pers_surname = null, pers_dob = '2999-01-01' "
               "where pers_person_id in (select cppl_person_id from ssd_cp_plans "
               "where cppl_cp_plan_end_date is null limit 5)")
    db.execute("update ssd_cp_plans set cppl_cp_plan_start_date = '2030-02-30' where cppl_cp_plan_id in "
               "(select cppl_cp_plan_id from ssd_cp_plans where cppl_cp_plan_end_date is null limit 3)")
    db.execute("insert into ssd_cp_plans (cppl_cp_plan_id, cppl_person_id, cppl_cp_plan_start_date) "
               "values ('ORPHAN1', 'P-NOBODY', '2026-09-01')")
    columns = [r[1] for r in db.execute("pragma table_info(ssd_cp_visits)")]
    row = db.execute("select * from ssd_cp_visits where cppv_cp_visit_id = ?", (visits[0],)).fetchone()
    db.execute("drop index if exists ix_dup_guard")
    try:  # a duplicate key where the table allows it (SSD extracts often lack constraints)
        db.execute(f"insert into ssd_cp_visits ({', '.join(columns)}) values ({', '.join('?' * len(columns))})", row)
    except sqlite3.IntegrityError:
        pass
    db.commit()
    db.close()
    monkeypatch.setenv("MI_CASEDB_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    out = tasks.extract("cp_visits_due_next_week", "2026-10-19", "2026-10-25")
    try:
        result = tasks.check_quality("cp_visits_due_next_week", out["staging"])
    except CriticalDataQualityError as stopped:
        message = str(stopped)
        assert "failed on" in message and "Traceback" not in message
        assert not [p for p in Path(out["staging"]).parent.parent.iterdir() if p.is_file()], "nothing rendered"
        return
    rendered = tasks.render("cp_visits_due_next_week", out["staging"])
    html = Path(rendered["folder"], "cp_visits_due_next_week.html").read_text()
    assert "Traceback" not in html
    # The report's own checks need not see every defect (its SQL joins past orphans); the daily source
    # gate does, with counts, and fails its run (which notifies the superusers).
    from datetime import date

    from reporting.quality.source import validate_source

    source = validate_source(f"sqlite:///{copy}", date(2026, 10, 26))
    flagged = {f["table"] for f in source.failed}
    assert {"ssd_cp_plans", "ssd_person"} <= flagged, flagged
    assert result["findings"] >= 0


@SEED
def test_a_value_of_the_wrong_type_is_named_by_row_and_column_never_shown(sql_copy, seeded_sqlite_url, tmp_path):
    """A child's name in a column declared int: the error says where, and the name goes nowhere."""
    original = EXAMPLE.with_suffix(".sql").read_text().strip().rstrip(";")
    add_report(sql_copy, "name_in_int_column", sql=(
        "select person_id, child_name, team_id, team_name, worker_name, plan_start, last_visit_date,"
        " next_visit_due, child_name as days_overdue, status, status_rag, is_overdue, visits_not_seen"
        f" from ({original}) as q"))
    catalogue = load_catalogue(sql_copy)
    engine = create_engine(seeded_sqlite_url)
    with pytest.raises(ReportSQLError) as failed:
        run_extract(catalogue.get("name_in_int_column"), engine, period_start=WEEK.start, period_end=WEEK.end,
                    as_at=WEEK.end)
    good = run_extract(catalogue.get("cp_visits_due_next_week"), engine, period_start=WEEK.start,
                       period_end=WEEK.end, as_at=WEEK.end)
    engine.dispose()
    message = str(failed.value)
    assert "name_in_int_column.sql" in message and "row 1, column days_overdue" in message
    assert "not a valid int" in message
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    assert good.rows, "the seed has children on the list"
    for row in good.rows:  # the first row's name is what int() would have quoted
        assert row["child_name"] not in message
