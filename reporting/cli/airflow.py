"""`mi dags test`: run the reports due on a date through their real Airflow DAGs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from reporting import settings
from reporting.cli.common import err, out

dags_app = typer.Typer(help="The Airflow DAGs (one per report).", no_args_is_help=True)


@dags_app.command("test")
def dags_test(
    as_at: str = typer.Option(..., "--as-at", help="Run date (YYYY-MM-DD)."),
    cadence: str = typer.Option(None, help="Run every report DAG of this cadence."),
    everything: bool = typer.Option(False, "--all", help="Run every report DAG."),
    index_dir: Path = typer.Option(Path("out"), "--index-dir", help="Where to write index.html."),
    airflow_home: Path = typer.Option(None, help="Airflow home for the test runs (default var/airflow-demo)."),
) -> None:
    """Run the DAGs due on a date with dag.test(): what the scheduler would run, without one.

    Example: mi dags test --as-at 2026-10-26
    """
    from reporting.batch import write_index
    from reporting.cli.common import parse_run_date
    from reporting.orchestration.demo import prepare_airflow_home, run_due_dags

    run_date = parse_run_date(as_at)
    err.print("preparing the Airflow metadata database ...")
    prepare_airflow_home(airflow_home or settings.var_dir() / "airflow-demo")

    def done(item) -> None:
        err.print(f"  {item.report_id}: {item.status}" + (f" ({item.error})" if item.error else ""))

    items = run_due_dags(run_date, cadence=cadence, everything=everything, on_done=done)
    index = write_index(items, run_date, index_dir)
    table = Table("report", "period", "status", "rows", title=f"{len(items)} DAG runs for {run_date}")
    for i in items:
        colour = {"ok": "green", "warning": "yellow", "failed": "red"}[i.status]
        period = f"{i.period.start} to {i.period.end}" if i.period else ""
        table.add_row(i.report_id, period, f"[{colour}]{i.status}[/]",
                      "" if i.rows is None else str(i.rows))
    out.print(table)
    err.print(f"index: {index}")
    if any(i.status == "failed" for i in items):
        raise typer.Exit(1)
