"""Run a report's SQL for one period: building blocks expanded, parameters bound, rows typed.

The SQL file is expanded with the shared building blocks (`sql/_blocks/blocks.sql`, Jinja
macros that produce SQL text) and then executed with bound parameters only. Parameter values
never pass through Jinja, so no value can change the statement.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from reporting import settings
from reporting.casedb import readonly
from reporting.definitions import ReportDefinition
from reporting.errors import MIError, did_you_mean
from reporting.rates import yearly_rate_sql
from reporting.text import month_key, readable

PARAMETERS = ("period_start", "period_end", "as_at")
_BIND = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_CLOCK = re.compile(r"\b(now\s*\(|current_date|current_timestamp|localtimestamp|getdate\s*\(|"
                    r"datetime\s*\(\s*'now')", re.IGNORECASE)


class ReportSQLError(MIError):
    """The SQL of a report is not usable: names the file and what is wrong."""


@dataclass(frozen=True)
class Extract:
    columns: list[str]
    rows: list[dict]
    seconds: float
    sample: dict | None = None  # what reporting.sampling drew (seed, counts), for the manifest


@lru_cache(maxsize=4)
def _environment(blocks_dir: Path) -> jinja2.Environment:
    # Sandboxed: report SQL and blocks are a data officer's text, and Jinja in a plain environment
    # runs code (`{{ cycler.__init__.__globals__.os.popen(...) }}`). No autoescape: the output is SQL.
    env = ImmutableSandboxedEnvironment(loader=jinja2.FileSystemLoader(str(blocks_dir)),
                                        undefined=jinja2.StrictUndefined, autoescape=False)
    # Every file in sql/_blocks/ contributes macros (blocks.sql: shared basics; one file per
    # service area for blocks only that area's reports use).
    # Rates by financial year (config/rates.yml) as SQL: numbers from config, never data.
    env.globals["yearly_rate"] = yearly_rate_sql
    for path in sorted(blocks_dir.glob("*.sql")):
        module = env.get_template(path.name).module
        env.globals.update({name: getattr(module, name) for name in dir(module) if not name.startswith("_")})
    return env


# A string literal (group 1), a line comment (2) or a block comment (3): what SQL text is made of
# for finding comments without mistaking "--" inside a quoted value for one.
SQL_TOKENS = re.compile(r"('(?:[^']|'')*')|(--[^\n]*)|(/\*.*?\*/)", re.DOTALL)


def _without_comments(sql: str) -> str:
    """Comments removed, string literals kept: a ':name' in a comment must not become a bind."""
    return SQL_TOKENS.sub(lambda m: m.group(1) or "", sql)


def _strip_comments(sql: str) -> str:
    """Comments removed and string literals emptied, for checking the statement's code."""
    return SQL_TOKENS.sub(lambda m: "''" if m.group(1) else "", sql)


_UNDEFINED = re.compile(r"^'(\w+)' is undefined$")


def expand_text(text: str, where: str) -> str:
    """SQL text with the building blocks expanded (in the sandbox); `where` names it in errors."""
    env = _environment(settings.sql_dir() / "_blocks")
    try:
        return env.from_string(text).render()
    except jinja2.TemplateError as error:
        # A syntax error carries its line; an undefined name is found while rendering, and its line
        # is the report text's frame in the traceback Jinja rewrites to template lines.
        frames = [tb for tb in _frames(error.__traceback__) if tb.tb_frame.f_code.co_filename == "<template>"]
        line = getattr(error, "lineno", None) or (frames[0].tb_lineno if frames else None)
        at = f" line {line}" if line else ""
        unknown = _UNDEFINED.match(str(error.message or ""))
        if unknown:  # a misspelt block: name the nearest and where all are listed
            blocks = [name for name, value in env.globals.items() if isinstance(value, jinja2.runtime.Macro)]
            raise ReportSQLError(f"{where}{at}: building block error: {unknown.group(1)!r} is not a building "
                                 f"block{did_you_mean(unknown.group(1), blocks)}; every block is listed in "
                                 "docs/adding-a-report.md (Building blocks)") from None
        raise ReportSQLError(f"{where}{at}: building block error: {error}") from None


def _frames(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def expand_sql(definition: ReportDefinition) -> str:
    """The executable statement for a definition, checked for the house rules."""
    sql = expand_text(definition.sql, str(definition.sql_path))
    code = _strip_comments(sql)
    if ";" in code.strip().rstrip(";"):
        raise ReportSQLError(f"{definition.sql_path}: expected one SQL statement, found several")
    if match := _CLOCK.search(code):
        raise ReportSQLError(f"{definition.sql_path}: uses the clock ({match.group(0).strip()}); "
                             "use :as_at or :period_end so a re-run gives the same answer")
    unknown = sorted(set(_BIND.findall(code)) - set(PARAMETERS))
    if unknown:
        raise ReportSQLError(f"{definition.sql_path}: unknown parameter(s) {', '.join(':' + u for u in unknown)}; "
                             f"expected only {', '.join(':' + p for p in PARAMETERS)}")
    return _without_comments(sql).strip().rstrip(";").strip()


def typed_value(value, kind: str):
    """A raw database value as its column's declared type (SQLite hands dates back as text);
    raises ValueError or TypeError when it does not fit (see `bad_value`)."""
    if value is None:
        return None
    if kind == "text":
        return readable(value if isinstance(value, str) else str(value))
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if kind == "datetime":
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if kind == "month":  # "YYYY-MM", which sorts and groups as the month it names
        return month_key(value)
    if kind == "int":
        return int(value)
    if kind in ("decimal", "percent"):
        return round(float(value), 1)
    return readable(value if isinstance(value, str) else str(value))


def bad_value(where: str, records, columns: list[str], kinds: Mapping[str, str], value) -> ReportSQLError:
    """The error for the first value that does not fit its column's declared type, by row number and
    column only: the value itself may be a child's name or date of birth, and exception messages
    reach task logs. `value(record, name)` reads one raw value."""
    for number, record in enumerate(records, start=1):
        for name in columns:
            try:
                typed_value(value(record, name), kinds[name])
            except (ValueError, TypeError):
                return ReportSQLError(f"{where}: row {number}, column {name}: the value is not a valid "
                                      f"{kinds[name]} (the column's declared type); the value is not shown")
    return ReportSQLError(f"{where}: a value does not fit its column's declared type")


def run_extract(definition: ReportDefinition, engine: Engine, *, period_start: date, period_end: date,
                as_at: date) -> Extract:
    """Execute the report's statement and return typed rows in the definition's column order."""
    sql = expand_sql(definition)
    params = {"period_start": period_start, "period_end": period_end, "as_at": as_at}
    started = time.perf_counter()
    try:
        with readonly.reading(engine) as conn:  # the connection cannot write, whatever the SQL says
            result = readonly.fetch(conn, sql, params)
            names = list(result.keys())
            raw = result.fetchall()
    except SQLAlchemyError as error:
        # An unreachable database, a refused login or a timeout is not the report's fault: its own
        # error, retried or not as it deserves. Otherwise the driver's reason, without the statement,
        # the parameters or a quoted value.
        fault = readonly.source_fault(error, definition.sql_path.name)
        if fault is not None:
            raise fault from None
        raise ReportSQLError(f"{definition.sql_path}: the query failed: {readonly.reason(error, sql)}; "
                             f"`mi reports validate {definition.yaml_path} --show-sql` shows the line") from None
    seconds = time.perf_counter() - started
    declared = [c.name for c in definition.spec.columns]
    missing = [c for c in declared if c not in names]
    if missing:
        raise ReportSQLError(f"{definition.sql_path}: the query does not return column(s) {', '.join(missing)} "
                             f"declared in {definition.yaml_path.name}; it returns {', '.join(names)}")
    kinds = {c.name: c.type for c in definition.spec.columns}
    index = {name: i for i, name in enumerate(names)}
    try:
        rows = [{name: typed_value(row[index[name]], kinds[name]) for name in declared} for row in raw]
    except (ValueError, TypeError):
        raise bad_value(str(definition.sql_path), raw, declared, kinds,
                        lambda row, name: row[index[name]]) from None
    # A definition with `sample:` flags (or keeps only) a seeded random sample of the rows.
    from reporting.sampling import apply_sample

    rows, sample = apply_sample(definition.spec.sample, definition.id, period_end, rows)
    return Extract(declared, rows, seconds, sample)
