"""The worked aggregate-report example in docs/adding-a-report.md is a report that works.

The `.yml` and `.sql` after `<!-- example: aggregate -->` are taken from the guide as written, put
into a private copy of sql/, loaded and validated as `mi reports validate` does (the definition,
its SQL with the blocks expanded, the catalogue's link pass), and run on the hand-worked authority
(tests/fixtures/handworked/authority.yml) for March 2024. Expected figures are worked out by hand
from that file (see tests/test_handworked_authority.py for the open cases and assessments).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import handworked
import pytest
import yaml
from sqlalchemy import Engine

from reporting import settings
from reporting.definitions import load_catalogue, load_definition
from reporting.disclosure import SUPPRESSED, published
from reporting.extract import expand_sql, run_extract
from reporting.runner import render_report
from reporting.schedules.periods import Period

pytestmark = pytest.mark.xdist_group("handworked")

GUIDE = settings.REPO_ROOT / "docs" / "adding-a-report.md"
MARCH_2024 = Period(date(2024, 3, 1), date(2024, 3, 31))


def example(marker: str) -> dict[str, str]:
    """The fenced ```yaml and ```sql blocks that follow `<!-- example: NAME -->` in the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    assert f"<!-- example: {marker} -->" in text, f"the guide has no {marker} example"
    after = text.split(f"<!-- example: {marker} -->", 1)[1]
    blocks = {}
    for kind in ("yaml", "sql"):
        found = re.search(rf"^```{kind}\n(.*?)^```$", after, re.MULTILINE | re.DOTALL)
        assert found, f"no ```{kind} block after the {marker} example's marker"
        blocks[kind] = found.group(1)
    return blocks


@pytest.fixture
def aggregate_example(tmp_path, monkeypatch) -> Path:
    """The guide's aggregate example written into a private copy of sql/ (MI_SQL_DIR points at it)."""
    root = tmp_path / "sql"
    shutil.copytree(settings.sql_dir(), root)
    monkeypatch.setenv("MI_SQL_DIR", str(root))
    files = example("aggregate")
    report_id = yaml.safe_load(files["yaml"])["id"]
    folder = root / "examples"
    folder.mkdir()
    (folder / f"{report_id}.yml").write_text(files["yaml"], encoding="utf-8")
    (folder / f"{report_id}.sql").write_text(files["sql"], encoding="utf-8")
    return folder / f"{report_id}.yml"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    built = handworked.build_database(tmp_path_factory.mktemp("handworked") / "authority.sqlite")
    yield built
    built.dispose()


def test_the_aggregate_example_loads_and_validates(aggregate_example):
    definition = load_definition(aggregate_example)
    assert definition.spec.sensitivity == "aggregate"
    assert "open_cases_at" not in expand_sql(definition)  # the blocks expand
    catalogue = load_catalogue()  # the link pass over every definition: roles, scopes, columns
    assert definition.id in catalogue.reports
    assert [e for e in catalogue.errors if e.path.stem == definition.id] == []


def test_the_aggregate_example_publishes_what_the_guide_says(aggregate_example, engine, tmp_path):
    definition = load_definition(aggregate_example)
    extract = run_extract(definition, engine, period_start=MARCH_2024.start, period_end=MARCH_2024.end,
                          as_at=MARCH_2024.end)
    shown = {r["team_id"]: r for r in published(definition.spec, extract.rows).rows}
    # Open cases at 31 Mar by the team holding them (tests/test_handworked_authority.py, CIN rate):
    #   Family Intervention 18, Looked After 12, Disability 8, GOSH 2 = 40.
    # On a CP plan: Family Intervention's 8. Assessments authorised in March: A09, A15, A16 by
    #   Family Intervention = 3; A80, A81 by GOSH = 2.
    # Family Intervention: 8 of 18 on a CP plan = 44.44 -> 44.4, both counts shown: the percent
    #   shows although the row's 3 assessments are c.
    assert (shown["T-FIT"]["cp_plans"], shown["T-FIT"]["open_cases"], shown["T-FIT"]["pct_on_cp_plan"]) \
        == (8, 18, 44.4)
    assert shown["T-FIT"]["assessments_completed"] == SUPPRESSED
    # GOSH: 2 open cases, 2 assessments: 1-5, c; its 0 of 2 = 0.0% would give the 2 back: c.
    assert shown["T-GOSH"]["open_cases"] == shown["T-GOSH"]["assessments_completed"] == SUPPRESSED
    assert shown["T-GOSH"]["pct_on_cp_plan"] == SUPPRESSED
    # 40 - 18 - 12 - 8 = 2 would give GOSH's back, so the smallest other, the Disability Team's 8, is
    # hidden too, and its 0 of 8 with it.
    assert shown["T-CYPDS"]["open_cases"] == shown["T-CYPDS"]["pct_on_cp_plan"] == SUPPRESSED
    assert {k: shown["T-LAC"][k] for k in ("open_cases", "cp_plans", "pct_on_cp_plan", "assessments_completed")} \
        == {"open_cases": 12, "cp_plans": 0, "pct_on_cp_plan": 0.0, "assessments_completed": 0}
    # The rendered spreadsheet shows the same, team by team, as the guide's table.
    result = render_report(definition, extract, MARCH_2024, MARCH_2024.end, formats=["csv"], data_quality=[],
                           archive_root=tmp_path / "archive")
    with open(result.outputs["csv"], encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table == [
        ["Team", "Open cases", "On a CP plan", "% of open cases on a CP plan", "Assessments authorised"],
        ["Children and Young People's Disability Team", "c", "0", "c", "0"],
        ["Family Intervention Team", "18", "8", "44.4", "c"],
        ["GOSH Hospital Team", "c", "0", "c", "c"],
        ["Looked After and Leaving Care Team", "12", "0", "0.0", "0"],
    ]


def test_the_totals_summary_adds_up_every_team(aggregate_example, engine):
    definition = load_definition(aggregate_example)
    extract = run_extract(definition, engine, period_start=MARCH_2024.start, period_end=MARCH_2024.end,
                          as_at=MARCH_2024.end)
    [totals] = published(definition.spec, extract.rows).summaries
    # 18 + 12 + 8 + 2 = 40 open cases; 8 + 0 + 0 + 0 = 8 on a CP plan: the column totals that disclosure
    # control already treats as published, so both show.
    assert totals["rows"] == [{"group": "All", "open_cases": 40, "cp_plans": 8}]


def test_the_example_validates_previews_and_resolves_as_a_data_officer_would(aggregate_example, engine, monkeypatch):
    """The guide's steps, by command: validate (the query run for no rows on the case database),
    preview (one render of the HTML the browser gets), recipients resolve."""
    from typer.testing import CliRunner

    from reporting.cli.main import app
    from reporting.preview import Preview

    monkeypatch.setenv("MI_CASEDB_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MI_CATALOGUE_CACHE", "false")
    report_id = aggregate_example.stem
    validated = CliRunner().invoke(app, ["reports", "validate", str(aggregate_example)])
    assert validated.exit_code == 0 and "1 definitions checked, 0 problems" in validated.output, validated.output

    preview = Preview(report_id, date(2024, 4, 1), engine=engine, port=0, say=lambda _line: None)
    try:
        assert preview.render()
        page = preview.page()
    finally:
        preview.stop()
    # March 2024, the latest complete month at 1 April: Family Intervention's 8 of 18 = 44.4 shows
    assert "Family Intervention Team" in page and "44.4" in page

    resolved = CliRunner().invoke(app, ["recipients", "resolve", report_id, "--as-at", "2024-04-01", "--json"])
    assert resolved.exit_code == 0, resolved.output
    answer = json.loads(resolved.stdout)
    assert answer["sent_to"] == ["DIRECTOR (all)", "CSCP (agency)"]
    # the hand-worked authority has no director on its staff; the partnership is config/partners.yml's
    assert {(r["scope"], r["slice"]) for r in answer["recipients"]} == {("agency", "agency-cscp")}
