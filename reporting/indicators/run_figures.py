"""Indicator figures shared by every report of one `mi run`, across its worker processes.

The eight overviews show 103 indicator trends, 31 of them distinct, and each trend is 48 monthly
queries. Within one run every report reads the same case database, so a figure one overview
computed is the figure the next one needs: `run_batch` opens a store for the run (a SQLite file
in a private temporary folder under var/, removed when the run ends) and names it to its workers
in `MI_RUN_FIGURES`; `IndicatorSession` looks there before it queries. Only an indicator's
numerator and denominator for a window are kept (counts, never a child's record). Delivery
opens one too, so an overview's team and service copies reuse the whole report's figures (the
Airflow deliver task included). Elsewhere (`mi report run`, the Airflow render task) every figure
is queried.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reporting.schedules.periods import Period

ENV = "MI_RUN_FIGURES"
_connections: dict[str, sqlite3.Connection] = {}


@contextmanager
def shared_for_this_run(folder: Path) -> Iterator[None]:
    """Within this block, this process and the worker processes it starts share figures.

    Inside a block already open (delivery within `mi run`, a worker of the run) it adds nothing.
    """
    if os.environ.get(ENV):
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".run-figures-", dir=folder))  # owner-only (0700)
    previous = os.environ.get(ENV)
    path = os.environ[ENV] = str(scratch / "figures.sqlite")
    try:
        yield
    finally:
        connection = _connections.pop(path, None)
        if connection is not None:
            connection.close()
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous
        shutil.rmtree(scratch, ignore_errors=True)


def _store() -> sqlite3.Connection | None:
    path = os.environ.get(ENV)
    if not path:
        return None
    if path not in _connections:
        # Several worker processes read and write at once: WAL lets readers carry on while one
        # writes, and the file is thrown away after the run, so nothing needs syncing to disk.
        connection = sqlite3.connect(path, timeout=60, isolation_level=None)
        connection.execute("pragma journal_mode=wal")
        connection.execute("pragma synchronous=off")
        connection.execute("create table if not exists figures "
                           "(key text primary key, numerator real not null, denominator real)")
        _connections[path] = connection
    return _connections[path]


def figure_key(database: str, statement: str, window: Period) -> str:
    """The same statement on the same database for the same window gives the same figure."""
    text = "\n".join((database, statement, window.start.isoformat(), window.end.isoformat()))
    return hashlib.sha256(text.encode()).hexdigest()


def lookup(key: str) -> tuple[float, float | None] | None:
    """(numerator, denominator) if a report of this run computed it already."""
    store = _store()
    if store is None:
        return None
    row = store.execute("select numerator, denominator from figures where key = ?", (key,)).fetchone()
    return None if row is None else (row[0], row[1])


def remember(key: str, numerator: float, denominator: float | None) -> None:
    store = _store()
    if store is not None:  # two workers may compute the same figure at once: both are equal
        store.execute("insert or ignore into figures values (?, ?, ?)", (key, numerator, denominator))
