"""The case database schema on SQLite and PostgreSQL matches the SSD field list.

The SSD field list is read here independently (csv module), not through reporting.casedb.ssd,
so a bug in how the package reads it cannot hide a missing table or field.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import SEEDED_DB_PARAMS
from sqlalchemy import create_engine, inspect

from reporting.casedb.schema import case_metadata

SSD_FIELDS_TSV = Path(__file__).resolve().parents[1] / "reporting" / "casedb" / "ssd-fields.tsv"


def ssd_fields_by_table() -> dict[str, list[str]]:
    by_table: dict[str, list[str]] = defaultdict(list)
    with SSD_FIELDS_TSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            by_table[row["table"].strip()].append(row["field"].strip())
    return dict(by_table)


@pytest.fixture
def inspector(seeded_url):
    engine = create_engine(seeded_url)
    try:
        yield inspect(engine)
    finally:
        engine.dispose()


def test_ssd_field_list_is_the_published_one():
    by_table = ssd_fields_by_table()
    assert len(by_table) == 48
    assert sum(len(fields) for fields in by_table.values()) == 359


@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
def test_every_ssd_table_and_field_exists(inspector):
    tables = set(inspector.get_table_names())
    expected = ssd_fields_by_table()
    missing_tables = sorted(set(expected) - tables)
    assert not missing_tables, f"SSD tables missing: {missing_tables}"
    missing_fields = {
        table: sorted(set(fields) - {c["name"] for c in inspector.get_columns(table)})
        for table, fields in expected.items()
    }
    missing_fields = {t: f for t, f in missing_fields.items() if f}
    assert not missing_fields, f"SSD fields missing: {missing_fields}"


@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
def test_every_table_has_a_primary_key(inspector):
    tables = inspector.get_table_names()
    assert set(case_metadata().tables) <= set(tables)
    without = [t for t in case_metadata().tables if not inspector.get_pk_constraint(t)["constrained_columns"]]
    assert not without, f"tables without a primary key: {without}"


@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
def test_extension_tables_are_marked_local(inspector, seeded_url):
    metadata_ext = {name: t for name, t in case_metadata().tables.items() if name.startswith("ext_")}
    assert len(metadata_ext) >= 25
    for name, table in metadata_ext.items():
        assert (table.comment or "").startswith("Local extension"), f"{name}: {table.comment!r}"
    # Everything that is not SSD is an ext_ table: nothing unmarked sneaks in.
    assert set(case_metadata().tables) - set(ssd_fields_by_table()) == set(metadata_ext)
    if inspector.dialect.name == "postgresql":  # SQLite has no table comments
        for name in metadata_ext:
            comment = inspector.get_table_comment(name)["text"] or ""
            assert comment.startswith("Local extension"), f"{name} in the database: {comment!r}"
        for name in ssd_fields_by_table():
            assert (inspector.get_table_comment(name)["text"] or "").startswith("SSD")


@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
def test_every_extension_column_is_described(inspector):
    """`mi db columns` shows the column comment: an ext_ column without one is blank to a data officer."""
    metadata_ext = {name: t for name, t in case_metadata().tables.items() if name.startswith("ext_")}
    assert len(metadata_ext) >= 25
    undescribed = [f"{name}.{c.name}" for name, table in metadata_ext.items() for c in table.columns
                   if not (c.comment or "").strip()]
    assert not undescribed, f"ext_ columns without a comment: {undescribed}"
    if inspector.dialect.name == "postgresql":  # SQLite has no column comments
        expected = {(name, c.name): c.comment for name, table in metadata_ext.items() for c in table.columns}
        found = {(name, c["name"]): c.get("comment") for name in metadata_ext for c in inspector.get_columns(name)}
        assert found == expected


@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS[1:], indirect=True)
def test_declared_foreign_keys_exist_in_postgresql(inspector):
    declared = {
        (table.name, tuple(c.parent.name for c in fk.elements), fk.referred_table.name,
         tuple(c.column.name for c in fk.elements))
        for table in case_metadata().tables.values()
        for fk in table.foreign_key_constraints
    }
    assert len(declared) > 50
    found = {
        (table, tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
        for table in inspector.get_table_names()
        for fk in inspector.get_foreign_keys(table)
    }
    assert declared - found == set()


@pytest.mark.xdist_group("pg_seed")
@pytest.mark.postgres
def test_a_seeded_postgresql_database_has_planner_statistics(seeded_pg_url):
    """Without ANALYZE after the bulk load the planner guesses row counts (where autovacuum is off,
    for good), and at london scale one report's query ran for over ten minutes instead of seconds."""
    from sqlalchemy import text

    engine = create_engine(seeded_pg_url)
    with engine.connect() as conn:
        analysed = set(conn.execute(text(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
            "OR last_autoanalyze IS NOT NULL")).scalars())
        estimate = conn.execute(text(
            "SELECT reltuples FROM pg_class WHERE relname = 'ssd_person'")).scalar_one()
        people = conn.execute(text("SELECT count(*) FROM ssd_person")).scalar_one()
    engine.dispose()
    assert sorted(set(case_metadata().tables) - analysed) == []
    assert estimate == people, "the planner's row count is the real one"
