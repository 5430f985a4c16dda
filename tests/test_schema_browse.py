"""`mi db tables` and `mi db columns`: a data officer finds table and column names without Python.

Expected content is worked out here from the sources themselves (the SSD field list read with
csv, the code tables read with yaml), not from the module under test.
"""

from __future__ import annotations

import csv
import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from reporting import settings
from reporting.cli.main import app

SSD_FIELDS = settings.REPO_ROOT / "reporting" / "casedb" / "ssd-fields.tsv"
EXTENSIONS = settings.REPO_ROOT / "reporting" / "casedb" / "extensions.py"
ANNEX_A_CODES = settings.REPO_ROOT / "config" / "annex_a_codes.yml"


def ssd_rows() -> list[dict[str, str]]:
    with SSD_FIELDS.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def ext_table_names() -> list[str]:
    """Every `Table("ext_...", ...)` in extensions.py, read as text."""
    return re.findall(r'"(ext_[a-z0-9_]+)", metadata', EXTENSIONS.read_text(encoding="utf-8"))


def mi(*args: str):
    # Wide terminal: a table row must not wrap, so a test can find a column and its description on one line.
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})


def row_of(output: str, column: str) -> str:
    """The line of a rich table that starts with `column` (its first cell)."""
    lines = [line for line in output.splitlines() if re.match(rf"[│|]\s*{re.escape(column)}\s*[│|]", line)]
    assert len(lines) == 1, f"expected one row for {column}, got {lines}"
    return lines[0]


def test_columns_lists_every_ssd_field_of_the_table_with_its_description():
    fields = [row for row in ssd_rows() if row["table"] == "ssd_cp_plans"]
    assert len(fields) == 9
    result = mi("db", "columns", "ssd_cp_plans")
    assert result.exit_code == 0, result.output
    for field in fields:
        assert field["description"] in row_of(result.output, field["field"])
    # the table's own key, and a listed foreign key
    assert "PK" in row_of(result.output, "cppl_cp_plan_id")
    assert "ssd_person.pers_person_id" in row_of(result.output, "cppl_person_id")


def test_columns_shows_the_declared_code_list_and_nothing_where_none_is_declared():
    abuse_categories = [str(code) for code in yaml.safe_load(ANNEX_A_CODES.read_text(encoding="utf-8"))
                        ["abuse_category"]]
    assert "NEG" in abuse_categories
    output = mi("db", "columns", "ssd_cp_plans").output
    category = row_of(output, "cppl_cp_plan_initial_category")
    for code in abuse_categories:
        assert re.search(rf"\b{code}\b", category)
    # No code list is declared for a date: its codes cell is empty (the last cell of the row).
    start_date = row_of(output, "cppl_cp_plan_start_date")
    assert start_date.split("│")[-2].strip() == ""
    assert category.split("│")[-2].strip() != ""


def test_tables_lists_every_ssd_and_extension_table_with_its_column_count():
    ssd_counts: dict[str, int] = {}
    for row in ssd_rows():
        ssd_counts[row["table"]] = ssd_counts.get(row["table"], 0) + 1
    extension_tables = ext_table_names()
    assert len(ssd_counts) == 48 and "ext_calendar" in extension_tables and len(extension_tables) > 30
    result = mi("db", "tables")
    assert result.exit_code == 0, result.output
    for table, count in ssd_counts.items():
        assert re.search(rf"\b{count}\b", row_of(result.output, table)), table
    for table in extension_tables:
        row_of(result.output, table)
    assert "Local extension: staff directory" in row_of(result.output, "ext_staff")


def test_tables_json_parses_and_has_every_table():
    result = mi("db", "tables", "--json")
    assert result.exit_code == 0, result.output
    tables = {t["table"]: t for t in json.loads(result.stdout)}
    expected = {row["table"] for row in ssd_rows()} | set(ext_table_names())
    assert set(tables) == expected
    assert tables["ssd_cp_plans"]["column_count"] == 9
    assert tables["ext_calendar"]["part"] == "calendar"
    assert tables["ext_staff"]["part"] == "local extension"


def test_columns_json_parses_with_keys_descriptions_and_codes():
    result = mi("db", "columns", "ssd_person", "--json")
    assert result.exit_code == 0, result.output
    table = json.loads(result.stdout)
    columns = {c["name"]: c for c in table["columns"]}
    expected = {row["field"]: row["description"] for row in ssd_rows() if row["table"] == "ssd_person"}
    assert {name: c["description"] for name, c in columns.items()} == expected
    assert columns["pers_person_id"]["primary_key"] is True
    sexes = yaml.safe_load(ANNEX_A_CODES.read_text(encoding="utf-8"))["sex"]
    assert columns["pers_sex"]["codes"]["values"] == list(sexes)
    assert columns["pers_forename"]["codes"] is None


def test_an_extension_table_lists_its_columns_and_foreign_keys():
    result = mi("db", "columns", "ext_cin_reviews", "--json")
    assert result.exit_code == 0, result.output
    columns = {c["name"]: c for c in json.loads(result.stdout)["columns"]}
    assert list(columns) == ["cinr_review_id", "cinr_person_id", "cinr_cin_plan_id", "cinr_due_date",
                             "cinr_review_date"]
    assert columns["cinr_cin_plan_id"]["references"] == "ssd_cin_plans.cinp_cin_plan_id"
    assert columns["cinr_due_date"]["type"] == "DATE"


def test_every_extension_column_shows_a_description():
    undescribed = []
    for table in ext_table_names():
        result = mi("db", "columns", table, "--json")
        assert result.exit_code == 0, result.output
        columns = json.loads(result.stdout)["columns"]
        assert columns, table
        undescribed += [f"{table}.{c['name']}" for c in columns if not c["description"].strip()]
    assert undescribed == []
    # the description is the column's own, not its table's
    output = mi("db", "columns", "ext_teams").output
    assert "Team kind: MASH" in row_of(output, "team_kind")


@pytest.mark.parametrize("misspelt, meant", [("ssd_cp_plan", "ssd_cp_plans"), ("ext_staf", "ext_staff")])
def test_an_unknown_table_says_did_you_mean_in_one_line_and_exits_1(misspelt, meant):
    result = mi("db", "columns", misspelt)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert "\n" not in message
    assert f"did you mean {meant}?" in message
    assert result.stdout == ""
