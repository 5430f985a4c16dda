"""`mi dags test`: run the reports due on a date through their real Airflow DAGs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from reporting import settings
from reporting.cli.common import INDEX_DIR, CadenceChoice, RunDate, err, out

dags_app = typer.Typer(help="The Airflow DAGs (one per report).", no_args_is_help=True)


@dags_app.command("test")
def dags_test(
    as_at: RunDate,
    cadence: CadenceChoice = None,
    everything: Annotated[bool, typer.Option("--all", help="Run every report DAG.")] = False,
    index_dir: Annotated[Path, typer.Option("--index-dir", help="Where to write index.html.")] = INDEX_DIR,
    airflow_home: Annotated[Path | None, typer.Option(help="Airflow home for the test runs "
                                                             "(default var/airflow-demo).")] = None,
) -> None:
    """Run the DAGs due on a date with dag.test(): what the scheduler would run, without one.

    Example: mi dags test --as-at 2026-10-26
    """
    from reporting.batch import write_index
    from reporting.orchestration.demo import prepare_airflow_home, run_digest_dag, run_due_dags

    run_date = as_at
    err.print("preparing the Airflow metadata database ...")
    prepare_airflow_home(airflow_home or settings.var_dir() / "airflow-demo")

    def done(item) -> None:
        err.print(f"  {item.report_id}: {item.status}" + (f" ({item.error})" if item.error else ""))

    items = run_due_dags(run_date, cadence=cadence, everything=everything, on_done=done)
    err.print("sending the staff digests (mi_staff_digest) ...")
    digests = run_digest_dag(run_date)
    err.print(f"  {digests.get('digests', 0)} digest e-mail(s) to {digests.get('recipients', 0)} member(s) of staff, "
              f"{digests.get('queued', 0)} report copies in them")
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
