"""`mi recipients resolve` (who would get which slice, without sending) and `mi deliveries list` (audit trail)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from reporting.casedb import readonly
from reporting.cli.common import date_option, err, out, run_date_option, wide_console

recipients_app = typer.Typer(help="Who receives a report, and which slice.", no_args_is_help=True)
deliveries_app = typer.Typer(help="The delivery ledger: who was sent what, when.", no_args_is_help=True)


@recipients_app.command("resolve")
def recipients_resolve(
    report_id: str,
    as_at: Annotated[date, run_date_option("Run date: the report's latest complete period is used.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show who would receive which slice, with how many rows, without sending anything.

    Example: mi recipients resolve cp_visits_due_next_week --as-at 2026-10-26
    """

    from reporting.definitions import load_catalogue
    from reporting.extract import run_extract
    from reporting.plan import assign
    from reporting.schedules.periods import latest_complete_period

    try:
        report = load_catalogue().get(report_id)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0])) from None
    period = latest_complete_period(report.spec.cadence, as_at)
    try:
        engine = readonly.case_engine()
        try:
            extract = run_extract(report, engine, period_start=period.start, period_end=period.end,
                                  as_at=period.end)
            assignments = assign(report, extract.rows, period.end, engine)
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
                          "sent_to": [r.describe() for r in report.spec.recipients],
                          "recipients": entries}, indent=2))
        return
    out.print("sent to: " + "; ".join(r.describe() for r in report.spec.recipients))
    table = Table(title=f"{report.spec.title}: {period.start} to {period.end} ({len(extract.rows)} rows)")
    for column in ("recipient", "roles", "slice", "rows", "sent?"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for e in entries:
        table.add_row(f"{e['name']} <{e['email']}>", ",".join(e["roles"]), e["slice_label"], str(e["rows"]),
                      "yes" if e["send"] else "no: empty")
    out.print(table)


STATES = ("sent", "rejected", "failed", "empty", "sending")


@deliveries_app.command("list")
def deliveries_list(
    report: Annotated[str | None, typer.Option("--report", help="Only this report id.")] = None,
    period: Annotated[date | None, date_option("--period", help_text="Only this period (its end date).")] = None,
    since: Annotated[date | None, date_option("--since", help_text="Recorded on or after this day.")] = None,
    until: Annotated[date | None, date_option("--until", help_text="Recorded on or before this day.")] = None,
    state: Annotated[list[str] | None, typer.Option("--state", help="Only this state (repeatable): sent, "
                                                    "rejected, failed, empty, sending.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The audit trail: one line per (report, period, slice, recipient, content hash), sent or not.

    Refused (`rejected`), failed, empty and in-flight (`sending`) deliveries are listed with the
    sent ones; slices are named by team or service when the case database is reachable. Piped,
    the table is not cut to the terminal's width.

    Example: mi deliveries list --since 2026-10-19 --state rejected --state failed
    """
    from datetime import datetime, time, timedelta

    from reporting.delivery.ledger import Ledger

    bad = sorted(set(state or ()) - set(STATES))
    if bad:
        raise typer.BadParameter(f"unknown state(s) {', '.join(bad)}; expected some of {', '.join(STATES)}",
                                 param_hint="--state")
    ledger = Ledger()
    try:
        entries = ledger.entries(report, period.isoformat() if period else None,
                                 since=datetime.combine(since, time()) if since else None,
                                 until=datetime.combine(until + timedelta(days=1), time()) if until else None,
                                 states=state or ())
    finally:
        ledger.dispose()
    from reporting.board import slice_names

    names = slice_names()
    for e in entries:
        e["slice_label"] = names(e["slice_id"])
    if as_json:
        print(json.dumps(entries, indent=2, default=str))
        return
    table = Table(title=f"{len(entries)} deliveries")
    for column in ("report", "period", "slice", "recipient", "kind", "state", "tries", "when", "why", "hash"):
        table.add_column(column, overflow="fold")
    for e in entries:
        state_text = e["state"] + (" (correction)" if e["correction"] else "")
        table.add_row(e["report_id"], e["period_end"], e["slice_label"], e["recipient"], e["kind"], state_text,
                      str(e["attempts"]), str(e["sent_at"] or e["updated_at"] or ""), e["last_error"] or "",
                      e["content_hash"][:12])
    wide_console().print(table)
