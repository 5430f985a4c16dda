"""Report definitions: `sql/<area>/<report_id>.yml` beside `<report_id>.sql`.

The YAML is what a data officer writes; these models are its strict contract. Loading never
stops at the first bad file: `load_catalogue()` returns every good definition plus one
`DefinitionError` per bad file, each naming the file, the field and what was expected, so
one broken report cannot take the other 74 down with it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reporting import catalogue_cache, errors, settings
from reporting.coverage import Cover
from reporting.errors import DefinitionError, DefinitionLoadError, did_you_mean, expected, location
from reporting.indicators import loader as indicator_loader
from reporting.schedules.periods import CADENCES

ColumnType = Literal["text", "int", "decimal", "percent", "date", "datetime", "month"]
Scope = Literal["all", "service", "team", "worker", "school", "agency"]
Output = Literal["html", "pdf", "csv", "xlsx"]
Sensitivity = Literal["internal", "partner", "aggregate"]
# The Government Security Classification marking each sensitivity carries on every page and e-mail.
CLASSIFICATION = {"internal": "OFFICIAL-SENSITIVE", "partner": "OFFICIAL-SENSITIVE", "aggregate": "OFFICIAL"}
Severity = Literal["warning", "critical"]
Aggregate = Literal["count", "sum", "mean", "percent", "min", "max", "ratio", "percent_of_sums"]
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
REPORT_ID = re.compile(r"[a-z][a-z0-9_]{2,63}")  # used with fullmatch: "$" would accept a trailing newline


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Checks(Strict):
    """Simple column checks, compiled to Great Expectations expectations by the quality gate."""

    not_null: bool = False
    unique: bool = False
    accepted_values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    severity: Severity = "warning"
    meaning: str | None = Field(None, description="What a failure means for the figures.")


class Column(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    type: ColumnType = "text"
    format: ColumnType | None = None
    rag: str | None = Field(None, description="Column holding red/amber/green for this cell.")
    hidden: bool = Field(False, description="Used for slicing or RAG only, not shown.")
    checks: Checks | None = None
    derived_from: list[str] | None = Field(
        None, min_length=1, description="Aggregate reports: the int columns (counts) a percent or decimal is "
        "worked out from, numerator first, e.g. [attended, invited]; it is hidden only when one of them is. "
        "Without it, it is hidden when any count in its row is (reporting/disclosure.py). An overview's team "
        "table works a percent's Total out from the two counts' totals.")

    @model_validator(mode="after")
    def _derived_only_for_rates(self) -> Column:
        if self.derived_from is not None and self.type not in ("percent", "decimal"):
            raise ValueError(f"derived_from is for percent and decimal columns (a figure worked out from "
                             f"counts); {self.name!r} is of type {self.type}")
        return self


# The columns each recipient scope slices the rows on, in order of preference (reporting/delivery/slices.py).
SCOPE_COLUMNS = {
    "team": ("team_id",),
    "service": ("team_id",),
    "worker": ("worker_id",),
    "school": ("school_urn", "urn"),
}


class Recipient(Strict):
    role: str
    scope: Scope = "all"
    team_kinds: list[str] | None = Field(None, min_length=1, description="Only staff whose team is of one of "
                                         "these kinds (ext_teams.team_kind: LAC, LC, CIN...).")
    services: list[str] | None = Field(None, min_length=1, description="Only staff in one of these services "
                                       "(ext_services.serv_service_id).")

    def describe(self) -> str:
        """'TM (team), only LAC and LC teams': who the entry sends to, as `mi recipients resolve` shows it."""
        text = f"{self.role} ({self.scope})"
        if self.team_kinds:
            text += f", only {' and '.join(self.team_kinds)} teams"
        if self.services:
            text += f", only service {' and '.join(self.services)}"
        return text


class Measure(Strict):
    name: str
    label: str
    agg: Aggregate
    column: str | None = Field(None, description="Column aggregated (not needed for count).")
    where: str | None = Field(None, description="Count/percent only rows where this column is true.")
    of: str | None = Field(None, description="Percent only: the share of the rows where this column is true "
                                             "(the cohort the standard applies to), not of every row.")
    per: str | None = Field(None, description="Ratio only: sum(column) / sum(per), e.g. cases per FTE; "
                                              "percent_of_sums: 100 x sum(column) / sum(per).")

    @model_validator(mode="after")
    def _options_fit_the_aggregate(self) -> Measure:
        if self.of is not None and self.agg != "percent":
            raise ValueError(f"measure {self.name!r}: `of` (the cohort a percent is of) needs agg: percent")
        divides = self.agg in ("ratio", "percent_of_sums")
        if divides != (self.per is not None) or (divides and self.column is None):
            raise ValueError(f"measure {self.name!r}: agg: ratio and agg: percent_of_sums need `column` (what is "
                             "counted) and `per` (what it is divided by), and `per` is for those two only")
        return self


class Summary(Strict):
    title: str
    group_by: str | None = None
    where: str | None = Field(None, description="Only rows where this 0/1 column is true make the table (and "
                              "its Total): e.g. a 12-month table without next month's items listed below it.")
    measures: list[Measure]
    group_order: list[str] | None = Field(None, description="The groups in this order, for a scale that is "
                                          "not alphabetical (Outstanding, Good, Requires Improvement, "
                                          "Inadequate); groups not listed follow. Default: natural order "
                                          "(Year 2 before Year 10).")
    chart: Literal["bar", "line"] | None = None
    chart_measure: str | None = None


class SampleRule(Strict):
    """Rows whose `column` holds one of `values` (compared as text)."""

    column: str
    values: list[str] = Field(min_length=1)


class Sample(Strict):
    """A seeded random sample of the report's rows (audit moderation, front-door audit picks).

    The random part is `fraction` of all rows (rounded up) or a fixed `size`, drawn from the rows
    not in `always_include`, with at least one row of each `include_some_of` value when there is
    one; every `always_include` row is added on top. The seed comes from the report id and the
    period end, so a re-run picks the same rows and the next period picks afresh.
    """

    fraction: float | None = Field(None, gt=0, le=1, description="Share of all rows chosen at random.")
    size: int | None = Field(None, ge=1, description="Number of rows chosen at random (at most).")
    eligible: str | None = Field(None, description="0/1 column: only rows where it is 1 can be sampled "
                                 "(e.g. completed audits); the fraction is of those rows.")
    always_include: SampleRule | None = None
    include_some_of: SampleRule | None = None
    flag_column: str | None = Field(None, description="Int column set to 1 on sampled rows (all rows "
                                    "kept); without it only the sampled rows are kept.")

    @model_validator(mode="after")
    def _one_size(self) -> Sample:
        if (self.fraction is None) == (self.size is None):
            raise ValueError("expected exactly one of fraction (e.g. 0.10) or size (e.g. 30)")
        return self


class Definition(Strict):
    id: str
    title: str
    description: str = Field(min_length=20, description="What one row is and what period it covers.")
    cadence: str
    due_working_day: int | None = Field(None, ge=1, le=20)
    owner: str = "performance"
    recipients: list[Recipient] = Field(min_length=1)
    burst_key: str | None = Field(None, description="Column whose values split the report into slices.")
    burst_label: str | None = Field(None, description="Column naming each slice (default: burst_key).")
    send_empty: bool = False
    outputs: list[Output] = ["html", "pdf", "csv", "xlsx"]
    template: str = "table_report.html.j2"
    sensitivity: Sensitivity = "internal"
    partner_columns: list[str] | None = None
    standard: str | None = None
    counting_note: str | None = None
    empty_means: str | None = Field(None, description="What an empty list means for this report, said in "
                                    "its notice instead of 'there were no cases to list': e.g. a sample that "
                                    "is drawn only in the audit timetable's months.")
    rows_are: Literal["records", "figures"] = Field(
        "records", description="figures: each row is a figure (a table of counts such as the police's monthly "
        "CP figures), not a record of a child, case or worker. The table is headed Figures and counts no "
        "records, it is not compared with the last period's list, and with no summary the e-mail's headline "
        "is its first rows.")
    figures_cover: Cover = Field("period", description="What the rows (and the e-mail's headline figures) "
                                 "cover, named with its own dates: the reporting period, the position at its "
                                 "end, the 12 months or financial year to its end, or the 7/14 days after it.")
    columns: list[Column] = Field(min_length=1)
    summaries: list[Summary] = []
    sample: Sample | None = None
    indicators: list[str] | None = Field(None, description="Indicator ids (indicators/<id>.yml) shown as "
                                         "KPI tiles and trends: makes the report an overview.")
    pdf_max_rows: int | None = Field(None, ge=0, description="Rows of the list shown in the PDF; the rest are "
                                     "in the CSV/XLSX (0 = every row; default settings.PDF_MAX_ROWS or "
                                     "MI_PDF_MAX_ROWS).")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not REPORT_ID.fullmatch(value):
            raise ValueError("expected lower-case letters, digits and underscores, 3-64 characters")
        return value

    @field_validator("cadence")
    @classmethod
    def _known_cadence(cls, value: str) -> str:
        if value not in CADENCES:
            raise ValueError(f"unknown cadence {value!r}; expected one of {', '.join(CADENCES)}")
        return value

    @model_validator(mode="after")
    def _columns_referenced_exist(self) -> Definition:
        names = {c.name for c in self.columns}
        referenced = {"burst_key": self.burst_key, "burst_label": self.burst_label}
        referenced |= {f"columns.{c.name}.rag": c.rag for c in self.columns}
        for s in self.summaries:
            referenced[f"summaries[{s.title}].group_by"] = s.group_by
            referenced[f"summaries[{s.title}].where"] = s.where
            for m in s.measures:
                referenced[f"summaries[{s.title}].{m.name}.column"] = m.column
                referenced[f"summaries[{s.title}].{m.name}.where"] = m.where
                referenced[f"summaries[{s.title}].{m.name}.of"] = m.of
                referenced[f"summaries[{s.title}].{m.name}.per"] = m.per
        if self.sample is not None:
            referenced["sample.flag_column"] = self.sample.flag_column
            referenced["sample.eligible"] = self.sample.eligible
            for rule in ("always_include", "include_some_of"):
                if getattr(self.sample, rule) is not None:
                    referenced[f"sample.{rule}.column"] = getattr(self.sample, rule).column
            flag = next((c for c in self.columns if c.name == self.sample.flag_column), None)
            if flag is not None and flag.type != "int":
                raise ValueError(f"sample.flag_column {flag.name!r} must be a column of type int (0/1)")
        for field, name in referenced.items():
            if name is not None and name not in names:
                raise ValueError(f"{field} names column {name!r}, which is not in columns")
        for name in self.partner_columns or []:
            if name not in names:
                raise ValueError(f"partner_columns names {name!r}, which is not in columns")
        if len(names) != len(self.columns):
            raise ValueError("column names must be unique")
        kinds = {c.name: c.type for c in self.columns}
        for column in self.columns:
            for name in column.derived_from or []:
                if kinds.get(name) != "int":
                    found = f"of type {kinds[name]}" if name in kinds else "not in columns"
                    raise ValueError(f"columns.{column.name}.derived_from names column {name!r}, which is {found}; "
                                     "expected the int columns (counts) the figure is worked out from")
        return self


@dataclass(frozen=True)
class ReportDefinition:
    """A validated definition with where it came from and its SQL."""

    spec: Definition
    area: str
    yaml_path: Path
    sql_path: Path
    sql: str

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def definition_hash(self) -> str:
        return hashlib.sha256(self.yaml_path.read_bytes()).hexdigest()

    @property
    def sql_hash(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@lru_cache(maxsize=1)
def known_roles() -> dict[str, dict]:
    data = yaml.safe_load((settings.config_dir() / "roles.yml").read_text(encoding="utf-8"))
    return data["roles"]


def load_definition(yaml_path: Path) -> ReportDefinition:
    """Load one definition (parsed, then linked to the roles and indicators it names); raises
    DefinitionLoadError naming the file and field."""
    definition = parse_definition(yaml_path)
    problems = link(definition, known_roles(), set(indicator_loader.library().indicators))
    if problems:
        raise DefinitionLoadError(problems)
    return definition


def parse_definition(yaml_path: Path) -> ReportDefinition:
    """Pass 1: one definition file on its own (YAML, fields, its SQL beside it); validators read
    no other file. Raises DefinitionLoadError naming the file and field."""
    yaml_path = Path(yaml_path)
    try:
        # libyaml's loader: the DAG files load every definition at parse time.
        raw = yaml.load(yaml_path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise DefinitionLoadError([DefinitionError(yaml_path, where, f"not valid YAML: {error}")]) from None
    except OSError as error:
        raise DefinitionLoadError([DefinitionError(yaml_path, "", f"cannot read: {error.strerror}")]) from None
    if not isinstance(raw, dict):
        raise DefinitionLoadError([DefinitionError(yaml_path, "", "expected a mapping of fields")])
    try:
        spec = Definition.model_validate(raw)
    except ValidationError as error:
        raise DefinitionLoadError([
            DefinitionError(yaml_path, location(e["loc"], raw) or "(definition)", expected(e, FIELD_NAMES))
            for e in error.errors()
        ]) from None
    problems = []
    if spec.id != yaml_path.stem:
        problems.append(DefinitionError(yaml_path, "id", f"id {spec.id!r} must equal the file name {yaml_path.stem!r}"))
    sql_path = yaml_path.with_suffix(".sql")
    if not sql_path.exists():
        problems.append(DefinitionError(sql_path, "", "missing SQL file: expected one beside the YAML, same stem"))
    if problems:
        raise DefinitionLoadError(problems)
    return ReportDefinition(spec, yaml_path.parent.name, yaml_path, sql_path, sql_path.read_text(encoding="utf-8"))


@dataclass
class Catalogue:
    reports: dict[str, ReportDefinition]
    errors: list[DefinitionError]

    def get(self, report_id: str) -> ReportDefinition:
        if report_id in self.reports:
            return self.reports[report_id]
        broken = [e for e in self.errors if e.path.stem == report_id]
        if broken:
            raise DefinitionLoadError(broken)
        raise KeyError(f"no report {report_id!r}; `mi reports list` shows the catalogue")


def link(definition: ReportDefinition, roles: dict[str, dict], indicator_ids: set[str]) -> list[DefinitionError]:
    """Pass 2: what a definition names in other files exists: each recipient's role and scope
    (config/roles.yml) and each overview's indicators (indicators/*.yml)."""
    spec, problems = definition.spec, []
    for r in spec.recipients:
        if r.role not in roles:
            problems.append(DefinitionError(
                definition.yaml_path, f"recipients[{r.role}]",
                f"unknown recipient role {r.role!r}{did_you_mean(r.role, roles)}; expected one of config/roles.yml: "
                f"{', '.join(sorted(roles))}"))
        elif r.scope not in roles[r.role]["scopes"]:
            problems.append(DefinitionError(definition.yaml_path, f"recipients[{r.role}]",
                                            f"role {r.role} cannot be sent scope {r.scope!r}; "
                                            f"allowed: {', '.join(roles[r.role]['scopes'])}"))
        elif (r.team_kinds or r.services) and roles[r.role]["source"] != "staff":
            problems.append(DefinitionError(definition.yaml_path, f"recipients[{r.role}]",
                                            f"team_kinds and services narrow staff roles only; {r.role} is a "
                                            "partner role (config/partners.yml chooses who receives it)"))
        else:
            problems += _slicing_problems(definition, r)
    unknown = [i for i in spec.indicators or [] if i not in indicator_ids]
    if unknown:
        problems.append(DefinitionError(definition.yaml_path, "indicators",
                                        f"unknown indicator(s) {', '.join(map(repr, unknown))}; expected ids of "
                                        "indicators/*.yml (see docs/indicators.md)"))
    return problems


def _slicing_problems(definition: ReportDefinition, recipient: Recipient) -> list[DefinitionError]:
    """A scope needs the column it slices on (team_id, worker_id, school_urn) and a partner needs
    `partner_columns`: found here, not as a SliceError when the report is first sent."""
    names = {c.name for c in definition.spec.columns}
    where = f"recipients[{recipient.role}]"
    wanted = SCOPE_COLUMNS.get(recipient.scope, ())
    if wanted and not names & set(wanted):
        return [DefinitionError(definition.yaml_path, where, (
            f"scope {recipient.scope!r} slices the rows on a column named {' or '.join(wanted)}, which the report "
            f"does not have: return {wanted[0]} from the SQL and declare it in columns (hidden: true), or send "
            "this role scope all"))]
    if recipient.scope == "agency" and not definition.spec.partner_columns:
        return [DefinitionError(definition.yaml_path, where, (
            "a partner (scope agency) sees only the columns listed in partner_columns, and the report lists "
            "none: add partner_columns with the columns partners may see"))]
    return []


def _field_names(model: type[BaseModel]) -> set[str]:
    """Every field name of a model and the models it holds (a misspelt key is matched against them)."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for inner in (info.annotation, *get_args(info.annotation)):
            for candidate in (inner, *get_args(inner)):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate is not model:
                    names |= _field_names(candidate)
    return names


FIELD_NAMES = _field_names(Definition)


def definition_paths(root: Path | None = None) -> list[Path]:
    root = root or settings.sql_dir()
    return sorted(p for p in root.glob("*/*.yml") if not p.parent.name.startswith("_"))


def load_catalogue(root: Path | None = None) -> Catalogue:
    """Every definition under sql/, sorted by id; bad ones become errors, not exceptions.

    Served from a cache keyed by the content of every input file when nothing changed
    (reporting/catalogue_cache.py: DAG parsing loads the catalogue on every re-parse).
    """
    root = root or settings.sql_dir()

    def load() -> Catalogue:
        reports: dict[str, ReportDefinition] = {}
        errors: list[DefinitionError] = []
        for path in definition_paths(root):  # pass 1: each file on its own
            try:
                definition = parse_definition(path)
            except DefinitionLoadError as error:
                errors.extend(error.errors)
                continue
            if definition.id in reports:
                errors.append(DefinitionError(path, "id",
                                              f"duplicate id; also defined in {reports[definition.id].yaml_path}"))
                continue
            reports[definition.id] = definition
        roles, indicator_ids = known_roles(), set(indicator_loader.library().indicators)
        for report_id, definition in list(reports.items()):  # pass 2: links across files
            problems = link(definition, roles, indicator_ids)
            if problems:
                errors.extend(problems)
                del reports[report_id]
        return Catalogue(dict(sorted(reports.items())), errors)

    # the code that validates is an input too: a changed validator must not serve an old verdict
    code = [Path(module.__file__ or "") for module in (errors, catalogue_cache, indicator_loader)] + [Path(__file__)]
    return catalogue_cache.cached(root, load, watched=[settings.config_dir(), indicator_loader.indicators_dir(), *code])
