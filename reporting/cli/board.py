"""`mi board`: the performance team's week (or any window) of report runs, from the command line."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from reporting.cli.common import date_option, wide_console

STATUS_COLOUR = {"held": "red", "late": "red", "not delivered": "red", "incomplete": "yellow", "due": "cyan",
                 "ready": "green"}


def board_command(
    since: Annotated[date | None, date_option("--since", help_text="First day (default: this week's Monday).")]
    = None,
    until: Annotated[date | None, date_option("--until", help_text="Last day (default: 6 days after --since).")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: one object per report run due.")] = False,
) -> None:
    """Every report run due in a window: its state (held by data quality, late, not delivered,
    incomplete, due, ready), rows, failing checks and deliveries; the most urgent first.

    Example: mi board --since 2026-10-26
    """
    from datetime import timedelta

    from reporting.board import board, slice_names, week_of

    first = since or week_of(date.today())[0]
    last = until or first + timedelta(days=6)
    if last < first:
        raise typer.BadParameter(f"--until {last} is before --since {first}", param_hint="--until")
    rows = board(first, last, slice_name=slice_names())
    if as_json:
        print(json.dumps([r.as_json() for r in rows], indent=2))
        return
    table = Table(title=f"{len(rows)} report runs due {first} to {last}")
    for column in ("status", "report", "period", "due", "rows", "sent", "refused", "failed", "empty",
                   "queued for digest", "held by"):
        table.add_column(column, overflow="fold")
    for r in rows:
        d = r.deliveries
        table.add_row(f"[{STATUS_COLOUR[r.status]}]{r.status}[/]", r.title, f"{r.period_start} to {r.period_end}",
                      r.due_at[:16].replace("T", " "), "" if r.rows is None else str(r.rows), str(d["sent"]),
                      str(d["rejected"]), str(d["failed"]), str(d["empty"]), str(d["queued"]), "; ".join(r.critical))
    wide_console().print(table)
