"""Every setting the pipeline reads from its environment, in one typed, frozen object.

`current()` reads the environment once (pydantic-settings: `MI_<NAME>` for each field below) and
keeps the result until the environment changes; every module asks it, never `os.environ`. A
setting may also be a file named like its variable in `MI_SECRETS_DIR` (default `/run/secrets`,
where Docker mounts secrets): a password then never sits in a process's environment. The
environment wins over the file. One set
of environment variables points the whole pipeline at a different database, archive or mail relay.
A value that cannot be used fails the first read, naming the variable, its value and what was
expected. Paths and URLs not set are derived from `MI_VAR_DIR` (or the repository).

This module imports nothing of ours but the error types: it is the root of the import graph.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import UnionType
from typing import Literal, Union, get_args, get_origin
from urllib.parse import quote

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reporting.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]

# The embedded default's clock: the synthetic authority is generated up to this date and
# `make demo` runs the reports due on it (a Monday when the weekly and fortnightly reports
# fall due). A fixed date, not today, so the demo and the tests are reproducible.
DEMO_AS_AT = "2026-10-26"

# The PDF is the reading copy: a row-level list longer than this shows its first rows and points
# to the spreadsheet beside it (the CSV/XLSX and the archived HTML keep every row). WeasyPrint
# lays out ~13 ms a table row on one core, so a 4,500-row list costs minutes per PDF; nobody
# reads page 150 of a PDF when the same list filters and sorts in Excel.
PDF_MAX_ROWS = 100
DEFAULT_RETENTION_DAYS = 730  # two years of archive


class SettingsError(ConfigError):
    """An environment variable holds a value the pipeline cannot use."""


class Settings(BaseSettings):
    """The pipeline's settings; the environment variable of each is `MI_` + its name in capitals."""

    model_config = SettingsConfigDict(env_prefix="MI_", frozen=True, extra="ignore", env_ignore_empty=True)

    # where things are
    var_dir: Path = Field(REPO_ROOT / "var", description="Folder for the embedded databases, archive, outbox "
                          "and caches (derived paths sit under it).")
    casedb_url: str | None = Field(None, description="The case database (default: var/casedb.sqlite).")
    state_url: str | None = Field(None, description="The delivery ledger's database (default: var/state.sqlite). "
                                  "Apart from the case database, which the pipeline only reads.")
    archive_dir: Path | None = Field(None, description="Report archive (default var/archive).")
    archive_url: str | None = Field(None, description="Where staff open the archive in a browser (an intranet "
                                    "site serving MI_ARCHIVE_DIR): the digest links each report's HTML under it. "
                                    "Unset: no link (a file:// link to this server would not open for the reader).")
    outbox_dir: Path | None = Field(None, description="Where messages go when no SMTP relay is set "
                                    "(default var/outbox).")
    commentary_dir: Path | None = Field(None, description="The performance team's commentary: "
                                        "`<report_id>/<period_end>.md` (Markdown, any report) and an overview's "
                                        "`<report_id>/<period_end>/<area>.txt`; default var/commentary.")
    sql_dir: Path = Field(REPO_ROOT / "sql", description="Report definitions (`<area>/<id>.sql` + `.yml`).")
    config_dir: Path = Field(REPO_ROOT / "config", description="Roles, partners, mail domains, calibration and "
                             "code tables.")
    indicators_dir: Path = Field(REPO_ROOT / "indicators", description="The indicator library.")
    calendar_file: Path | None = Field(None, description="The working calendar YAML (default config/calendar.yml).")
    catalogue_cache: bool = Field(True, description="Keep the validated catalogue under var/cache (false: "
                                  "validate every time).")

    # what is rendered
    output_formats: str | None = Field(None, description="e.g. 'csv,html': render only these where a definition "
                                       "asks for more (dry runs, tests); partners always get their encrypted PDF.")
    pdf_max_rows: int = Field(PDF_MAX_ROWS, description="Rows a PDF's list shows when the definition sets none "
                              "(0: no cap); the spreadsheet beside it holds them all.")
    query_timeout_seconds: float = Field(1800.0, description="How long one report or indicator query may run.")
    row_key_secret: str | None = Field(None, repr=False, description="Key of the HMAC-SHA256 fingerprints of each "
                                       "list row's key kept in its manifest to say what is new since the last "
                                       "list (unset: SHA-256 of the report id and the row key, which anyone "
                                       "can recompute from a guessed ID).")

    # mail
    mail_from: str = Field("MI reports <mi-reports@example.org>", description="The sender of every message (an "
                           "address the relay may send as).")
    performance_team_email: str = Field("performance-team@example.org", description="Who hears about failed, late "
                                        "and refused runs.")
    superusers_email: str = Field("superusers@example.org", description="The case system's superusers, told of "
                                  "failed runs (they correct the records).")
    max_attachment_mb: float = Field(10.0, description="Largest attachment sent outside the council.")
    transport: Literal["smtp", "outbox"] | None = Field(None, description="Force `smtp` or `outbox` (default: SMTP "
                                                        "when MI_SMTP_HOST or the `mi_smtp` connection is set).")
    smtp_host: str | None = Field(None, description="SMTP relay (unset: the Airflow connection `mi_smtp`, else the "
                                  "outbox).")
    smtp_port: int = Field(25, description="SMTP port.")
    smtp_timeout: float = Field(30.0, description="Seconds before an SMTP connection or command gives up.")
    smtp_starttls: bool = Field(False, description="STARTTLS after connecting.")
    smtp_tls: bool = Field(False, description="TLS from the start (SMTPS).")
    smtp_user: str | None = Field(None, description="SMTP login.")
    smtp_password: str | None = Field(None, repr=False, description="SMTP password.")

    # Airflow
    casedb_pool: str = Field("default_pool", description="Airflow pool capping concurrent case-database queries.")
    schedule_start: date | None = Field(None, description="First period the DAGs schedule (YYYY-MM-DD).")
    schedule_end: date | None = Field(None, description="Last period the DAGs schedule.")
    catchup: bool = Field(False, description="Let the scheduler run past periods from MI_SCHEDULE_START.")
    deadline_hours: float = Field(6.0, description="Hours after a run is queued before the LATE alert.")
    retention_days: int = Field(DEFAULT_RETENTION_DAYS, description="Days an archived period is kept after it ends.")
    airflow_dag_id: str | None = Field(None, validation_alias=AliasChoices("AIRFLOW_CTX_DAG_ID"),
                                       description="Set by Airflow in a task: the pipeline is running inside Airflow.")
    airflow_executor: str | None = Field(None, validation_alias=AliasChoices("AIRFLOW__CORE__EXECUTOR"),
                                         description="Airflow's executor: set in every process of the Airflow "
                                         "deployment.")

    # the DfE validators (`mi returns validate`)
    validators_venv: Path | None = Field(None, validation_alias=AliasChoices("VALIDATORS_VENV"),
                                         description="Virtualenv of the DfE validators (default var/validators-venv).")
    validators_create: bool = Field(True, description="Create the validators' virtualenv when it is missing (false "
                                    "on a worker without internet).")

    @field_validator("pdf_max_rows", mode="before")
    @classmethod
    def _whole_number(cls, value):
        if isinstance(value, str) and not (value.strip().isdigit()):
            raise ValueError("expected a whole number >= 0 (0 = no cap)")
        return value

    @field_validator("query_timeout_seconds", "smtp_timeout", "deadline_hours", "max_attachment_mb")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("expected a number > 0")
        return value

    @field_validator("retention_days")
    @classmethod
    def _whole_days(cls, value: int) -> int:
        if value < 1:
            raise ValueError("expected a whole number of days >= 1")
        return value

    @property
    def in_airflow(self) -> bool:
        """Running as an Airflow task (or a process of the Airflow deployment)."""
        return bool(self.airflow_dag_id or self.airflow_executor)


def reference_markdown() -> str:
    """The table of every setting for docs/deployment.md (checked by tests/test_docs.py)."""
    lines = ["| Variable | Type | Default | What it sets |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        variable = alias.choices[0] if isinstance(alias, AliasChoices) else f"MI_{name.upper()}"
        kind = _kind(field.annotation)
        default = field.default
        if isinstance(default, Path):
            default = default.relative_to(REPO_ROOT) if default.is_relative_to(REPO_ROOT) else default
        shown = "derived (see text)" if default is None and name in DERIVED else (
            "unset" if default is None else f"`{default}`")
        if field.repr is False:
            shown = "unset (a secret: never printed)"
        lines.append(f"| `{variable}` | {kind} | {shown} | {(field.description or '').strip()} |")
    return "\n".join(lines) + "\n"


def _kind(annotation) -> str:
    """A field's type in words (`X | None` as X: unset is the default's business)."""
    if get_origin(annotation) in (Union, UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(annotation) is Literal:
        return " or ".join(f"`{choice}`" for choice in get_args(annotation))
    return {Path: "path", str: "text", int: "whole number", float: "number", bool: "true/false",
            date: "date (YYYY-MM-DD)"}[annotation]


DERIVED = {"casedb_url", "state_url", "archive_dir", "outbox_dir", "commentary_dir"}


# Variables that are not ours but are read here: a change to one of them is a new Settings.
FOREIGN = ("AIRFLOW_CTX_DAG_ID", "AIRFLOW__CORE__EXECUTOR", "VALIDATORS_VENV")
SETTING_FILES_DIR = "/run/secrets"  # where Docker mounts secrets; MI_SECRETS_DIR names another


def current() -> Settings:
    """The settings for the environment as it is now: read once, again only when it changes
    (a test's monkeypatch, `mi run` handing its settings to worker processes)."""
    return _read(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("MI_") or k in FOREIGN)))


@lru_cache(maxsize=32)
def _read(environment: tuple[tuple[str, str], ...]) -> Settings:
    secrets = Path(dict(environment).get("MI_SECRETS_DIR") or SETTING_FILES_DIR)
    try:
        return Settings(_secrets_dir=secrets if secrets.is_dir() else None)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            name = field.upper() if field.upper() in FOREIGN else f"MI_{field.upper()}"
            message = problem["msg"].removeprefix("Value error, ")
            problems.append(f"{name}={problem.get('input')!r}: {message}")
        raise SettingsError("; ".join(problems)) from None


# ---- the values most modules need, derived where not set -----------------------------------------
def var_dir() -> Path:
    return current().var_dir


def casedb_url() -> str:
    """The case database: `MI_CASEDB_URL`, else the embedded SQLite file under var/."""
    return current().casedb_url or f"sqlite:///{var_dir() / 'casedb.sqlite'}"


def state_url() -> str:
    """The pipeline's own state (delivery ledger): `MI_STATE_URL`, else var/state.sqlite.

    Kept apart from the case database: the pipeline only reads the case database, and an
    authority's SSD database is not somewhere it may write.
    """
    return current().state_url or f"sqlite:///{var_dir() / 'state.sqlite'}"


def archive_dir() -> Path:
    return current().archive_dir or var_dir() / "archive"


def archive_link(path: Path) -> str:
    """The address a member of staff opens an archived file at: under `MI_ARCHIVE_URL` when set,
    else (or for a file outside the archive, which the intranet site does not serve) the file's
    own file:// URI."""
    base = current().archive_url
    resolved = path.resolve()
    if not base or not resolved.is_relative_to(archive_dir().resolve()):
        return resolved.as_uri()
    relative = resolved.relative_to(archive_dir().resolve())
    return base.rstrip("/") + "/" + "/".join(quote(part) for part in relative.parts)


def outbox_dir() -> Path:
    return current().outbox_dir or var_dir() / "outbox"


def commentary_dir() -> Path:
    return current().commentary_dir or var_dir() / "commentary"


def sql_dir() -> Path:
    return current().sql_dir


def config_dir() -> Path:
    return current().config_dir


def output_formats() -> list[str] | None:
    """`MI_OUTPUT_FORMATS` as a list, None when unset (every definition's own `outputs` apply)."""
    value = current().output_formats or ""
    return [f.strip() for f in value.split(",") if f.strip()] or None


def pdf_max_rows() -> int:
    return current().pdf_max_rows


def query_timeout_seconds() -> float:
    return current().query_timeout_seconds


def row_key_secret() -> str | None:
    """`MI_ROW_KEY_SECRET`: the per-deployment key of the list rows' fingerprints (reporting.since_last)."""
    return current().row_key_secret


def performance_team_email() -> str:
    """Who hears about failed and late runs and refused deliveries: `MI_PERFORMANCE_TEAM_EMAIL`."""
    return current().performance_team_email


def from_email() -> str:
    """The sender of every message the pipeline sends: `MI_MAIL_FROM`."""
    return current().mail_from
