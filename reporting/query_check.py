"""`mi reports validate` without waiting for render: run each definition's query for no rows.

The statement is expanded exactly as a run expands it, wrapped as
`SELECT * FROM (<statement>) LIMIT 0` and executed on a read-only connection with the
definition's parameters, so the database itself reports a misspelt column or table, a syntax
error or a function the dialect lacks, and the result's column names can be compared with the
YAML's `columns` without reading a single row.

A database error is placed on a line of the data officer's own `.sql` file: PostgreSQL gives
the character position; SQLite names the token ("no such column: m.x", `near "m"`), which is
found in the statement. The expanded statement differs from the file where building blocks were
expanded: lines copied through are mapped back one to one, and a position inside an expansion is
reported on the line of the block's call.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from reporting.casedb import readonly
from reporting.casedb.schema import case_metadata, create_schema
from reporting.definitions import ReportDefinition
from reporting.errors import did_you_mean
from reporting.extract import SQL_TOKENS, ReportSQLError, expand_sql, expand_text
from reporting.schedules.periods import latest_complete_period

WRAP_HEAD = "SELECT * FROM (\n"
WRAP_TAIL = "\n) mi_validate LIMIT 0"
# SQLite names the offending token; the first group is what to look for in the statement.
_SQLITE_TOKEN = [
    re.compile(r"no such column: (\S+)"),
    re.compile(r"no such table: (\S+)"),
    re.compile(r"no such function: (\S+)"),
    re.compile(r"ambiguous column name: (\S+)"),
    re.compile(r'near "([^"]+)": syntax error'),
]


@dataclass(frozen=True)
class QueryProblem:
    """One problem found by running a definition's query: the line to print and, for a database
    error, the expanded statement around the failing line (shown with `--show-sql`)."""

    message: str
    excerpt: str | None = None

    def __str__(self) -> str:
        return self.message


@contextmanager
def schema_only_database() -> Iterator[Engine]:
    """An empty SQLite database with every case table (SSD + extensions + calendar): enough to
    compile any report's SQL when no case database is at hand. Removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="mi-validate-") as folder:
        path = Path(folder) / "schema.sqlite"
        writer = create_engine(f"sqlite:///{path}")
        create_schema(writer)
        writer.dispose()
        engine = readonly.engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()


def check_query(definition: ReportDefinition, engine: Engine, *, as_at: date | None = None) -> list[QueryProblem]:
    """Problems found by running the definition's statement for no rows on `engine`.

    The house rules (`expand_sql`) come first; then the database's own verdict on the statement;
    then the columns it returns against the YAML's `columns`.
    """
    try:
        expand_sql(definition)
    except ReportSQLError as error:
        return [QueryProblem(str(error))]
    period = latest_complete_period(definition.spec.cadence, as_at or date.today())
    params = {"period_start": period.start, "period_end": period.end, "as_at": period.end}
    body = _statement_body(expand_text(definition.sql, str(definition.sql_path)))
    try:
        with readonly.reading(engine) as conn:
            # a plain execute, not `readonly.fetch`'s server-side cursor: PostgreSQL would count its
            # error position in the DECLARE around the statement; LIMIT 0 has no rows to stream
            names = list(conn.execute(text(WRAP_HEAD + body + WRAP_TAIL), params).keys())
    except SQLAlchemyError as error:
        fault = readonly.source_fault(error, definition.sql_path.name)
        if fault is not None:
            raise fault from None
        return [_placed(definition, body, error)]
    return _column_problems(definition, names)


def recipient_problems(definition: ReportDefinition, engine: Engine) -> list[QueryProblem]:
    """Each recipient's `team_kinds` and `services` against the teams and services the case
    database holds (skipped on a database without teams: the schema-only one)."""
    narrowed = [r for r in definition.spec.recipients if r.team_kinds or r.services]
    if not narrowed:
        return []
    with readonly.reading(engine) as conn:
        kinds = {row[0] for row in conn.exec_driver_sql("SELECT DISTINCT team_kind FROM ext_teams") if row[0]}
        services = {row[0] for row in conn.exec_driver_sql("SELECT serv_service_id FROM ext_services")}
    problems = []
    for recipient in narrowed:
        for field, wanted, known in (("team_kinds", recipient.team_kinds, kinds),
                                     ("services", recipient.services, services)):
            if not known:
                continue
            for value in wanted or []:
                if value not in known:
                    problems.append(QueryProblem(
                        f"{definition.yaml_path} (field: recipients[{recipient.role}].{field}): no {field[:-1]} "
                        f"{value!r} in the case database{did_you_mean(value, known)}; it has "
                        f"{', '.join(sorted(known))}"))
    return problems


def _statement_body(expanded: str) -> str:
    """The statement as run, with each comment blanked but its line breaks kept (so line numbers
    still count the file's lines) and the trailing semicolon dropped."""
    def blank(match: re.Match) -> str:
        return match.group(1) or "\n" * match.group(0).count("\n")
    return SQL_TOKENS.sub(blank, expanded).rstrip().rstrip(";")


def _placed(definition: ReportDefinition, body: str, error: SQLAlchemyError) -> QueryProblem:
    """The database's reason, on the `.sql` file's line, with a 'did you mean' for a column."""
    why = readonly.reason(error, body)
    line = _failing_line(body, error, why)  # 0-based line of `body`, or None
    where = str(definition.sql_path)
    excerpt = None
    if line is not None:
        source_line, inside_block = _source_line(definition.sql, body, line)
        where += f" line {source_line}"
        if inside_block:
            where += " (in the building block called there)"
        excerpt = _excerpt(body, line)
    return QueryProblem(f"{where}: the query failed: {why}{_column_hint(why, body)}", excerpt)


def _failing_line(body: str, error: SQLAlchemyError, why: str) -> int | None:
    diag = getattr(getattr(error, "orig", None), "diag", None)
    position = getattr(diag, "statement_position", None)  # PostgreSQL: 1-based, in the wrapped text
    if position:
        sent = _as_the_server_saw_it(getattr(error, "statement", None) or "")
        line = sent.count("\n", 0, int(position) - 1) - WRAP_HEAD.count("\n")
        return line if 0 <= line <= body.count("\n") else None
    for pattern in _SQLITE_TOKEN:
        if match := pattern.search(why):
            token = match.group(1)
            # string literals blanked (same length): a token inside a quoted value is not the culprit
            code = SQL_TOKENS.sub(lambda m: " " * len(m.group(0)) if m.group(1) else m.group(0), body)
            spots = [m.end() for m in re.finditer(rf"(?<![\w.]){re.escape(token)}(?!\w)", code, re.IGNORECASE)]
            if "syntax error" in why:  # the token may be used fine earlier: find where parsing stops
                spots = [end for end in spots if _sqlite_parse_error(body[:end]) == why] or spots
            if spots:
                return body.count("\n", 0, spots[0])
    return None


def _as_the_server_saw_it(statement: str) -> str:
    """The statement as PostgreSQL received it (its error position counts characters of that):
    psycopg sends SQLAlchemy's `%(as_at)s` as `$1`, one number per name, and `%%` as `%`."""
    numbers: dict[str, int] = {}

    def placeholder(match: re.Match) -> str:
        if match.group(0) == "%%":
            return "%"
        return f"${numbers.setdefault(match.group(1), len(numbers) + 1)}"
    return re.sub(r"%\((\w+)\)s|%%", placeholder, statement)


def _sqlite_parse_error(prefix: str) -> str | None:
    """SQLite's syntax error for the statement cut after a token, or None.

    Cut before the failing token the statement is merely incomplete; cut after it, SQLite gives
    the same `near "m": syntax error` as for the whole. The text is only parsed: an in-memory
    database whose authorizer refuses every action, so nothing that parses can run.
    """
    connection = sqlite3.connect(":memory:")
    connection.set_authorizer(lambda *_: sqlite3.SQLITE_DENY)
    try:
        connection.execute(WRAP_HEAD + prefix)
    except sqlite3.DatabaseError as error:
        message = str(error)
        return message if "syntax error" in message else None
    finally:
        connection.close()
    return None


def _source_line(source: str, body: str, line: int) -> tuple[int, bool]:
    """(1-based line of the `.sql` file, whether the position is inside a block's expansion)."""
    source_lines = _statement_body(source).splitlines()
    body_lines = body.splitlines()
    matcher = difflib.SequenceMatcher(None, source_lines, body_lines, autojunk=False)
    for tag, i1, _i2, j1, j2 in matcher.get_opcodes():
        if j1 <= line < j2 or (j1 == j2 == line):
            if tag == "equal":
                return i1 + (line - j1) + 1, False
            return min(i1, max(len(source_lines) - 1, 0)) + 1, True
    return len(source_lines), False


def _excerpt(body: str, line: int, around: int = 4) -> str:
    """The expanded statement's lines around `line`, numbered, the failing one marked."""
    lines = body.splitlines()
    first, last = max(0, line - around), min(len(lines), line + around + 1)
    return "\n".join(f"{'>' if n == line else ' '} {n + 1:4d} | {lines[n]}" for n in range(first, last))


def _column_hint(why: str, body: str) -> str:
    """'(did you mean m.miss_missing_episode_type?)' for a misspelt column or table name."""
    table = re.search(r'no such table: (\S+)|relation "([\w.]+)" does not exist', why)
    if table:
        return did_you_mean(table.group(1) or table.group(2), case_metadata().tables)
    match = re.search(r'no such column: (\S+)|column "?([\w.]+)"? does not exist', why)
    if not match:
        return ""
    written = match.group(1) or match.group(2)
    alias, _, name = written.rpartition(".")
    tables = case_metadata().tables
    # `from ssd_missing m`: m.<name> is a column of that table; otherwise (a CTE's alias, no alias)
    # a name the statement defines (`... as episode_kind`), then any column of the case schema
    aliased = {t.lower() for t in re.findall(rf"\b(\w+)\s+(?:as\s+)?{re.escape(alias)}\b", body, re.IGNORECASE)
               if t.lower() in tables} if alias else set()
    if aliased:
        hint = did_you_mean(name, [c.name for t in aliased for c in tables[t].columns])
    else:
        hint = did_you_mean(name, set(re.findall(r"\bas\s+(\w+)", body, re.IGNORECASE))) or \
            did_you_mean(name, _schema_columns())
    if hint and alias:
        hint = hint.replace("did you mean ", f"did you mean {alias}.")
    return hint


def _schema_columns() -> set[str]:
    return {column.name for table in case_metadata().tables.values() for column in table.columns}


def _column_problems(definition: ReportDefinition, returned: list[str]) -> list[QueryProblem]:
    """The YAML's columns against what the statement returns: a declared column it does not
    return fails every run; a returned column the YAML does not declare is never shown."""
    declared = [c.name for c in definition.spec.columns]
    extra = [name for name in returned if name not in declared]
    problems = []
    for name in declared:
        if name not in returned:
            # the likeliest intended name is one the query returns and the YAML does not declare
            hint = did_you_mean(name, extra) or did_you_mean(name, returned)
            problems.append(QueryProblem(
                f"{definition.yaml_path} (field: columns[{name}]): the query in {definition.sql_path.name} does not "
                f"return a column {name!r}{hint}; it returns {', '.join(returned)}"))
    if extra:
        problems.append(QueryProblem(
            f"{definition.yaml_path} (field: columns): the query in {definition.sql_path.name} returns "
            f"{', '.join(extra)}, not in columns: declare {'it' if len(extra) == 1 else 'them'} "
            "(hidden: true if only used for slicing) or drop it from the SELECT"))
    return problems
