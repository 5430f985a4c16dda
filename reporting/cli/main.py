"""The `mi` command line: everything the pipeline does, without Airflow."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import JustifyMethod
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reporting import settings
from reporting.casedb import readonly
from reporting.cli.common import CaseDbUrl, date_option, err, redact, table_console, wide_console

app = typer.Typer(help="Children's social care MI reporting pipeline.", no_args_is_help=True)
db_app = typer.Typer(help="The case-management database (SSD schema).", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = err
DEMO_DAY = date.fromisoformat(settings.DEMO_AS_AT)


def _register_commands() -> None:
    from reporting.cli.airflow import dags_app
    from reporting.cli.blocks import reports_blocks
    from reporting.cli.preview import preview_command
    from reporting.cli.reports import reports_app, run_command, schedule_command

    reports_app.command("blocks")(reports_blocks)
    reports_app.command("preview")(preview_command)
    app.add_typer(reports_app, name="reports")
    app.add_typer(dags_app, name="dags")
    app.command("run")(run_command)
    app.command("schedule")(schedule_command)

    from reporting.cli.quality import quality_app

    app.add_typer(quality_app, name="quality")

    from reporting.cli.delivery import deliveries_app, recipients_app

    app.add_typer(recipients_app, name="recipients")
    app.add_typer(deliveries_app, name="deliveries")

    from reporting.cli.board import board_command

    app.command("board")(board_command)

    from reporting.cli.returns import returns_app

    app.add_typer(returns_app, name="returns")

    from reporting.cli.benchmarks import benchmarks_app

    app.add_typer(benchmarks_app, name="benchmarks")


@db_app.command("profile")
def db_profile(
    url: CaseDbUrl = None,
    as_at: Annotated[date, date_option("--as-at", help_text="Profile the reporting year before this date.")] = DEMO_DAY,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: one object per measure.")] = False,
) -> None:
    """Compare a case database with a realistic inner-London authority (config/calibration.yml):
    each measure, its target and tolerance, its source, and whether it is within. Exit 1 if any is not.

    Example: mi db profile --as-at 2026-10-26
    """
    import json

    from reporting.casedb.profile import profile

    try:
        engine = readonly.case_engine(url or settings.casedb_url())
        year, results = profile(engine, as_at)
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - a missing database, a broken config: said in one line
        from reporting.casedb.readonly import reason

        console.print(f"[red]cannot profile the case database: {type(error).__name__}: {reason(error)}[/]")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps({"year_start": year.start.isoformat(), "year_end": year.end.isoformat(),
                          "measures": [r.as_json() for r in results]}, indent=1))
    else:
        table = Table(title=f"Profile of the reporting year {year.start:%d %b %Y} to {year.end:%d %b %Y}")
        columns: list[tuple[str, JustifyMethod]] = [("measure", "left"), ("value", "right"), ("target", "right"),
                                                    ("±", "right"), ("within", "left"), ("source", "left")]
        for name, justify in columns:
            table.add_column(name, justify=justify, overflow="fold")
        for r in results:
            table.add_row(r.target.label, "none" if r.value is None else f"{r.value:g}", f"{r.target.target:g}",
                          f"{r.target.tolerance:g}", "[green]yes[/]" if r.within else "[red]no[/]",
                          ("assumption: " if r.target.assumption else "") + r.target.source)
        table_console().print(table)
        console.print(f"{sum(r.within for r in results)} of {len(results)} measures within tolerance")
    if not all(r.within for r in results):
        raise typer.Exit(1)


@db_app.command("seed")
def db_seed(
    url: CaseDbUrl = None,
    scale: Annotated[str, typer.Option(help="camden (1x), county (10x) or london (100x).")] = "camden",
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same rows.")] = 1,
    as_at: Annotated[date, date_option("--as-at", help_text="Last day of recorded history.")] = DEMO_DAY,
) -> None:
    """Create the schema and fill it with a synthetic authority.

    Example: mi db seed --scale camden --seed 1 --as-at 2026-10-26
    """
    from reporting.casedb.seed import seed_database
    from reporting.casedb.synth import SCALES

    if scale not in SCALES:
        raise typer.BadParameter(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    url = url or settings.casedb_url()
    if url.startswith("sqlite:///"):
        settings.var_dir().mkdir(parents=True, exist_ok=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("generating", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=f"{'generating' if stage == 'families' else 'loading ' + stage}",
                       completed=fraction)

        result = seed_database(url, scale, seed, as_at, progress)
    table = Table(title=f"Seeded {scale} (seed {seed}, as at {result.as_at})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in sorted(result.rows.items()):
        if count:
            table.add_row(name, f"{count:,}")
    table_console().print(table)
    console.print(f"generated in {result.generate_seconds:.1f}s, loaded in {result.load_seconds:.1f}s "
                  f"into {redact(url)}")


@db_app.command("tables")
def db_tables(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: one object per table.")] = False,
) -> None:
    """Every table of the case database schema (SSD, local ext_* extensions, the calendar) with its
    description and number of columns. Reads the schema definition: no database needed.

    Example: mi db tables
    """
    import json

    from reporting.casedb.schema_doc import schema_tables

    tables = schema_tables()
    if as_json:
        print(json.dumps([t.as_json(with_columns=False) for t in tables], indent=1))
        return
    table = Table(title="Case database tables (mi db columns TABLE for the columns of one)")
    table.add_column("table", no_wrap=True)
    table.add_column("part")
    table.add_column("columns", justify="right")
    table.add_column("description", overflow="fold")
    for t in tables:
        table.add_row(t.name, t.part, str(len(t.columns)), t.description)
    wide_console().print(table)


@db_app.command("columns")
def db_columns(
    table_name: Annotated[str, typer.Argument(metavar="TABLE", help="A table name, e.g. ssd_cp_plans.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: the table and one object per column.")] = False,
) -> None:
    """Every column of one table: type, key or foreign key, description and code list where one is
    declared. Reads the schema definition: no database needed.

    Example: mi db columns ssd_cp_plans
    """
    import json

    from reporting.casedb.schema_doc import UnknownTable, table_doc

    try:
        doc = table_doc(table_name)
    except UnknownTable as error:
        console.print(f"[red]{error}[/]", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(doc.as_json(with_columns=True), indent=1))
        return
    table = Table(title=f"{doc.name}: {doc.description}")
    for name in ("column", "type", "key", "description", "codes"):
        table.add_column(name, overflow="fold", no_wrap=name == "column")
    for c in doc.columns:
        codes = f"{', '.join(c.codes.values)}\n[dim]{c.codes.source}[/]" if c.codes else ""
        table.add_row(c.name, c.type, c.key, c.description, codes)
    wide_console().print(table)


@db_app.command("docs")
def db_docs(
    path: Annotated[Path, typer.Option(help="The schema guide to update.")] = settings.REPO_ROOT / "docs" / "schema.md",
) -> None:
    """Regenerate the table-and-column section of docs/schema.md (between its columns markers) from
    the schema definition; tests/test_docs.py checks it is current.

    Example: mi db docs
    """
    from reporting.casedb.schema_doc import schema_tables, with_schema_section

    try:
        before = path.read_text(encoding="utf-8")
        after = with_schema_section(before)
    except (OSError, ValueError) as error:
        console.print(f"[red]cannot update {path}: {error}[/]", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    if after == before:
        console.print(f"{path}: already current ({len(schema_tables())} tables)")
        return
    path.write_text(after, encoding="utf-8")
    console.print(f"{path}: columns section regenerated ({len(schema_tables())} tables)")


_register_commands()

if __name__ == "__main__":
    app()
