"""What every `mi` command group shares: date parsing, the two consoles, URL redaction."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console

out = Console()  # results (tables, JSON) on standard output
err = Console(stderr=True)  # progress, warnings and errors on standard error


def table_console() -> Console:
    """A console for a wide table, sized to the terminal as it is now: rich reads `COLUMNS` when a
    console is made, and `out` was made when the command line was imported."""
    return Console()


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; expected YYYY-MM-DD") from None


def parse_run_date(value: str) -> date:
    """A run date (`--as-at`): a date inside the reporting calendar's school years."""
    from reporting.working_calendar import check_covered

    try:
        return check_covered(parse_date(value), "--as-at")
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def redact(url: str) -> str:
    """A database URL as it may be printed: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
