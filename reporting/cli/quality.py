"""`mi quality ...`: the source data-quality suites from the command line (no Airflow needed)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import JustifyMethod
from rich.table import Table

from reporting.cli.common import CaseDbUrl, date_option, table_console
from reporting.cli.common import err as console

quality_app = typer.Typer(help="Data quality: Great Expectations suites for the case database.",
                          no_args_is_help=True)


@quality_app.command("check")
def check_command(
    table: Annotated[list[str] | None, typer.Option("--table", "-t",
                                                    help="Only this source table (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    url: CaseDbUrl = None,
    as_at: Annotated[date | None, date_option("--as-at", help_text="Dates after this are out of range "
                                                                   "(default: the demo date).")] = None,
    publish: Annotated[bool, typer.Option("--publish", help="Also write the HTML page, JSON summary and trend "
                                                            "under <archive>/_quality/.")] = False,
) -> None:
    """Validate the case database against the source suites; exit 1 if a critical check fails.

    Example: mi quality check --table ssd_person --table ssd_cp_visits
    """
    from reporting import settings
    from reporting.casedb import readonly
    from reporting.cli.common import redact
    from reporting.quality.source import publish as publish_result
    from reporting.quality.source import validate_source
    from reporting.quality.suites import SuiteFileError

    day = as_at or date.fromisoformat(settings.DEMO_AS_AT)
    from reporting.casedb.readonly import CaseDatabaseError, reason

    try:
        database = url or settings.casedb_url()
        readonly.case_engine(database).dispose()  # a mistyped SQLite path is refused, not created
        result = validate_source(database, day, tables=table or None)
    except (ValueError, SuiteFileError, CaseDatabaseError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    except Exception as error:  # noqa: BLE001 - a locked or unreachable database: say so, no traceback
        console.print(f"[red]the case database could not be checked: {type(error).__name__}: {reason(error)}[/red]")
        raise typer.Exit(2) from None
    paths = publish_result(result) if publish else {}
    if as_json:
        typer.echo(json.dumps(result.summary() | {"published": paths}, indent=1, default=str))
    else:
        out = Table(title=f"Source data quality as at {day} ({redact(result.database)}): "
                          f"{len(result.findings)} checks, {len(result.failed)} failed")
        columns: list[tuple[str, JustifyMethod]] = [("table", "left"), ("check", "left"), ("severity", "left"),
                                                    ("failing rows", "right"), ("rows checked", "right")]
        for name, justify in columns:
            out.add_column(name, justify=justify)
        for f in sorted(result.failed, key=lambda f: (f["severity"] != "critical", f["table"], f["check"])):
            out.add_row(f["table"], f["check"] + (f" (could not run: {f['error']})" if f.get("error") else ""),
                        f["severity"], f"{f['failing_rows']:,}",
                        f"{f['rows_checked']:,}" if "rows_checked" in f else "")
        table_console().print(out)
        console.print(f"{result.tables} table(s) in {result.seconds:.1f}s"
                      + (f"; page: {paths['page']}" if paths else ""))
    if result.critical:
        raise typer.Exit(1)
