"""Source-table suites: what every table of the case database must satisfy.

Two sources of rules, merged per table:

1. Derived from the schema (the SSD field list via `reporting.casedb.schema.case_metadata()`, and
   the `ext_*` extension tables), so 78 tables need no hand-written suite:
   * primary key not null and unique (critical: a repeated key double-counts children);
   * columns declared NOT NULL are not null (warning: an authority's own SSD build may not enforce it);
   * every foreign key resolves - the declared ones, the SSD's listed-but-unenforced references
     (`reporting.casedb.ssd.unenforced_references()`) and the references it states only in a field's
     description ("CP Plan ID", "Referral ID": `described_references()`) - counted in SQL, child rows
     stay in the database;
   * event dates in range: not before 1990, not after the as-at date (columns that are due, target
     or expected dates, and the calendar, may lie in the future);
   * paired dates in order: `<x>_end_date` / `<x>_ceased_date` on or after `<x>_start_date`.
2. Declared in `expectations/source/<table>.yml` where the schema cannot say it: code value sets
   (CIN primary need, CP categories, legal status, placement type, sex...), recording
   completeness that matters (ethnicity, visit outcome) and cross-table rules written as SQL
   returning the failing rows (school-age child with no UPN, placement with no care package).

A rule becomes a GX expectation whose `meta` carries our label, column, severity and meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Date, DateTime, MetaData

from reporting import settings
from reporting.errors import ConfigError

Severity = Literal["warning", "critical"]
EARLIEST_DATE = date(1990, 1, 1)
# Dates that are planned, not recorded events: they may lie after the as-at date.
FUTURE_DATE = re.compile(r"(^|_)(due|target|expected)(_|$)")
FUTURE_TABLES = {"ext_calendar"}
END_WORDS = ("end", "ceased")
SQL_PARAM = re.compile(r":(as_at|as_at_minus_4y|as_at_minus_18y)\b")

MEANING_KEY = "A repeated or blank key makes records double-count or drop out of every report built on this table."
MEANING_FK = ("Records pointing at something that is not in the database drop out of reports that join them "
              "(a visit with no child, a plan with no referral).")
MEANING_DATE = ("Dates outside the recorded history (before 1990 or after the as-at date) "
                "put events in the wrong period.")
MEANING_ORDER = "An end before its start gives negative durations and miscounts what was open on a date."
MEANING_NOT_NULL = "A blank required field leaves the record out of counts that group or filter on it."


def expectations_dir() -> Path:
    return Path(settings.REPO_ROOT / "expectations")


# ---- the declared rules (expectations/source/<table>.yml) ---------------------------------------
class DeclaredCheck(BaseModel):
    """One declared rule: a column check (not_null / accepted_values / min / max) or an SQL rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(min_length=3, description="Label shown in results: what should be true.")
    column: str | None = None
    not_null: bool = False
    accepted_values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    sql: str | None = Field(None, description="SELECT returning one row per failing record; FROM {batch}.")
    severity: Severity = "warning"
    meaning: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> DeclaredCheck:
        column_kinds = self.not_null or self.accepted_values is not None or self.min is not None \
            or self.max is not None
        if self.sql is not None:
            if column_kinds:
                raise ValueError("an sql rule cannot also set not_null/accepted_values/min/max")
            if "{batch}" not in self.sql:
                raise ValueError("sql must select FROM {batch} (this table)")
            if not self.sql.lstrip().lower().startswith("select"):
                raise ValueError("sql must be one SELECT statement returning the failing rows")
        else:
            if self.column is None:
                raise ValueError("column is required unless the rule is sql")
            if not column_kinds:
                raise ValueError("set one of not_null, accepted_values, min, max or sql")
        return self


class DeclaredSuite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    checks: list[DeclaredCheck] = Field(min_length=1)


class SuiteFileError(ConfigError):
    """A declared suite file is not valid: names the file, the field and what was expected."""


def load_declared(path: Path, tables: dict[str, set[str]]) -> DeclaredSuite:
    """Load one `expectations/source/<table>.yml`, checking it against the schema."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SuiteFileError(f"{path}: not valid YAML: {error}") from None
    try:
        suite = DeclaredSuite.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: "
                             f"{e['msg'].removeprefix('Value error, ')}" for e in error.errors())
        raise SuiteFileError(f"{path}: {problems}") from None
    if suite.table != path.stem:
        raise SuiteFileError(f"{path}: table {suite.table!r} must equal the file name {path.stem!r}")
    if suite.table not in tables:
        raise SuiteFileError(f"{path}: table {suite.table!r} is not in the case database schema")
    for i, check in enumerate(suite.checks):
        if check.column is not None and check.column not in tables[suite.table]:
            raise SuiteFileError(f"{path}: checks[{i}].column {check.column!r} is not a column of {suite.table}; "
                                 f"expected one of {', '.join(sorted(tables[suite.table]))}")
    return suite


def declared_suites(root: Path | None = None, metadata: MetaData | None = None) -> dict[str, DeclaredSuite]:
    metadata = metadata or _metadata()
    tables = {t.name: {c.name for c in t.columns} for t in metadata.tables.values()}
    folder = (root or expectations_dir()) / "source"
    return {p.stem: load_declared(p, tables) for p in sorted(folder.glob("*.yml"))}


# ---- rules -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One check on one table, before it becomes a GX expectation."""

    table: str
    check: str
    kind: str  # not_null | unique | compound_unique | in_set | between | pair_order | rows
    severity: str = "warning"
    meaning: str | None = None
    column: str | None = None
    args: dict = field(default_factory=dict)
    origin: str = "derived"  # or the declaring file's name

    def expectation(self):
        import great_expectations.expectations as gxe

        meta = {"check": self.check, "column": self.column, "severity": self.severity,
                "meaning": self.meaning, "origin": self.origin}
        if self.kind == "not_null":
            return gxe.ExpectColumnValuesToNotBeNull(column=self.column, meta=meta)
        if self.kind == "unique":
            return gxe.ExpectColumnValuesToBeUnique(column=self.column, meta=meta)
        if self.kind == "compound_unique":
            return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(self.args["columns"]), meta=meta)
        if self.kind == "in_set":
            return gxe.ExpectColumnValuesToBeInSet(column=self.column, value_set=list(self.args["values"]),
                                                   meta=meta)
        if self.kind == "between":
            return gxe.ExpectColumnValuesToBeBetween(column=self.column, min_value=self.args.get("min"),
                                                     max_value=self.args.get("max"), meta=meta)
        if self.kind == "pair_order":
            return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=self.args["end"], column_B=self.args["start"], or_equal=True,
                ignore_row_if="either_value_is_missing", meta=meta)
        if self.kind == "rows":
            # Counted in the database; the rows themselves are never fetched in BASIC format.
            return gxe.UnexpectedRowsExpectation(unexpected_rows_query=self.args["sql"], meta=meta,
                                                 description=self.check)
        raise ValueError(f"unknown rule kind {self.kind!r}")


@lru_cache(maxsize=1)
def _metadata() -> MetaData:
    from reporting.casedb.schema import case_metadata

    return case_metadata()


def derived_rules(as_at: date, metadata: MetaData | None = None) -> list[Rule]:
    """The rules the schema implies, for every table, in table order."""
    from reporting.casedb.ssd import described_references, unenforced_references

    metadata = metadata or _metadata()
    rules: list[Rule] = []
    unenforced: dict[str, list[tuple[str, str]]] = {}
    listed = [(ref, ref.foreign_key) for ref in unenforced_references()]
    for ref, target_name in listed + described_references():
        target_table, _, target_column = target_name.partition(".")
        target = metadata.tables.get(target_table)
        if target is not None and target_column in target.columns and ref.table in metadata.tables:
            unenforced.setdefault(ref.table, []).append((ref.field, target_name))
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        name = table.name
        keys = [c.name for c in table.primary_key.columns]
        for key in keys:
            rules.append(Rule(name, f"{key} (key) is recorded", "not_null", "critical", MEANING_KEY, key))
        if len(keys) == 1:
            rules.append(Rule(name, f"{keys[0]} (key) is unique", "unique", "critical", MEANING_KEY, keys[0]))
        elif keys:
            rules.append(Rule(name, f"({', '.join(keys)}) (key) is unique", "compound_unique", "critical",
                              MEANING_KEY, None, {"columns": keys}))
        for column in table.columns:
            if not column.nullable and not column.primary_key:
                rules.append(Rule(name, f"{column.name} is recorded", "not_null", "warning", MEANING_NOT_NULL,
                                  column.name))
        references = [(fk.parent.name, fk.target_fullname) for fk in sorted(
            table.foreign_keys, key=lambda fk: fk.parent.name) if fk.target_fullname != f"{name}.{fk.parent.name}"]
        for column_name, referenced in references + unenforced.get(name, []):
            rules.append(_reference_rule(name, column_name, referenced))
        rules += _date_rules(table, as_at)
    return rules


def _reference_rule(table: str, column: str, target: str) -> Rule:
    target_table, _, target_column = target.partition(".")
    # {batch} is this table as a subquery; the target's columns have other names (SSD prefixes), and
    # NOT IN over a non-null list is the same on SQLite, PostgreSQL and SQL Server. Selecting a
    # constant keeps the failing records' values in the database.
    sql = (f"SELECT 1 AS failing FROM {{batch}} WHERE {column} IS NOT NULL AND {column} NOT IN "
           f"(SELECT {target_column} FROM {target_table} WHERE {target_column} IS NOT NULL)")
    return Rule(table, f"{column} is in {target}", "rows", "warning", MEANING_FK, column, {"sql": sql})


def _date_rules(table, as_at: date) -> list[Rule]:
    rules = []
    dates = [c.name for c in table.columns if isinstance(c.type, (Date, DateTime))]
    for name in dates:
        future_ok = table.name in FUTURE_TABLES or FUTURE_DATE.search(name) is not None
        upper = None if future_ok else as_at.isoformat()
        label = f"{name} from 1990" + ("" if future_ok else f" to the as-at date ({as_at.isoformat()})")
        rules.append(Rule(table.name, label, "between", "warning", MEANING_DATE, name,
                          {"min": EARLIEST_DATE.isoformat(), "max": upper}))
    for start in dates:
        if "start" not in start:
            continue
        for word in END_WORDS:
            end = start.replace("start", word)
            if end in dates:
                rules.append(Rule(table.name, f"{end} on or after {start}", "pair_order", "warning", MEANING_ORDER,
                                  end, {"start": start, "end": end}))
    return rules


def declared_rules(as_at: date, root: Path | None = None, metadata: MetaData | None = None) -> list[Rule]:
    rules = []
    for table, suite in declared_suites(root, metadata).items():
        origin = f"expectations/source/{table}.yml"
        for c in suite.checks:
            if c.sql is not None:
                rules.append(Rule(table, c.check, "rows", c.severity, c.meaning, c.column,
                                  {"sql": bind_dates(c.sql, as_at)}, origin))
                continue
            if c.not_null:
                rules.append(Rule(table, c.check, "not_null", c.severity, c.meaning, c.column, origin=origin))
            if c.accepted_values is not None:
                rules.append(Rule(table, c.check, "in_set", c.severity, c.meaning, c.column,
                                  {"values": c.accepted_values}, origin))
            if c.min is not None or c.max is not None:
                rules.append(Rule(table, c.check, "between", c.severity, c.meaning, c.column,
                                  {"min": c.min, "max": c.max}, origin))
    return rules


def bind_dates(sql: str, as_at: date) -> str:
    """Put the as-at date (and the school-age bounds) into a declared rule as date literals.

    GX runs the query text as given, so parameters are substituted here - only ISO dates we computed,
    never anything from the data, so nothing can be injected.
    """
    values = {"as_at": as_at, "as_at_minus_4y": _years_before(as_at, 4),
              "as_at_minus_18y": _years_before(as_at, 18)}
    return SQL_PARAM.sub(lambda m: f"'{values[m.group(1)].isoformat()}'", sql)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def source_rules(as_at: date, tables: list[str] | None = None, root: Path | None = None) -> dict[str, list[Rule]]:
    """Every rule per table (derived, then declared), optionally for some tables only."""
    metadata = _metadata()
    if tables:
        unknown = sorted(set(tables) - set(metadata.tables))
        if unknown:
            raise ValueError(f"unknown table(s) {', '.join(unknown)}; expected tables of the case database "
                             f"(ssd_* or ext_*), e.g. ssd_person")
    by_table: dict[str, list[Rule]] = {}
    for rule in derived_rules(as_at, metadata) + declared_rules(as_at, root, metadata):
        if not tables or rule.table in tables:
            by_table.setdefault(rule.table, []).append(rule)
    return dict(sorted(by_table.items()))
