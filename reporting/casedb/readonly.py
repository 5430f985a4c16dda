"""Read-only access to the case database: report and indicator SQL can read, never write.

A report definition's SQL is written by a data officer and is untrusted input. The guard is the
connection, not a look at the SQL text:

* SQLite: the file is opened read-only (`mode=ro`, `PRAGMA query_only`), a missing file is an
  error rather than a new empty database, and while a definition's SQL runs an authorizer allows
  only reading (SELECT, reading a column, calling a function, a recursive CTE): DELETE, DROP,
  CREATE, PRAGMA, ATTACH and VACUUM INTO are refused when the statement is compiled. Python's
  sqlite3 runs one statement per call.
* PostgreSQL: every session defaults to read-only transactions with a statement timeout, and a
  definition's SQL runs in a `READ ONLY` transaction as the query of a cursor
  (`DECLARE ... CURSOR FOR <sql>`, sent with the extended protocol): the server accepts exactly
  one statement there, and only a SELECT or VALUES without data-modifying WITH clauses, so
  `COPY`, `SET`, `COMMIT` or a second statement hidden after a string literal cannot run.
  What a read-only transaction cannot stop (a superuser's `pg_read_file()`) is the database
  role's job: a warning says loudly when the pipeline connects as a role that could
  write or read server files (docs/deployment.md gives the read-only role to create).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from reporting import settings
from reporting.errors import MIError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 1800.0


class CaseDatabaseError(MIError):
    """The case database cannot be used as configured (missing file, bad URL): says what to do."""


# ---- faults of the source, told apart (a report's own SQL error is extract.ReportSQLError) --------
class SourceUnreachableError(CaseDatabaseError):
    """The case database cannot be reached (server down, wrong host, a missing file): transient,
    so the Airflow task is retried a few times within minutes, then the run fails."""


class SourceAuthenticationError(CaseDatabaseError):
    """The case database refused the pipeline's login: a retry cannot fix it, so none is made."""


class QueryTimeoutError(CaseDatabaseError):
    """A query ran past MI_QUERY_TIMEOUT_SECONDS (or was cancelled by the server): retried, as a
    busy server may answer in time later."""


# SQLSTATE classes (PostgreSQL, and the standard): 08 connection exception, 28 invalid authorization,
# 57014 query cancelled (statement timeout), 57P01-57P03 the server shut down or cannot connect now.
_UNREACHABLE_TEXT = ("unable to open database file", "could not connect", "connection refused",
                     "could not translate host name", "server closed the connection", "connection timed out",
                     "no route to host", "name or service not known", "terminating connection",
                     "connection to server", "the database system is starting up", "is the server running")
_AUTHENTICATION_TEXT = ("password authentication failed", "no pg_hba.conf entry", "authentication failed",
                        "login failed", "role \"", "permission denied for database")
_TIMEOUT_TEXT = ("statement timeout", "canceling statement", "query_canceled", "interrupted")


def source_fault(error: BaseException, where: str) -> CaseDatabaseError | None:
    """The source fault `error` is, as its own error type with a message that says what to do, or
    None when it is the statement's own fault (bad SQL: the caller's ReportSQLError).

    The message keeps the driver's first line: connection messages name hosts, ports and roles,
    never a value from the data (and libpq never prints a password).
    """
    original = getattr(error, "orig", None) or error
    state = str(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "")
    lines = str(original).splitlines()
    detail = (lines[0] if lines else type(original).__name__)[:300]
    text = detail.lower()
    if state.startswith("28") or any(t in text for t in _AUTHENTICATION_TEXT):
        return SourceAuthenticationError(
            f"{where}: the case database refused the login ({detail}). Check the user and password in "
            "MI_CASEDB_URL (or its secret) and the role's grants; not retried")
    if state == "57014" or any(t in text for t in _TIMEOUT_TEXT):
        return QueryTimeoutError(
            f"{where}: the query was stopped after MI_QUERY_TIMEOUT_SECONDS "
            f"({settings.query_timeout_seconds():g} s) or by the server ({detail}); it is retried. If it "
            "keeps happening, the query needs an index or a narrower window")
    missing_database = state == "3D000" or ("database \"" in text and "does not exist" in text)
    if state.startswith(("08", "57P")) or missing_database or any(t in text for t in _UNREACHABLE_TEXT):
        return SourceUnreachableError(
            f"{where}: the case database cannot be reached ({detail}). Check that the database server is "
            "up and MI_CASEDB_URL points at it; the task is retried for a few minutes, then the run fails")
    return None


# ---- engines -------------------------------------------------------------------------------------
def case_engine(url: str | None = None) -> Engine:
    """The engine every report, task and command reads the case database with (default
    `MI_CASEDB_URL`), with the configured query timeout; its connections cannot write."""
    return engine(url or settings.casedb_url(), timeout_seconds=settings.query_timeout_seconds())


def engine(url: str | URL, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> Engine:
    """An engine on the case database whose connections cannot write.

    :raises CaseDatabaseError: for a SQLite file that does not exist (opening it would create
        an empty database and every report would fail later with "no such table").
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        # Keep any server options the URL already sets. JIT costs seconds per large report query
        # and saves nothing at this size.
        options = " ".join(filter(None, [  # the URL's own options last: they win (a shorter timeout)
            "-c jit=off", "-c default_transaction_read_only=on",
            f"-c statement_timeout={int(timeout_seconds * 1000)}",
            cast("str | None", parsed.query.get("options"))]))  # a tuple only if the URL repeats options=
        created = create_engine(parsed.update_query_dict({"options": options}))
        event.listen(created, "connect", _warn_once_if_privileged)
        return created
    return create_engine(parsed)


def _sqlite_engine(parsed: URL) -> Engine:
    database = parsed.database or ""
    if database in ("", ":memory:"):
        return create_engine(parsed)
    if not database.startswith("file:"):  # a URI (a worker process's copy of this URL) is kept
        path = Path(database)
        if not path.is_file():
            raise SourceUnreachableError(
                f"the case database {path} does not exist; seed it with `mi db seed` or point "
                "MI_CASEDB_URL at the authority's database")
        parsed = parsed.set(database=f"file:{path.resolve()}?mode=ro", query={**parsed.query, "uri": "true"})
    created = create_engine(parsed)
    event.listen(created, "connect", _sqlite_query_only)
    return created


def _sqlite_query_only(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


# ---- running a definition's SQL ------------------------------------------------------------------
_SQLITE_READS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
# The sqlite3 authorizer's answer: reading is allowed, anything else is refused at compile time.
_SQLITE_REFUSED = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}


def _sqlite_authorizer(action, first, _second, _database, _trigger):
    if action == sqlite3.SQLITE_FUNCTION and (first or "").lower() in _SQLITE_REFUSED:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK if action in _SQLITE_READS else sqlite3.SQLITE_DENY


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


@contextmanager
def reading(source: Engine, *, timeout_seconds: float | None = None) -> Iterator[Connection]:
    """A connection on which untrusted SQL can only read, whatever engine it comes from (tests and
    callers may pass a writable one). Run statements on it with `fetch`; it is rolled back at the
    end. The timeout defaults to `settings.query_timeout_seconds()`."""
    if timeout_seconds is None:
        timeout_seconds = settings.query_timeout_seconds()
    with source.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            session_ms = int(connection.exec_driver_sql(
                "SELECT setting FROM pg_settings WHERE name = 'statement_timeout'").scalar_one())
            limit_ms = int(timeout_seconds * 1000)
            if session_ms == 0 or session_ms > limit_ms:  # a shorter timeout set for the session stays
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {limit_ms}")
            # A cursor's query is planned for its first rows unless told otherwise; reports read all.
            connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
            try:
                yield connection
            finally:
                connection.rollback()
        elif dialect == "sqlite":
            raw = cast(sqlite3.Connection, connection.connection.dbapi_connection)  # pysqlite, open
            deadline = time.monotonic() + timeout_seconds
            raw.set_authorizer(_sqlite_authorizer)
            # Invalid UTF-8 in a value becomes U+FFFD for that cell; by default sqlite3 raises an
            # error quoting the value (a child's name) and the whole report fails.
            raw.text_factory = _lenient_text
            # abort a statement running past the timeout (checked every ~100k VM steps)
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 100_000)
            try:
                yield connection
            finally:
                raw.set_authorizer(None)
                raw.set_progress_handler(None, 0)
                raw.text_factory = str
                connection.rollback()
        else:
            # Other engines (SQL Server in the field): the engine's role must be read-only
            # (docs/deployment.md); the statement still runs as one cursor query.
            try:
                yield connection
            finally:
                connection.rollback()


def fetch(connection: Connection, sql: str, params: dict):
    """Execute one untrusted statement on a `reading` connection; returns the SQLAlchemy result.

    On PostgreSQL the statement becomes the query of a server-side cursor (see the module's
    docstring); everywhere it is sent with bound parameters only.
    """
    if connection.dialect.name == "postgresql":
        return connection.execution_options(stream_results=True, max_row_buffer=10_000).execute(text(sql), params)
    return connection.execute(text(sql), params)


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def reason(error: BaseException, sql: str = "") -> str:
    """The driver's one-line reason for a failed statement, safe for logs and e-mails.

    Drivers quote values in their messages (`invalid input syntax for type date: "Zoe Allen"`);
    a quoted fragment is kept only when it is text of the statement itself (a column or table
    name, which a data officer needs to see), otherwise replaced by "[value hidden]".
    """
    lines = str(getattr(error, "orig", None) or error).splitlines()
    detail = lines[0] if lines else type(error).__name__
    known = sql.lower()

    def keep_identifiers(match: re.Match) -> str:
        inner = match.group(0)[1:-1]
        return match.group(0) if inner and inner.lower() in known else "[value hidden]"

    return _QUOTED.sub(keep_identifiers, detail)[:300]


# ---- the database role ---------------------------------------------------------------------------
_PRIVILEGE_CHECK = """
SELECT r.rolsuper,
       pg_has_role(current_user, 'pg_read_server_files', 'member'),
       pg_has_role(current_user, 'pg_write_server_files', 'member'),
       pg_has_role(current_user, 'pg_execute_server_program', 'member'),
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname !~ '^pg_toast' AND has_table_privilege(c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE'))
FROM pg_roles r WHERE r.rolname = current_user
"""

_warned: set[str] = set()


def _privileges(row) -> list[str]:
    superuser, reads_files, writes_files, runs_programs, writable_tables = row
    if superuser:
        found = ["is a superuser (can read and write server files and bypass every permission)"]
    else:
        found = [meaning for flag, meaning in (
            (reads_files, "can read server files (pg_read_server_files)"),
            (writes_files, "can write server files (pg_write_server_files)"),
            (runs_programs, "can run server programs (pg_execute_server_program)")) if flag]
    if writable_tables:
        found.append(f"may insert, update, delete or truncate {writable_tables} table(s)")
    return found


def privileges(source: Engine) -> list[str]:
    """What the case database's PostgreSQL role could do beyond reading ([] for a read-only role;
    always [] for other engines)."""
    if source.dialect.name != "postgresql":
        return []
    with source.connect() as connection:
        return _privileges(connection.exec_driver_sql(_PRIVILEGE_CHECK).one())


def _warn_once_if_privileged(dbapi_connection, _record) -> None:
    """At a process's first connection to each database: a loud warning when the role can do more
    than read. Report SQL is read-only per transaction whatever the role; the role is the second
    wall, and the only one against a superuser's file functions."""
    info = dbapi_connection.info
    ident = f"{info.host}:{info.port}/{info.dbname}/{info.user}"
    if ident in _warned:
        return
    _warned.add(ident)
    with dbapi_connection.cursor() as cursor:
        cursor.execute(_PRIVILEGE_CHECK)
        found = _privileges(cursor.fetchone())
    dbapi_connection.rollback()
    if found:
        log.warning("SECURITY WARNING: the case database role %r %s. Report SQL runs in read-only "
                    "transactions, but connect as a dedicated read-only role: docs/deployment.md, "
                    "'A read-only database role'.", info.user, "; ".join(found))
