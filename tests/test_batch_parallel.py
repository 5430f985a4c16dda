"""Parallel `mi run` (worker processes) and the streaming seed (bounded batches).

The parallel run must give the same reports, in the same order, with the same files as the
one-by-one run; workers must see the caller's settings (MI_*), not the fork server's.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from reporting.batch import run_batch, select_reports
from reporting.casedb.synth import generate_batches, load_synth_config
from reporting.definitions import load_catalogue


def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.xdist_group("sqlite_seed")
def test_parallel_run_matches_serial_run(seeded_sqlite_url, tmp_path, monkeypatch):
    selection = select_reports(load_catalogue(), date(2026, 10, 26), cadence="weekly")
    assert len(selection) >= 3
    engine = create_engine(seeded_sqlite_url)
    runs = {}
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    for jobs in (1, 2):
        monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / f"archive{jobs}"))
        finished: list[str] = []
        runs[jobs] = run_batch(selection, engine, formats=["csv"], jobs=jobs, on_done=lambda item, seen=finished:
                               seen.append(item.report_id))
        assert sorted(finished) == sorted(d.id for d, _ in selection)
    engine.dispose()
    serial, parallel = runs[1], runs[2]
    assert [i.report_id for i in parallel] == [d.id for d, _ in selection]  # selection order, always
    assert [(i.report_id, i.status, i.rows) for i in parallel] == [(i.report_id, i.status, i.rows) for i in serial]
    assert all(i.status in ("ok", "warning") for i in parallel), [i.error for i in parallel]
    assert all(set(i.seconds) == {"extract", "quality", "render"} for i in parallel)  # no delivery asked
    assert not list((tmp_path / "var").glob(".run-figures-*"))  # the run's shared figures are thrown away
    for one, two in zip(serial, parallel):
        # Workers wrote where this process's MI_ARCHIVE_DIR said, at the time of the call.
        assert str(tmp_path / "archive2") in two.outputs["csv"]
        assert _digest(one.outputs["csv"]) == _digest(two.outputs["csv"])


def test_a_broken_database_fails_every_report_in_parallel_and_keeps_order(tmp_path):
    selection = select_reports(load_catalogue(), date(2026, 10, 26), cadence="weekly")[:3]
    sqlite3.connect(tmp_path / "empty.sqlite").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")  # no tables: every query fails
    items = run_batch(selection, engine, formats=["csv"], jobs=2)
    assert [i.report_id for i in items] == [d.id for d, _ in selection]
    assert all(i.status == "failed" and "ReportSQLError" in i.error for i in items)


def test_seed_batches_are_bounded_and_deterministic():
    """Families are handed over in batches (memory stays bounded); the stream repeats exactly."""
    config = load_synth_config()
    as_at = date(2026, 10, 26)

    def sizes():
        return [sum(len(rows) for rows in batch.values())
                for batch in generate_batches(config, "camden", 3, as_at, batch_families=3000)]

    first = sizes()
    assert first == sizes()
    assert len(first) >= 5  # organisation, several family batches, direct entries, audits
    assert max(first) < sum(first) / 3  # no batch holds a large share of the authority


def test_catalogue_cache_serves_unchanged_and_sees_every_edit(tmp_path, monkeypatch):
    """The cached catalogue equals a fresh load, and a same-size edit is seen at once."""
    import shutil

    from reporting import settings
    from reporting.definitions import load_catalogue

    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    root = tmp_path / "sql"
    source = settings.sql_dir() / "child_protection"
    (root / "child_protection").mkdir(parents=True)
    for suffix in ("yml", "sql"):
        shutil.copy(source / f"cp_visits_due_next_week.{suffix}", root / "child_protection")
    shutil.copytree(settings.sql_dir() / "_blocks", root / "_blocks")
    first = load_catalogue(root)
    assert list((tmp_path / "var" / "cache").glob("catalogue-*.pickle"))
    again = load_catalogue(root)
    assert again.reports.keys() == first.reports.keys() == {"cp_visits_due_next_week"}
    assert again.reports["cp_visits_due_next_week"].spec == first.reports["cp_visits_due_next_week"].spec
    # Same size, different content: mtimes could miss it, the content key does not.
    yml = root / "child_protection" / "cp_visits_due_next_week.yml"
    text = yml.read_text()
    broken = text.replace("cadence: weekly", "cadence: weekLY", 1)
    assert broken != text and len(broken) == len(text)
    yml.write_text(broken)
    edited = load_catalogue(root)
    assert not edited.reports and [e.field for e in edited.errors] == ["cadence"]
    yml.write_text(text)
    assert load_catalogue(root).reports.keys() == {"cp_visits_due_next_week"}
