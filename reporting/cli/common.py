"""What every `mi` command group shares: option types, date parsing, the two consoles, URL redaction."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reporting.schedules.periods import Cadence

out = Console()  # results (tables, JSON) on standard output
err = Console(stderr=True)  # progress, warnings and errors on standard error


def table_console() -> Console:
    """A console for a wide table, sized to the terminal as it is now: rich reads `COLUMNS` when a
    console is made, and `out` was made when the command line was imported."""
    return Console()


def wide_console() -> Console:
    """A console for a table that must not be cut: the terminal's width, or unlimited when piped
    (rich would otherwise wrap at 80 columns, and `grep` would miss half a row)."""
    import sys

    return Console() if sys.stdout.isatty() else Console(width=100_000)


def parse_date(value: str | date) -> date:
    if isinstance(value, date):  # an option's default, which typer passes through the parser too
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; expected YYYY-MM-DD") from None


def parse_run_date(value: str | date) -> date:
    """A run date (`--as-at`): a date inside the reporting calendar's school years."""
    from reporting.working_calendar import check_covered

    try:
        return check_covered(parse_date(value), "--as-at")
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


# ---- option types shared by the command groups (typed: the command receives a date, a Cadence) -------
def run_date_option(help_text: str = "Run date (YYYY-MM-DD).") -> typer.models.OptionInfo:
    """`--as-at` as a run date inside the reporting calendar's school years."""
    return typer.Option("--as-at", parser=parse_run_date, metavar="YYYY-MM-DD", help=help_text)


def date_option(*names: str, help_text: str) -> typer.models.OptionInfo:
    return typer.Option(*names, parser=parse_date, metavar="YYYY-MM-DD", help=help_text)


INDEX_DIR = Path("out")  # where `mi run` and `mi dags test` write index.html
RunDate = Annotated[date, run_date_option()]
CadenceChoice = Annotated[Cadence | None, typer.Option(help="Every report of this cadence.", case_sensitive=False)]
CaseDbUrl = Annotated[str | None, typer.Option("--url", help="SQLAlchemy URL (default: MI_CASEDB_URL or "
                                                               "var/casedb.sqlite).")]
Formats = Annotated[str | None, typer.Option("--format", metavar="html,pdf,csv,xlsx",
                                             help="Comma-separated: html,pdf,csv,xlsx.")]


def redact(url: str) -> str:
    """A database URL as it may be printed: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
