"""Indicator figures shared by every report of one `mi run`, across its worker processes.

The eight overviews show 103 indicator trends, 31 of them distinct, and each trend is 48 monthly
queries. Within one run every report reads the same case database, so a figure one overview
computed is the figure the next one needs: `run_batch` opens a store for the run (a SQLite file
in a private temporary folder under var/, removed when the run ends) and names it to its workers
in `MI_RUN_FIGURES`; `IndicatorSession` looks there before it queries. Only an indicator's
numerator and denominator for a window are kept (counts, never a child's record), and the trend
charts drawn from them (reporting.render.trend_chart), so a trend shared by several overviews is
drawn once. Rendering a
run's copies (`runner.render_plan`) opens one too, so an overview's team and service copies reuse
the whole report's figures. Elsewhere (`mi report run`, the Airflow render task of a burst slice)
every figure is queried. Blocks opened by several threads of one process share one store, removed
when the last of them ends.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reporting.schedules.periods import Period

ENV = "MI_RUN_FIGURES"
_connections: dict[str, sqlite3.Connection] = {}
_lock = threading.Lock()  # the store's environment variable is process-wide: threads open it together
_open_blocks = 0  # blocks of this process sharing the store it created


@contextmanager
def shared_for_this_run(folder: Path) -> Iterator[None]:
    """Within this block, this process (every thread of it) and the worker processes it starts
    share figures.

    Inside a block already open (delivery within `mi run`, a worker of the run, another thread's
    block) it adds nothing; the store is removed when the last block of the process that created
    it ends.
    """
    global _open_blocks
    with _lock:
        inherited = bool(os.environ.get(ENV)) and _open_blocks == 0  # a worker of a run: its parent's
        if not inherited:
            if _open_blocks == 0:
                folder.mkdir(parents=True, exist_ok=True)
                scratch = Path(tempfile.mkdtemp(prefix=".run-figures-", dir=folder))  # owner-only (0700)
                os.environ[ENV] = str(scratch / "figures.sqlite")
            _open_blocks += 1
    try:
        yield
    finally:
        if not inherited:
            with _lock:
                _open_blocks -= 1
                if _open_blocks == 0:
                    path = os.environ.pop(ENV)
                    connection = _connections.pop(path, None)
                    if connection is not None:
                        connection.close()
                    shutil.rmtree(Path(path).parent, ignore_errors=True)


def _store() -> sqlite3.Connection | None:
    path = os.environ.get(ENV)
    if not path:
        return None
    if path not in _connections:
        # Several worker processes read and write at once: WAL lets readers carry on while one
        # writes, and the file is thrown away after the run, so nothing needs syncing to disk.
        # one connection per process, used by its threads in turn (SQLite serialises them)
        connection = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        connection.execute("pragma journal_mode=wal")
        connection.execute("pragma synchronous=off")
        connection.execute("create table if not exists figures "
                           "(key text primary key, numerator real not null, denominator real)")
        connection.execute("create table if not exists charts (key text primary key, svg text not null)")
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


def drawn_chart(key: str) -> str | None:
    """A trend chart's SVG another report of this run drew from the same figures (the overviews
    share most of their trends; drawing one costs about 0.1 s)."""
    store = _store()
    if store is None:
        return None
    row = store.execute("select svg from charts where key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def remember_chart(key: str, svg: str) -> None:
    store = _store()
    if store is not None:
        store.execute("insert or ignore into charts values (?, ?)", (key, svg))
