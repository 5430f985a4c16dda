"""The report engine: definitions, SQL rules, the data officer's workflow, the archive."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine
from typer.testing import CliRunner

from reporting import settings
from reporting.cli.main import app
from reporting.definitions import DefinitionLoadError, load_catalogue, load_definition
from reporting.extract import ReportSQLError, expand_sql, run_extract
from reporting.runner import run_report
from reporting.schedules.periods import latest_complete_period

EXAMPLE = settings.REPO_ROOT / "sql" / "child_protection" / "cp_visits_due_next_week.yml"
RUN_DATE = date(2026, 10, 26)


def _write_broken(root: Path, name: str, mutate) -> Path:
    text = EXAMPLE.read_text()
    folder = root / "broken"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.sql").write_text(EXAMPLE.with_suffix(".sql").read_text())
    path = folder / f"{name}.yml"
    path.write_text(mutate(text.replace("id: cp_visits_due_next_week", f"id: {name}")))
    return path


@pytest.mark.parametrize(
    "name, mutate, field, expected",
    [
        ("bad_yaml", lambda t: t + "\n  : : [unclosed\n", "line", "not valid YAML"),
        ("unknown_key", lambda t: t + "colour: blue\n", "colour", "unknown field"),
        ("wrong_type", lambda t: t.replace("cadence: weekly", "cadence: weekly\ndue_working_day: soon"),
         "due_working_day", "integer"),
        ("bad_cadence", lambda t: t.replace("cadence: weekly", "cadence: hourly"), "cadence", "unknown cadence"),
        ("bad_role", lambda t: t.replace("role: SP", "role: WIZARD"), "recipients", "unknown recipient role"),
        ("bad_burst", lambda t: t.replace("burst_key: team_id", "burst_key: team"), "(definition)",
         "burst_key names column 'team'"),
        # what a data officer got wrong (as a data officer reported them): each told the fix, in the file's own terms
        ("qualified_role", lambda t: t.replace("{role: TM, scope: team}", "{role: LAC_TM, scope: team}"),
         "recipients[LAC_TM]", "unknown recipient role 'LAC_TM' (did you mean TM?); expected one of "
                               "config/roles.yml: ADULT_SOCIAL_WORK, "),
        ("type_typo", lambda t: t.replace("type: date}", "type: dat}", 1), "columns[plan_start].type",
         "Input should be 'text', 'int', 'decimal', 'percent', 'date', 'datetime' or 'month'"),
        ("misspelt_field", lambda t: t.replace("burst_label:", "burst_lable:"), "burst_lable",
         "unknown field (did you mean burst_label?)"),
    ],
)
def test_bad_definition_names_file_field_and_expectation(sql_copy, name, mutate, field, expected):
    path = _write_broken(sql_copy, name, mutate)
    with pytest.raises(DefinitionLoadError) as caught:
        load_definition(path)
    message = str(caught.value)
    assert str(path) in message
    assert field in message
    assert expected in message
    # The rest of the catalogue still loads.
    catalogue = load_catalogue(sql_copy)
    assert "cp_visits_due_next_week" in catalogue.reports
    assert [e.path for e in catalogue.errors] == [path]


def test_missing_sql_file_is_reported(sql_copy):
    path = _write_broken(sql_copy, "no_sql", lambda t: t)
    path.with_suffix(".sql").unlink()
    catalogue = load_catalogue(sql_copy)
    assert any("missing SQL file" in str(e) and "no_sql.sql" in str(e) for e in catalogue.errors)


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("select 1 as person_id; select 2 as person_id", "one SQL statement"),
        ("select 1 as person_id where :period_end < current_date", "uses the clock"),
        ("select 1 as person_id where :child = 1", "unknown parameter(s) :child"),
        ("select {{ no_such_block() }} as person_id", "building block error"),
    ],
)
def test_sql_house_rules(sql_copy, sql, expected):
    path = _write_broken(sql_copy, "rules", lambda t: t)
    path.with_suffix(".sql").write_text(sql)
    with pytest.raises(ReportSQLError, match=re.escape(expected)) as caught:
        expand_sql(load_definition(path))
    assert "rules.sql" in str(caught.value)


def test_hostile_parameter_value_cannot_change_the_sql(seeded_sqlite_url):
    definition = load_catalogue().get("cp_visits_due_next_week")
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        people = conn.exec_driver_sql("select count(*) from ssd_person").scalar()
    hostile = "2026-10-25'; drop table ssd_person; --"
    try:  # bound as a value: at worst not a date the query can use, never part of the statement
        run_extract(definition, engine, period_start=hostile, period_end=hostile, as_at=hostile)
    except ReportSQLError as error:
        assert "drop table" not in str(error)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from ssd_person").scalar() == people > 1000


pytestmark = pytest.mark.xdist_group("sqlite_seed")


def test_data_officer_adds_a_report_without_python(sql_copy, seeded_sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    runner = CliRunner()
    result = runner.invoke(app, ["reports", "new", "open_cases_by_team_demo", "--area", "trial",
                                 "--title", "Open cases by team"])
    assert result.exit_code == 0, result.output
    yml = sql_copy / "trial" / "open_cases_by_team_demo.yml"
    assert runner.invoke(app, ["reports", "validate", str(yml)]).exit_code == 0
    result = runner.invoke(app, ["reports", "render", "open_cases_by_team_demo", "--as-at", "2026-10-26",
                                 "--out", str(tmp_path / "archive"), "--format", "csv,html"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "archive" / "open_cases_by_team_demo" / "2026-09-30"
    manifest = json.loads((folder / "manifest.json").read_text())
    # The scaffold lists open cases at the period end: compare with an independent count.
    with create_engine(seeded_sqlite_url).connect() as conn:
        expected = conn.exec_driver_sql(
            "select count(distinct cine_person_id) from ssd_cin_episodes where cine_referral_date <= '2026-09-30' "
            "and (cine_close_date is null or cine_close_date > '2026-09-30')").scalar()
    assert manifest["rows"] == expected > 1000
    assert (folder / "open_cases_by_team_demo.csv").read_text().count("\n") == expected + 1


def test_render_archive_manifest_pdf_and_hash(seeded_sqlite_url, tmp_path):
    definition = load_catalogue().get("cp_visits_due_next_week")
    engine = create_engine(seeded_sqlite_url)
    period = latest_complete_period("weekly", RUN_DATE)
    first = run_report(definition, engine, period, period.end, archive_root=tmp_path)
    second = run_report(definition, engine, period, period.end, archive_root=tmp_path / "again")
    assert first.content_hash == second.content_hash
    assert Path(first.outputs["csv"]).read_bytes() == Path(second.outputs["csv"]).read_bytes()
    assert Path(first.outputs["xlsx"]).read_bytes() == Path(second.outputs["xlsx"]).read_bytes()
    manifest = json.loads((first.folder / "manifest.json").read_text())
    assert manifest["parameters"] == {"period_start": "2026-10-19", "period_end": "2026-10-25",
                                      "as_at": "2026-10-25"}
    assert manifest["sql_hash"] == definition.sql_hash and manifest["rows"] == first.rows
    reader = PdfReader(io.BytesIO(Path(first.outputs["pdf"]).read_bytes()))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    first_page = reader.pages[0].extract_text()
    assert definition.spec.title in first_page and "OFFICIAL-SENSITIVE" in first_page
    assert "19 Oct 2026" in first_page and "25 Oct 2026" in first_page
    assert not list(tmp_path.glob("cp_visits_due_next_week/.*")), "no temporary folders left behind"


def test_empty_result_renders_a_clear_page(sql_copy, seeded_sqlite_url, tmp_path):
    path = _write_broken(sql_copy, "nothing_due", lambda t: t)
    sql = path.with_suffix(".sql")
    sql.write_text(sql.read_text().replace("where d.next_visit_due <=", "where 1 = 0 and d.next_visit_due <="))
    definition = load_definition(path)
    period = latest_complete_period("weekly", RUN_DATE)
    result = run_report(definition, create_engine(seeded_sqlite_url), period, period.end, archive_root=tmp_path)
    assert result.rows == 0
    page = Path(result.outputs["html"]).read_text()
    assert "Nothing to report" in page
    assert "<svg" not in page, "a chart of no figures says nothing: none is drawn"


def test_run_command_json_and_exit_code(seeded_sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    result = CliRunner().invoke(app, ["run", "--as-at", "2026-10-26", "--cadence", "weekly", "--json",
                                      "--format", "csv", "--index-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    weekly = {d.id for d in load_catalogue().reports.values() if d.spec.cadence == "weekly"}
    assert {i["id"] for i in items} == weekly
    assert all(i["status"] in ("ok", "warning") and i["period_end"] == "2026-10-25" for i in items)
    # each report's stages are timed (the benchmark sums them); delivery is on by default
    assert all(set(i["seconds"]) == {"extract", "quality", "render", "deliver"} for i in items)
    assert all(i["seconds"]["extract"] > 0 and i["seconds"]["render"] > 0 for i in items)
    assert "cp_visits_due_next_week" in (tmp_path / "out" / "index.html").read_text()


def test_aggregate_report_applies_disclosure_control(sql_copy, seeded_sqlite_url, tmp_path):
    """sensitivity: aggregate -> counts 1-5 are 'c' and one more cell per line is hidden."""
    folder = sql_copy / "published"
    folder.mkdir()
    (folder / "small_numbers.sql").write_text(
        "select 'Team A' as team_name, 3 as children, 40 as visits union all "
        "select 'Team B', 12, 2 union all select 'Team C', 30, 50")
    (folder / "small_numbers.yml").write_text(
        "id: small_numbers\ntitle: Small numbers\ndescription: One row per team with counts for publication.\n"
        "cadence: quarterly\nrecipients: [{role: DIRECTOR, scope: all}]\nsensitivity: aggregate\n"
        "columns:\n  - {name: team_name, label: Team}\n  - {name: children, label: Children, type: int}\n"
        "  - {name: visits, label: Visits, type: int}\n")
    definition = load_definition(folder / "small_numbers.yml")
    period = latest_complete_period("quarterly", RUN_DATE)
    result = run_report(definition, create_engine(seeded_sqlite_url), period, period.end, archive_root=tmp_path,
                        formats=["csv"])
    lines = Path(result.outputs["csv"]).read_text().splitlines()
    # Team A's 3 children and Team B's 2 visits are primary; each column then needs a second hidden
    # cell (the smallest other value: B's 12 children, A's 40 visits) so its total cannot give them back.
    assert lines[1:] == ["Team A,c,c", "Team B,c,c", "Team C,30,50"]
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["disclosure_control"] == {"primary": 2, "secondary": 2}


def test_mi_reports_validate_prints_the_field_as_named_never_as_markup(sql_copy, monkeypatch):
    """`columns[plan_start]` is not a rich markup tag: the printed line keeps it."""
    from typer.testing import CliRunner

    from reporting.cli.main import app

    _write_broken(sql_copy, "type_typo", lambda t: t.replace("type: date}", "type: dat}", 1))
    monkeypatch.setenv("MI_SQL_DIR", str(sql_copy))
    monkeypatch.setenv("MI_CATALOGUE_CACHE", "false")
    monkeypatch.setenv("COLUMNS", "300")
    result = CliRunner().invoke(app, ["reports", "validate"])
    assert result.exit_code == 1
    assert "type_typo.yml (field: columns[plan_start].type): Input should be" in " ".join(result.output.split())
