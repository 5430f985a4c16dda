"""`mi reports validate` runs each query for no rows, and says what to fix in one line.

Each mistake a data officer made (the data officer's reported mistakes) is made here in a copy of a real definition,
and the line `mi reports validate` prints is checked for the file, the line or field, and the fix.
The queries run on an empty database with the case schema (what validate uses without a case
database), on PostgreSQL (a database of its own, created and dropped by the fixture), and the
narrowed recipients on the hand-worked authority.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from handworked import build_database
from sqlalchemy import create_engine
from typer.testing import CliRunner

from reporting import settings
from reporting.casedb.schema import create_schema
from reporting.cli.main import app
from reporting.definitions import load_definition

REPORT = "missing_children_weekly"
ORIGINAL = settings.REPO_ROOT / "sql" / "looked_after" / f"{REPORT}.sql"


@pytest.fixture
def sql_copy(sql_copy, tmp_path, monkeypatch):
    """The private copy of sql/ (conftest), with no case database (validate builds a schema-only one)."""
    root = sql_copy
    monkeypatch.setenv("MI_CATALOGUE_CACHE", "false")
    monkeypatch.setenv("MI_CASEDB_URL", f"sqlite:///{tmp_path / 'no-such-case.sqlite'}")
    monkeypatch.setenv("COLUMNS", "2000")  # one problem per printed line
    return root


def _edit(root: Path, suffix: str, old: str, new: str) -> Path:
    path = root / "looked_after" / f"{REPORT}{suffix}"
    text = path.read_text()
    assert text.count(old) >= 1, f"the test's edit does not apply: {old!r}"
    path.write_text(text.replace(old, new, 1))
    return root / "looked_after" / f"{REPORT}.yml"


def _line_of(text: str, fragment: str) -> int:
    """1-based line of the file where `fragment` first appears (worked out here, not by the code)."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def _validate(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["reports", "validate", *args])
    assert "Traceback" not in result.output
    return result.exit_code, [line for line in result.output.splitlines() if line.startswith("✗")]


def test_every_shipped_definition_passes_on_the_schema(sql_copy):
    code, problems = _validate()
    assert (code, problems) == (0, [])


def test_a_misspelt_column_is_found_on_its_line_with_the_right_name(sql_copy):
    yml = _edit(sql_copy, ".sql", "m.miss_missing_episode_type as episode_type", "m.miss_episode_type as episode_type")
    line = _line_of(ORIGINAL.read_text(), "m.miss_missing_episode_type as episode_type")
    code, problems = _validate(str(yml))
    assert code == 1
    assert problems == [f"✗ {yml.with_suffix('.sql')} line {line}: the query failed: no such column: "
                        "m.miss_episode_type (did you mean m.miss_missing_episode_type?)"]
    # offline keeps today's static checks only: the query is not run
    assert _validate(str(yml), "--offline") == (0, [])


def test_a_syntax_error_names_the_line_where_parsing_stops_not_the_first_use_of_the_token(sql_copy):
    # a missing comma after person_id: SQLite says `near "m"`, and `m.` begins the two lines before too
    yml = _edit(sql_copy, ".sql", "m.miss_person_id as person_id,", "m.miss_person_id as person_id")
    line = _line_of(ORIGINAL.read_text(), "m.miss_missing_episode_type as episode_type")  # the next line
    result = CliRunner().invoke(app, ["reports", "validate", str(yml), "--show-sql"])
    assert result.exit_code == 1
    assert f"{REPORT}.sql line {line}: the query failed: near \"m\": syntax error" in result.output
    # --show-sql: the expanded statement around it, numbered, the failing line marked (no block is
    # expanded above it, so its numbers are the file's)
    marked = [x for x in result.output.splitlines() if x.startswith(">")]
    assert marked == [f"> {line:4d} |         m.miss_missing_episode_type as episode_type,"]


def test_a_column_inside_a_building_block_is_placed_on_the_blocks_call(sql_copy):
    source = ORIGINAL.read_text()
    call = "{{ days_between('e.missing_from', 'coalesce(e.returned_on, :as_at)') }}"
    yml = _edit(sql_copy, ".sql", call, call.replace("e.missing_from", "e.missing_fro"))
    code, problems = _validate(str(yml))
    assert code == 1
    assert problems == [f"✗ {yml.with_suffix('.sql')} line {_line_of(source, call)} (in the building block called "
                        "there): the query failed: no such column: e.missing_fro (did you mean e.missing_from?)"]


def test_a_yaml_column_the_query_does_not_return_and_the_reverse(sql_copy):
    yml = _edit(sql_copy, ".yml", "- {name: episode_type, label: Type}", "- {name: episode_kind, label: Type}")
    code, problems = _validate(str(yml))
    assert code == 1
    assert len(problems) == 2
    assert problems[0].startswith(f"✗ {yml} (field: columns[episode_kind]): the query in {REPORT}.sql does not "
                                  "return a column 'episode_kind' (did you mean episode_type?); it returns ")
    assert problems[1] == (f"✗ {yml} (field: columns): the query in {REPORT}.sql returns episode_type, not in "
                           "columns: declare it (hidden: true if only used for slicing) or drop it from the SELECT")


def test_a_scope_without_its_slicing_column_is_a_definition_error_not_a_traceback(sql_copy, tmp_path):
    """The report slices service managers' copies on team_id; without that column `validate` says so
    (and `mi recipients resolve` no longer meets a SliceError at send time: the definition is refused)."""
    yml = sql_copy / "looked_after" / f"{REPORT}.yml"
    text = yml.read_text()
    text = text.replace("  - {name: team_id, label: Team ID, hidden: true}\n", "")
    text = text.replace("burst_key: team_id\n", "")
    text = re.sub(r"\n  - \{role: TM, scope: team\}", "", text)
    yml.write_text(text)
    code, problems = _validate(str(yml))
    assert code == 1
    assert f"✗ {yml} (field: recipients[SM]): scope 'service' slices the rows on a column named team_id, which the " \
           "report does not have: return team_id from the SQL and declare it in columns (hidden: true), or send " \
           "this role scope all" in problems
    result = CliRunner().invoke(app, ["recipients", "resolve", REPORT, "--as-at", "2026-10-26"])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_postgresql_places_the_error_by_its_own_position(sql_copy, make_pg_database):
    url = make_pg_database()
    create_schema(create_engine(url))
    yml = _edit(sql_copy, ".sql", "m.miss_missing_rhi_accepted as rhi_accepted", "m.miss_rhi_accepted as rhi_accepted")
    line = _line_of(ORIGINAL.read_text(), "m.miss_missing_rhi_accepted as rhi_accepted")
    code, problems = _validate(str(yml), "--url", url)
    assert code == 1
    assert problems == [f"✗ {yml.with_suffix('.sql')} line {line}: the query failed: column m.miss_rhi_accepted does "
                        "not exist (did you mean m.miss_missing_rhi_accepted?)"]


# ---- recipients narrowed by team kind or service ------------------------------------------------
HANDWORKED_AS_AT = date(2024, 3, 31)


@pytest.fixture(scope="module")
def handworked_engine(tmp_path_factory):
    return build_database(tmp_path_factory.mktemp("narrowed") / "authority.sqlite")


def _resolved_ids(sql_root: Path, recipients: str, engine) -> list[str]:
    from reporting.delivery.recipients import resolve

    yml = sql_root / "looked_after" / f"{REPORT}.yml"
    text = re.sub(r"recipients:\n(  - .*\n)+", f"recipients:\n{recipients}", yml.read_text())
    yml.write_text(text)
    spec = load_definition(yml).spec
    return sorted(p.name for p in resolve(spec, engine, HANDWORKED_AS_AT))


def test_recipients_narrowed_by_team_kind_and_by_service(sql_copy, handworked_engine):
    # Social workers in post on 31 March 2024 (tests/fixtures/handworked/authority.yml): W1 Amina Shah
    # and W2 Ben Carter (FIT), W5 Eve Novak (CYPDS), W6 Femi Adeyemi (GOSH), W10 Jack Wood (LAC);
    # W7 left on 15 March and W9 starts on 2 April.
    everyone = ["Amina Shah", "Ben Carter", "Eve Novak", "Femi Adeyemi", "Jack Wood"]
    assert _resolved_ids(sql_copy, "  - {role: SW, scope: all}\n", handworked_engine) == everyone
    # LAC teams only: T-LAC's social worker in post, Jack Wood
    assert _resolved_ids(sql_copy, "  - {role: SW, scope: all, team_kinds: [LAC]}\n", handworked_engine) == \
        ["Jack Wood"]
    # the Disability and Health service (SV-DH): its teams T-CYPDS (Eve Novak) and T-GOSH (Femi Adeyemi)
    assert _resolved_ids(sql_copy, "  - {role: SW, scope: all, services: [SV-DH]}\n", handworked_engine) == \
        ["Eve Novak", "Femi Adeyemi"]
    # both: the service's CYPDS team only
    assert _resolved_ids(sql_copy, "  - {role: SW, scope: all, team_kinds: [CYPDS], services: [SV-DH]}\n",
                         handworked_engine) == ["Eve Novak"]


def test_narrowing_is_shown_by_resolve_and_checked_by_validate(sql_copy, handworked_engine, monkeypatch):
    url = str(handworked_engine.url)
    monkeypatch.setenv("MI_CASEDB_URL", url)
    yml = sql_copy / "looked_after" / f"{REPORT}.yml"
    yml.write_text(yml.read_text().replace("{role: TM, scope: team}", "{role: TM, scope: team, team_kinds: [LAC]}"))
    result = CliRunner().invoke(app, ["recipients", "resolve", REPORT, "--as-at", "2024-04-01"])
    assert result.exit_code == 0, result.output
    assert "sent to: TM (team), only LAC teams; CSE_MISSING_ANALYST (all); SM (service)" in result.output
    # a kind the case database does not have: named, with the nearest and the list
    yml.write_text(yml.read_text().replace("team_kinds: [LAC]", "team_kinds: [LACT]"))
    code, problems = _validate(str(yml))
    assert code == 1
    assert problems == [f"✗ {yml} (field: recipients[TM].team_kinds): no team_kind 'LACT' in the case database "
                        "(did you mean LAC?); it has CYPDS, FIT, GOSH, LAC"]
    # a partner role cannot be narrowed by team: partners.yml chooses its people
    yml.write_text(yml.read_text().replace("{role: CSE_MISSING_ANALYST, scope: all}",
                                           "{role: CAIT, scope: agency, team_kinds: [LAC]}"))
    code, problems = _validate(str(yml), "--offline")
    assert code == 1 and any("(field: recipients[CAIT]): team_kinds and services narrow staff roles only" in p
                             for p in problems)
