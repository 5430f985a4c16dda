"""`mi recipients resolve` (who would get which slice, without sending) and `mi deliveries list` (audit trail)."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from reporting.casedb import readonly
from reporting.cli.common import err, out

recipients_app = typer.Typer(help="Who receives a report, and which slice.", no_args_is_help=True)
deliveries_app = typer.Typer(help="The delivery ledger: who was sent what, when.", no_args_is_help=True)


@recipients_app.command("resolve")
def recipients_resolve(
    report_id: str,
    as_at: str = typer.Option(..., "--as-at", help="Run date: the report's latest complete period is used."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show who would receive which slice, with how many rows, without sending anything.

    Example: mi recipients resolve cp_visits_due_next_week --as-at 2026-10-26
    """

    from reporting.cli.common import parse_run_date
    from reporting.definitions import load_catalogue
    from reporting.delivery.deliver import plan
    from reporting.extract import run_extract
    from reporting.schedules.periods import latest_complete_period

    try:
        report = load_catalogue().get(report_id)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0])) from None
    period = latest_complete_period(report.spec.cadence, parse_run_date(as_at))
    try:
        engine = readonly.case_engine()
        try:
            extract = run_extract(report, engine, period_start=period.start, period_end=period.end,
                                  as_at=period.end)
            assignments = plan(report, extract.rows, period.end, engine)
        finally:
            engine.dispose()
    except Exception as error:  # noqa: BLE001 - a missing or locked database, a bad definition: no traceback
        from reporting.casedb.readonly import reason

        err.print(f"[red]{report_id}: cannot resolve recipients: {type(error).__name__}: {reason(error)}[/]")
        raise typer.Exit(1) from None
    entries: list[dict[str, Any]] = [{"email": a.person.email, "name": a.person.name, "roles": list(a.person.roles),
                "scope": a.person.scope, "slice": a.person.slice_id, "slice_label": a.person.label,
                "rows": len(a.rows),
                "send": bool(a.rows) or report.spec.send_empty} for a in assignments]
    if as_json:
        print(json.dumps({"report_id": report.id, "period_start": period.start.isoformat(),
                          "period_end": period.end.isoformat(), "extract_rows": len(extract.rows),
                          "recipients": entries}, indent=2))
        return
    table = Table(title=f"{report.spec.title}: {period.start} to {period.end} ({len(extract.rows)} rows)")
    for column in ("recipient", "roles", "slice", "rows", "sent?"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for e in entries:
        table.add_row(f"{e['name']} <{e['email']}>", ",".join(e["roles"]), e["slice_label"], str(e["rows"]),
                      "yes" if e["send"] else "no: empty")
    out.print(table)


@deliveries_app.command("list")
def deliveries_list(
    report: str = typer.Option(None, "--report", help="Only this report id."),
    period: str = typer.Option(None, "--period", help="Only this period (its end date, YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The audit trail: one line per (report, period, slice, recipient, content hash).

    Example: mi deliveries list --report cp_visits_due_next_week --json
    """
    from reporting.cli.common import parse_date
    from reporting.delivery.ledger import Ledger

    if period:
        period = parse_date(period).isoformat()
    ledger = Ledger()
    try:
        entries = ledger.entries(report, period)
    finally:
        ledger.dispose()
    if as_json:
        print(json.dumps(entries, indent=2, default=str))
        return
    table = Table(title=f"{len(entries)} deliveries")
    for column in ("report", "period", "slice", "recipient", "kind", "state", "tries", "sent at", "hash"):
        table.add_column(column)
    for e in entries:
        state = e["state"] + (" (correction)" if e["correction"] else "")
        table.add_row(e["report_id"], e["period_end"], e["slice_id"], e["recipient"], e["kind"], state,
                      str(e["attempts"]), str(e["sent_at"] or ""), e["content_hash"][:12])
    out.print(table)
