"""Create the case database and fill it: calendar plus the synthetic authority."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, create_engine, text

from reporting import working_calendar as calendar
from reporting.casedb.schema import case_metadata, create_schema
from reporting.casedb.synth import generate_batches, load_synth_config

CHUNK = 5000


@dataclass
class SeedResult:
    url: str
    scale: str
    seed: int
    as_at: date
    rows: dict[str, int]
    generate_seconds: float
    load_seconds: float


def engine_for(url: str) -> Engine:
    from reporting.archive import private_sqlite_file

    private_sqlite_file(url)  # the synthetic authority is still a case database: owner-only
    return create_engine(url, future=True)


def load_calendar(engine: Engine) -> int:
    # Day numbers make calendar-day arithmetic a subtraction, the same on every engine.
    rows = [{**row, "cal_day_number": (row["cal_date"] - calendar.CALENDAR_START).days}
            for row in calendar.calendar_rows()]
    table = case_metadata().tables["ext_calendar"]
    with engine.begin() as conn:
        conn.execute(table.delete())
        for i in range(0, len(rows), CHUNK):
            conn.execute(table.insert(), rows[i:i + CHUNK])
    return len(rows)


def _bulk_load(conn, table, rows: list[dict]) -> None:
    """Insert rows: PostgreSQL's COPY where available (an order of magnitude faster), else batches."""
    columns = [c.name for c in table.columns]
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql" and hasattr(raw, "cursor") and hasattr(raw.cursor(), "copy"):
        quoted = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(tuple(row.get(c) for c in columns))
        return
    for i in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), [{c: r.get(c) for c in columns} for r in rows[i:i + CHUNK]])


def seed_database(url: str, scale: str, seed: int, as_at: date,
                  progress: Callable[[str, float], None] | None = None) -> SeedResult:
    """Replace the database's tables with a freshly generated synthetic authority.

    The authority is generated and loaded batch by batch (memory stays bounded at london
    scale), each batch table by table in foreign-key order, all in one transaction: a failure
    part-way leaves empty tables, never half an authority.
    """
    started = time.perf_counter()
    load_seconds = 0.0
    engine = engine_for(url)
    try:
        create_schema(engine, drop_first=True)
        counts = {"ext_calendar": load_calendar(engine)}
        tables = [t for t in case_metadata().sorted_tables if t.name != "ext_calendar"]
        counts.update({t.name: 0 for t in tables})
        with engine.begin() as conn:
            for batch in generate_batches(load_synth_config(), scale, seed, as_at, progress):
                loading = time.perf_counter()
                for table in tables:
                    table_rows = batch.get(table.name)
                    if table_rows:
                        _bulk_load(conn, table, table_rows)
                        counts[table.name] += len(table_rows)
                load_seconds += time.perf_counter() - loading
        if engine.dialect.name == "postgresql":
            # PostgreSQL plans from table statistics, and a bulk load leaves none until autovacuum
            # gets round to it (never, where it is off): on an unanalysed london database the
            # planner guessed 200 open cases and one school-roll query ran for over 10 minutes.
            analysing = time.perf_counter()
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
            load_seconds += time.perf_counter() - analysing
    finally:
        engine.dispose()
    total = time.perf_counter() - started
    return SeedResult(url, scale, seed, as_at, counts, total - load_seconds, load_seconds)
