"""Where things are: paths and URLs, from the environment with embedded defaults.

Every `mi` command and every Airflow task reads its locations here, so one set of
environment variables points the whole pipeline at a different database or archive.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def var_dir() -> Path:
    return Path(os.environ.get("MI_VAR_DIR", REPO_ROOT / "var"))


def casedb_url() -> str:
    """The case database: `MI_CASEDB_URL`, else the embedded SQLite file under var/."""
    return os.environ.get("MI_CASEDB_URL") or f"sqlite:///{var_dir() / 'casedb.sqlite'}"


def state_url() -> str:
    """The pipeline's own state (delivery ledger): `MI_STATE_URL`, else var/state.sqlite.

    Kept apart from the case database: the pipeline only reads the case database, and an
    authority's SSD database is not somewhere it may write.
    """
    return os.environ.get("MI_STATE_URL") or f"sqlite:///{var_dir() / 'state.sqlite'}"


def archive_dir() -> Path:
    return Path(os.environ.get("MI_ARCHIVE_DIR", var_dir() / "archive"))


def outbox_dir() -> Path:
    return Path(os.environ.get("MI_OUTBOX_DIR", var_dir() / "outbox"))


def commentary_dir() -> Path:
    """Where the performance team's commentary for overview reports lives: `MI_COMMENTARY_DIR`,
    else var/commentary (`<report_id>/<period_end>/<area>.txt`)."""
    return Path(os.environ.get("MI_COMMENTARY_DIR", var_dir() / "commentary"))


def sql_dir() -> Path:
    return Path(os.environ.get("MI_SQL_DIR", REPO_ROOT / "sql"))


def config_dir() -> Path:
    return Path(os.environ.get("MI_CONFIG_DIR", REPO_ROOT / "config"))


# The embedded default's clock: the synthetic authority is generated up to this date and
# `make demo` runs the reports due on it (a Monday when the weekly and fortnightly reports
# fall due). A fixed date, not today, so the demo and the tests are reproducible.
DEMO_AS_AT = "2026-10-26"


def output_formats() -> list[str] | None:
    """`MI_OUTPUT_FORMATS` (e.g. "csv,html"): render only these where a definition asks for more.

    For dry runs and test environments; unset, every definition's own `outputs` apply. Partner
    deliveries always get their encrypted PDF.
    """
    value = os.environ.get("MI_OUTPUT_FORMATS", "").strip()
    return [f.strip() for f in value.split(",") if f.strip()] or None


# The PDF is the reading copy: a row-level list longer than this shows its first rows and points
# to the spreadsheet beside it (the CSV/XLSX and the archived HTML keep every row). WeasyPrint
# lays out ~13 ms a table row on one core, so a 4,500-row list costs minutes per PDF; nobody
# reads page 150 of a PDF when the same list filters and sorts in Excel.
PDF_MAX_ROWS = 100


def pdf_max_rows() -> int:
    """Rows shown in a PDF's list when the definition sets no `pdf_max_rows`: `MI_PDF_MAX_ROWS`, else
    PDF_MAX_ROWS. 0 means no cap.

    :raises ValueError: naming the variable and its value when it is not a whole number >= 0.
    """
    value = os.environ.get("MI_PDF_MAX_ROWS", "").strip()
    if not value:
        return PDF_MAX_ROWS
    try:
        rows = int(value)
    except ValueError:
        rows = -1
    if rows < 0:
        raise ValueError(f"MI_PDF_MAX_ROWS={value!r}: expected a whole number >= 0 (0 = no cap)")
    return rows


def query_timeout_seconds() -> float:
    """How long one report or indicator query may run: `MI_QUERY_TIMEOUT_SECONDS`, default 1800.

    :raises ValueError: naming the variable and its value when it is not a positive number.
    """
    value = os.environ.get("MI_QUERY_TIMEOUT_SECONDS", "").strip()
    if not value:
        return 1800.0
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ValueError(f"MI_QUERY_TIMEOUT_SECONDS={value!r}: expected a number of seconds > 0")
    return seconds


def performance_team_email() -> str:
    """Who hears about failed and late runs and refused deliveries: `MI_PERFORMANCE_TEAM_EMAIL`."""
    return os.environ.get("MI_PERFORMANCE_TEAM_EMAIL") or "performance-team@example.org"


def from_email() -> str:
    """The sender of every message the pipeline sends: `MI_MAIL_FROM`."""
    return os.environ.get("MI_MAIL_FROM") or "mi-reporting@example.org"
