"""A report definition is untrusted input: its SQL runs on a connection that cannot write, and Jinja
in its SQL or template cannot run code (docs/security.md, controls 1 and 2).

Each attack is a real report definition (YAML + SQL on disk) run through `run_extract` or
`mi reports validate`, against a small database written here, whose rows are counted afterwards.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from reporting.casedb import readonly
from reporting.definitions import load_definition
from reporting.extract import ReportSQLError, run_extract
from reporting.indicators.compute import compute
from reporting.indicators.loader import load_indicator
from reporting.schedules.periods import Period

WEEK = Period(date(2026, 10, 19), date(2026, 10, 25))
DEFINITION = """id: {id}
title: Hostile report {id}
description: One row per visit (a test of what report SQL can do).
cadence: weekly
recipients: [{{role: TM, scope: all}}]  # what the SQL may do is the subject, not slicing
columns:
  - {{name: visit_id, label: Visit}}
"""


def definition(folder: Path, report_id: str, sql: str, template: str | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    yaml_text = DEFINITION.format(id=report_id)
    if template is not None:
        (folder / f"{report_id}.html.j2").write_text(template)
        yaml_text += f"template: {report_id}.html.j2\n"
    (folder / f"{report_id}.yml").write_text(yaml_text)
    (folder / f"{report_id}.sql").write_text(sql)
    return load_definition(folder / f"{report_id}.yml")


def extract(report, engine):
    return run_extract(report, engine, period_start=WEEK.start, period_end=WEEK.end, as_at=WEEK.end)


# ---- SQLite ---------------------------------------------------------------------------------------
@pytest.fixture
def sqlite_case_db(tmp_path):
    path = tmp_path / "casedb.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE ssd_cp_visits (cppv_cp_visit_id TEXT, cppv_person_id TEXT)")
        conn.executemany("INSERT INTO ssd_cp_visits VALUES (?, ?)", [("V1", "P1"), ("V2", "P2"), ("V3", "P3")])
    return path


def visits(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM ssd_cp_visits").fetchone()[0]


SQLITE_ATTACKS = {
    "cte_then_delete": "WITH v AS (SELECT 1) DELETE FROM ssd_cp_visits RETURNING cppv_cp_visit_id AS visit_id",
    "delete_returning": "DELETE FROM ssd_cp_visits WHERE :as_at IS NOT NULL RETURNING cppv_cp_visit_id AS visit_id",
    "drop_table": "DROP TABLE ssd_cp_visits",
    "create_table": "CREATE TABLE stolen AS SELECT * FROM ssd_cp_visits",
    "pragma": "PRAGMA query_only = OFF",
    "attach": "ATTACH DATABASE '{tmp}/attached.sqlite' AS other",
    "vacuum_into": "VACUUM INTO '{tmp}/copy.sqlite'",
    "two_statements": "SELECT cppv_cp_visit_id AS visit_id FROM ssd_cp_visits; DELETE FROM ssd_cp_visits",
    "hidden_after_literal": "SELECT 'a'';' AS visit_id; DELETE FROM ssd_cp_visits",
    "load_extension": "SELECT load_extension('/tmp/x') AS visit_id",
}


@pytest.mark.parametrize("attack", sorted(SQLITE_ATTACKS))
@pytest.mark.parametrize("opened", ["read-only engine", "writable engine"])
def test_sqlite_report_sql_cannot_write_or_leave_files(attack, opened, sqlite_case_db, tmp_path):
    """Refused through the pipeline's own engine (`readonly.case_engine`) and even through a plain
    writable engine (what tests and scripts pass): the guard is the connection the SQL runs on."""
    sql = SQLITE_ATTACKS[attack].format(tmp=tmp_path)
    report = definition(tmp_path / "sql" / "attacks", f"attack_{attack}", sql)
    url = f"sqlite:///{sqlite_case_db}"
    engine = readonly.case_engine(url) if opened == "read-only engine" else create_engine(url)
    with pytest.raises(ReportSQLError) as refused:
        extract(report, engine)
    engine.dispose()
    assert f"attack_{attack}.sql" in str(refused.value)
    assert visits(sqlite_case_db) == 3
    with sqlite3.connect(sqlite_case_db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"ssd_cp_visits"}
    assert not (tmp_path / "copy.sqlite").exists() and not (tmp_path / "attached.sqlite").exists()


def test_sqlite_reads_still_work_on_the_read_only_engine(sqlite_case_db, tmp_path):
    report = definition(tmp_path / "sql" / "ok", "reads_visits", """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2)
        SELECT v.cppv_cp_visit_id AS visit_id FROM ssd_cp_visits v JOIN n ON n.i = 1
        WHERE date(:as_at) >= date(:period_start) ORDER BY v.cppv_cp_visit_id""")
    engine = readonly.case_engine(f"sqlite:///{sqlite_case_db}")
    rows = extract(report, engine).rows
    engine.dispose()
    assert [r["visit_id"] for r in rows] == ["V1", "V2", "V3"]


def test_a_missing_sqlite_file_is_refused_not_created(tmp_path):
    missing = tmp_path / "casedb.sqlit"  # a mistyped path
    with pytest.raises(readonly.CaseDatabaseError) as refused:
        readonly.case_engine(f"sqlite:///{missing}")
    assert str(missing) in str(refused.value) and "does not exist" in str(refused.value)
    assert not missing.exists()


def test_a_slow_sqlite_query_stops_at_the_timeout(sqlite_case_db, tmp_path, monkeypatch):
    monkeypatch.setenv("MI_QUERY_TIMEOUT_SECONDS", "0.5")
    report = definition(tmp_path / "sql" / "slow", "slow_report", """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
        SELECT CAST(max(i) AS TEXT) AS visit_id FROM n WHERE :as_at IS NOT NULL""")
    engine = readonly.case_engine(f"sqlite:///{sqlite_case_db}")
    with pytest.raises(readonly.QueryTimeoutError) as stopped:
        extract(report, engine)
    engine.dispose()
    assert "interrupted" in str(stopped.value) and "MI_QUERY_TIMEOUT_SECONDS (0.5 s)" in str(stopped.value)


# ---- PostgreSQL -----------------------------------------------------------------------------------
@pytest.fixture
def pg_case_db(make_pg_database):
    url = make_pg_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ssd_cp_visits (cppv_cp_visit_id text, cppv_person_id text)"))
        conn.execute(text("INSERT INTO ssd_cp_visits VALUES ('V1', 'P1'), ('V2', 'P2'), ('V3', 'P3')"))
    engine.dispose()
    return url


def pg_visits(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM ssd_cp_visits")).scalar_one()
    engine.dispose()
    return count


PG_ATTACKS = {
    "cte_then_delete": "WITH d AS (DELETE FROM ssd_cp_visits RETURNING cppv_cp_visit_id) SELECT cppv_cp_visit_id "
                       "AS visit_id FROM d",
    "delete_returning": "DELETE FROM ssd_cp_visits RETURNING cppv_cp_visit_id AS visit_id",
    # E'\'' hides the ';' from a statement splitter that only knows '' quoting
    "escape_string_then_commit": "SELECT E'\\'' AS visit_id; DELETE FROM ssd_cp_visits; COMMIT;",
    "delete_then_commit": "DELETE FROM ssd_cp_visits; COMMIT;",
    "commit_first": "COMMIT; DELETE FROM ssd_cp_visits",
    "copy_to_file": "COPY (SELECT cppv_person_id FROM ssd_cp_visits) TO '{tmp}/copied.txt'",
    "set_read_write": "SET default_transaction_read_only = off",
    "truncate": "TRUNCATE ssd_cp_visits",
    "select_for_update": "SELECT cppv_cp_visit_id AS visit_id FROM ssd_cp_visits FOR UPDATE",
}


@pytest.mark.postgres
@pytest.mark.parametrize("attack", sorted(PG_ATTACKS))
def test_postgresql_report_sql_cannot_write(attack, pg_case_db, tmp_path, monkeypatch):
    """As the superuser `postgres` (the worst case), through a plain engine: refused by the
    read-only transaction and the one-statement cursor, not by looking at the SQL."""
    monkeypatch.setattr("reporting.extract._strip_comments", lambda sql: "")  # no text check at all
    sql = PG_ATTACKS[attack].format(tmp=tmp_path)
    report = definition(tmp_path / "sql" / "attacks", f"attack_{attack}", sql)
    engine = create_engine(pg_case_db)
    with pytest.raises(ReportSQLError):
        extract(report, engine)
    engine.dispose()
    assert pg_visits(pg_case_db) == 3
    assert not (tmp_path / "copied.txt").exists()
    # and the pooled connection the attack ran on is still read-only for the next report
    engine = readonly.case_engine(pg_case_db)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW default_transaction_read_only")).scalar_one() == "on"
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_reads_and_a_read_only_role(pg_case_db, tmp_path, caplog):
    """A read-only role runs reports with no warning and cannot read server files; connecting as
    the superuser is warned about loudly, once."""
    report = definition(tmp_path / "sql" / "ok", "reads_visits",
                        "SELECT cppv_cp_visit_id AS visit_id FROM ssd_cp_visits "
                        "WHERE :as_at >= :period_start ORDER BY 1")
    caplog.set_level(logging.WARNING, logger="reporting.casedb.readonly")
    readonly._warned.clear()
    engine = readonly.case_engine(pg_case_db)
    assert [r["visit_id"] for r in extract(report, engine).rows] == ["V1", "V2", "V3"]
    assert readonly.privileges(engine)[0].startswith("is a superuser")
    engine.dispose()
    warnings = [r.getMessage() for r in caplog.records if "SECURITY WARNING" in r.getMessage()]
    assert len(warnings) == 1 and "'postgres' is a superuser" in warnings[0]

    role = f"mi_reader_{Path(tmp_path).name[-8:].lower().replace('-', '_')}"
    admin = create_engine(pg_case_db, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # the role docs/deployment.md tells an authority to create
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    try:
        caplog.clear()
        reader = readonly.case_engine(pg_case_db.replace("postgres@", f"{role}@"))
        assert [r["visit_id"] for r in extract(report, reader).rows] == ["V1", "V2", "V3"]
        assert readonly.privileges(reader) == []
        file_reader = definition(tmp_path / "sql" / "files", "reads_files",
                                 "SELECT pg_read_file('/etc/hostname') AS visit_id")
        with pytest.raises(ReportSQLError) as denied:
            extract(file_reader, reader)
        assert "permission denied" in str(denied.value)
        reader.dispose()
        assert not [r for r in caplog.records if "SECURITY WARNING" in r.getMessage()]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"))
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


# ---- indicators run the same way ------------------------------------------------------------------
def test_indicator_sql_cannot_write_either(sqlite_case_db, tmp_path):
    folder = tmp_path / "indicators"
    folder.mkdir()
    (folder / "hostile_indicator.yml").write_text(
        "id: hostile_indicator\ntitle: Hostile indicator\narea: assessment\n"
        "description: Rows a hostile indicator deletes.\n"
        "numerator: Rows deleted.\nunit: count\npolarity: low_is_good\nbasis: month\nstandard: A test of the guard.\n"
        "definition: A hostile indicator made up for this test.\n")
    engine = create_engine(f"sqlite:///{sqlite_case_db}")
    # DDL runs outside sqlite3's implicit transactions: without the guard it is committed at once
    for sql in ("CREATE TABLE stolen AS SELECT 1 AS numerator, NULL AS denominator",
                "DELETE FROM ssd_cp_visits WHERE :as_at IS NOT NULL RETURNING 1 AS numerator, NULL AS denominator"):
        (folder / "hostile_indicator.sql").write_text(sql)
        indicator = load_indicator(folder / "hostile_indicator.yml")
        with pytest.raises(ReportSQLError):
            compute(indicator, engine, WEEK)
    engine.dispose()
    assert visits(sqlite_case_db) == 3
    with sqlite3.connect(sqlite_case_db) as conn:
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} == {"ssd_cp_visits"}


# ---- Jinja in definitions -------------------------------------------------------------------------
PAYLOAD = "{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}"


def test_jinja_in_report_sql_cannot_run_code(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    folder = tmp_path / "sql" / "attacks"
    sql = "SELECT 'x' AS visit_id " + PAYLOAD.format(marker=marker)
    definition(folder, "jinja_in_sql", sql)
    monkeypatch.setenv("MI_SQL_DIR", str(tmp_path / "sql"))
    (tmp_path / "sql" / "_blocks").mkdir()
    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["reports", "validate"])
    assert not marker.exists()
    assert result.exit_code != 0 and "jinja_in_sql.sql" in "".join(result.output.split())
    assert "unsafe" in result.output.lower() or "security" in result.output.lower()


def test_jinja_in_a_report_template_cannot_run_code(sqlite_case_db, tmp_path):
    marker = tmp_path / "pwned"
    template = ('{% extends "base.html.j2" %}{% block main %}' + PAYLOAD.format(marker=marker)
                + "{% endblock %}")
    report = definition(tmp_path / "sql" / "attacks", "jinja_in_template",
                        "SELECT cppv_cp_visit_id AS visit_id FROM ssd_cp_visits WHERE :as_at IS NOT NULL",
                        template=template)
    from reporting.runner import run_report

    with pytest.raises(Exception) as refused:
        run_report(report, readonly.case_engine(f"sqlite:///{sqlite_case_db}"), WEEK, WEEK.end,
                   formats=["html"], archive_root=tmp_path / "archive")
    assert not marker.exists()
    assert "jinja_in_template.html.j2" in str(refused.value) and "unsafe" in str(refused.value).lower()
