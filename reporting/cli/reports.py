"""`mi reports ...`, `mi run` and `mi schedule`: the data officer's and operator's commands."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reporting import settings
from reporting.casedb import readonly
from reporting.cli.common import INDEX_DIR, CadenceChoice, CaseDbUrl, Formats, RunDate, err, out, run_date_option
from reporting.definitions import DefinitionLoadError, load_catalogue, load_definition

reports_app = typer.Typer(help="Report definitions: list, show, validate, scaffold, render.", no_args_is_help=True)

FORMATS = ("html", "pdf", "csv", "xlsx")
CATALOGUE_DOC = settings.REPO_ROOT / "docs" / "report-catalogue.md"


def _engine():

    return readonly.case_engine()


def _formats(value: str | None) -> list[str] | None:
    if value is None:
        return None
    chosen = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad:
        raise typer.BadParameter(f"unknown format(s) {', '.join(bad)}; expected some of {', '.join(FORMATS)}")
    return chosen


def _catalogue():
    catalogue = load_catalogue()
    for error in catalogue.errors:
        err.print(f"[yellow]skipped broken definition[/] {escape(str(error))}")
    return catalogue


@reports_app.command("list")
def reports_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every report: id, title, cadence, area.

    Example: mi reports list --json
    """
    catalogue = _catalogue()
    rows = [{"id": d.id, "title": d.spec.title, "cadence": d.spec.cadence, "area": d.area}
            for d in catalogue.reports.values()]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title=f"{len(rows)} reports")
    for column in ("id", "title", "cadence", "area"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(row[c] for c in ("id", "title", "cadence", "area")))
    out.print(table)


@reports_app.command("show")
def reports_show(report_id: str) -> None:
    """Show one definition: what it is, who gets it, its columns and files.

    Example: mi reports show cp_visits_due_next_week
    """
    try:
        d = load_catalogue().get(report_id)
    except (KeyError, DefinitionLoadError) as error:
        err.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(1) from None
    s = d.spec
    out.print(f"[bold]{s.title}[/] ({d.id})\n{s.description.strip()}\n")
    out.print(f"cadence: {s.cadence}   area: {d.area}   sensitivity: {s.sensitivity}   outputs: {', '.join(s.outputs)}")
    out.print("recipients: " + "; ".join(r.describe() for r in s.recipients))
    if s.burst_key:
        out.print(f"sliced by: {s.burst_label or s.burst_key}")
    table = Table("column", "label", "type", "checks")
    for c in s.columns:
        checks = c.checks.model_dump(exclude_defaults=True) if c.checks else {}
        table.add_row(c.name + (" (hidden)" if c.hidden else ""), c.label, c.type, json.dumps(checks) if checks else "")
    out.print(table)
    out.print(f"files: {d.yaml_path}  {d.sql_path}")


@reports_app.command("validate")
def reports_validate(
    path: Annotated[Path | None, typer.Argument(help="One .yml file; default: every definition.")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Only the static checks: do not run the queries.")] = False,
    schema_only: Annotated[bool, typer.Option(
        "--schema-only", help="Run the queries on an empty database with the case schema (no case data needed), "
                              "not on the case database.")] = False,
    show_sql: Annotated[bool, typer.Option("--show-sql", help="Print the expanded SQL around each failing line.")]
    = False,
    url: CaseDbUrl = None,
) -> None:
    """Check definitions and run each query for no rows; exit 1 naming each problem (file, line or field, fix).

    The query runs on the case database (MI_CASEDB_URL or --url) with `LIMIT 0`, read-only, so the
    database reports misspelt columns and syntax errors, and the columns it returns are compared
    with the YAML. Without a case database it runs on an empty one built from the schema.

    Example: mi reports validate sql/child_protection/cp_visits_due_next_week.yml --show-sql
    """
    from reporting.render import template_problems

    problems: list = []
    if path is not None:
        try:
            definitions = [load_definition(path)]
        except DefinitionLoadError as error:
            definitions, problems = [], [str(e) for e in error.errors]
    else:
        catalogue = load_catalogue()
        definitions = list(catalogue.reports.values())
        problems = [str(e) for e in catalogue.errors]
    for d in definitions:
        problems += template_problems(d.yaml_path, d.spec.template)
    if not offline:
        problems += _query_problems(definitions, url, schema_only)
    else:
        problems += _static_sql_problems(definitions)
    if path is None:
        problems += _address_problems()
    for problem in problems:
        err.print(f"[red]✗[/] {escape(str(problem))}", soft_wrap=True)  # one line each: grep finds it whole
        if show_sql and getattr(problem, "excerpt", None):
            err.print("  the expanded SQL around it (line numbers of the expanded statement):", style="dim")
            err.print(escape(problem.excerpt), highlight=False)
    out.print(f"{len(definitions)} definitions checked{' (offline: queries not run)' if offline else ''}, "
              f"{len(problems)} problems")
    if problems:
        raise typer.Exit(1)


def _static_sql_problems(definitions) -> list[str]:
    from reporting.extract import ReportSQLError, expand_sql

    problems = []
    for d in definitions:
        try:
            expand_sql(d)
        except ReportSQLError as error:
            problems.append(str(error))
    return problems


def _query_problems(definitions, url: str | None, schema_only: bool) -> list:
    """Each definition's query run for no rows, on the case database or an empty schema-only one."""
    from contextlib import ExitStack

    from reporting.casedb.readonly import SourceUnreachableError, reason
    from reporting.query_check import check_query, recipient_problems, schema_only_database

    with ExitStack() as stack:
        engine = None
        if not schema_only:
            try:
                engine = readonly.case_engine(url)
                with engine.connect():
                    pass
            except (SourceUnreachableError, Exception) as error:  # noqa: BLE001 - any reason: say it, carry on
                err.print(f"[yellow]case database not reachable ({escape(reason(error))}); running the queries on "
                          "an empty database with the case schema instead[/]", soft_wrap=True)
                engine = None
        if engine is None:
            engine = stack.enter_context(schema_only_database())
        problems: list = []
        for d in definitions:
            try:
                problems += check_query(d, engine) + recipient_problems(d, engine)
            except Exception as error:  # noqa: BLE001 - the database went away mid-way: one line, not a traceback
                problems.append(f"{d.sql_path}: could not run the query: {type(error).__name__}: {reason(error)}")
        return problems


def _address_problems() -> list[str]:
    """Every partner address in config/partners.yml against config/mail.yml (one plain address each,
    at an allowed domain): a bad one would be refused at delivery time; better found now."""
    from reporting.delivery import addresses
    from reporting.delivery.recipients import OUT_OF_BAND, PartnerConfigError, load_partners

    try:
        rules = addresses.policy()
        partners = load_partners()
    except (addresses.MailConfigError, PartnerConfigError) as error:
        return [str(error)]
    problems = []
    for partner in partners.partners:
        for field, value in (("email", partner.email), ("password_to", partner.password_to)):
            if value in (None, OUT_OF_BAND):
                continue
            try:
                addresses.checked(value, "partners", field=f"config/partners.yml {partner.id}.{field}", rules=rules)
            except addresses.AddressError as error:
                problems.append(str(error))
    return problems


SCAFFOLD_YML = """\
# {title}
# Fill in each field; `mi reports validate {path}` checks it. docs/adding-a-report.md explains all fields.
id: {report_id}
title: {title}
description: >
  One row per ... (say what one row is) for ... (say which period or date).
# weekly, fortnightly, monthly, every_2_months, quarterly, twice_termly, every_6_months, annual
cadence: monthly
recipients:              # roles from config/roles.yml, each with a scope (all, service, team, worker, school, agency)
  - {{role: TM, scope: team}}
burst_key: team_id       # the column that splits the report into one slice per team (delete if not sliced)
burst_label: team_name
standard: >
  The practice standard the report checks (e.g. visits every 10 working days).
columns:                 # every column the SQL returns, in order; types: text, int, decimal, percent, date
  - {{name: person_id, label: Person ID, checks: {{not_null: true, unique: true, severity: critical}}}}
  - {{name: team_id, label: Team ID, hidden: true}}
  - {{name: team_name, label: Team}}
summaries:
  - title: By team
    group_by: team_name
    measures:
      - {{name: children, label: Children, agg: count}}
"""

SCAFFOLD_SQL = """\
-- {title}
-- One statement. Parameters: :period_start, :period_end, :as_at (the period end). No now().
-- Building blocks (sql/_blocks/blocks.sql): open_cases_at, allocation_at, teams, cp_plans_at,
-- working_days, add_working_days, add_days, days_between, child_name.
with cases as (
    select * from {{{{ open_cases_at(':as_at') }}}} c
),

final as (
    select
        c.person_id,
        t.team_id,
        t.team_name
    from cases c
    left join {{{{ allocation_at(':as_at') }}}} a on a.person_id = c.person_id
    left join {{{{ teams() }}}} t on t.team_id = a.team_id
)

select * from final
order by team_name, person_id
"""


@reports_app.command("new")
def reports_new(
    report_id: str,
    area: Annotated[str, typer.Option(help="Folder under sql/, e.g. child_protection.")],
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
) -> None:
    """Scaffold sql/<area>/<id>.yml and .sql with comments, ready to edit.

    Example: mi reports new lac_visits_overdue --area looked_after
    """
    from reporting.definitions import REPORT_ID

    # the id names files and the area a folder under sql/: nothing that could leave it
    for name, value in (("report id", report_id), ("--area", area)):
        if not REPORT_ID.fullmatch(value):
            err.print(f"[red]{name} {value!r} is not allowed: expected 3-64 lower-case letters, digits and "
                      "underscores, starting with a letter (e.g. cp_visits_overdue, child_protection)[/]")
            raise typer.Exit(2)
    folder = settings.sql_dir() / area
    yml, sql = folder / f"{report_id}.yml", folder / f"{report_id}.sql"
    if yml.exists() or sql.exists():
        err.print(f"[red]{yml if yml.exists() else sql} already exists; not overwriting[/]")
        raise typer.Exit(1)
    folder.mkdir(parents=True, exist_ok=True)
    title = title or report_id.replace("_", " ").capitalize()
    yml.write_text(SCAFFOLD_YML.format(report_id=report_id, title=title, path=yml), encoding="utf-8")
    sql.write_text(SCAFFOLD_SQL.format(title=title), encoding="utf-8")
    out.print(f"created {yml}\ncreated {sql}\nnext: edit both, then `mi reports validate {yml}` "
              f"and `mi reports render {report_id} --as-at YYYY-MM-DD`")


@reports_app.command("render")
def reports_render(
    report_id: str,
    as_at: Annotated[date, run_date_option("Run date: the report covers its latest complete period.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Archive root (default MI_ARCHIVE_DIR).")] = None,
    fmt: Formats = None,
) -> None:
    """Render one report for its latest complete period at a date.

    Example: mi reports render cp_visits_due_next_week --as-at 2026-10-26
    """
    from reporting.runner import run_report
    from reporting.schedules.periods import latest_complete_period

    try:
        d = load_catalogue().get(report_id)
    except (KeyError, DefinitionLoadError) as error:
        err.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(1) from None
    period = latest_complete_period(d.spec.cadence, as_at)
    try:
        result = run_report(d, _engine(), period, period.end, formats=_formats(fmt), archive_root=out_dir)
    except Exception as error:  # noqa: BLE001 - shown to the user without a traceback
        err.print(f"[red]{report_id} failed:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    out.print(f"{report_id}: {result.rows} rows for {period.start} to {period.end}")
    for finding in result.data_quality:
        out.print(f"  [yellow]data quality[/] {finding['check']}: "
                  f"{finding['failing_rows']} rows ({finding['severity']})")
    for kind, path in sorted(result.outputs.items()):
        out.print(f"  {kind}: {path}")


@reports_app.command("catalogue")
def reports_catalogue(
    path: Annotated[Path, typer.Option(help="Where to write the catalogue.")] = CATALOGUE_DOC,
) -> None:
    """Write docs/report-catalogue.md from the definitions.

    Example: mi reports catalogue
    """
    from reporting.catalogue_doc import catalogue_markdown

    path.write_text(catalogue_markdown(_catalogue()), encoding="utf-8")
    out.print(f"wrote {path}")


def run_command(
    as_at: RunDate,
    cadence: CadenceChoice = None,
    everything: Annotated[bool, typer.Option("--all", help="Run every report.")] = False,
    fmt: Formats = None,
    index_dir: Annotated[Path, typer.Option("--index-dir", help="Where to write index.html.")] = INDEX_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON per report.")] = False,
    deliver: Annotated[bool, typer.Option("--deliver/--no-deliver", help="Send each recipient their copy "
                                                                        "(MI_SMTP_* or the outbox).")] = True,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Reports run at once, each in a worker "
                                             "process (default: number of CPUs; 1 runs them one by one in this "
                                             "process).")] = None,
) -> None:
    """Run the reports due on a date (or a cadence, or all), each for its latest complete period.

    Example: mi run --as-at 2026-10-26
    """
    from reporting.batch import run_batch, select_reports, write_index
    from reporting.delivery.transport import TransportConfigError, from_environment

    if deliver:  # before any report runs: a run that cannot send would otherwise fail after rendering all
        try:
            from_environment()
        except TransportConfigError as error:
            err.print(f"[red]{error}[/] (or run with --no-deliver)")
            raise typer.Exit(2) from None
    run_date = as_at
    selection = select_reports(_catalogue(), run_date, cadence=cadence, everything=everything)
    formats = _formats(fmt)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=as_json) as bar:
        task = bar.add_task("running reports", total=len(selection))
        items = run_batch(selection, _engine(), formats=formats, deliver=deliver, jobs=jobs or os.cpu_count() or 1,
                          run_date=run_date,
                          on_done=lambda item: bar.update(task, advance=1, description=item.report_id))
    index = write_index(items, run_date, index_dir)
    if as_json:
        print(json.dumps([i.as_json() for i in items], indent=2))
    else:
        table = Table(title=f"{len(items)} reports run for {run_date}")
        for column in ("report", "period", "status", "rows", "sent"):
            table.add_column(column)
        for i in items:
            colour = {"ok": "green", "warning": "yellow", "failed": "red"}[i.status]
            sent = "" if i.delivery is None else f"{i.delivery['sent']} (+{i.delivery['already_sent']} before)"
            table.add_row(i.report_id, f"{i.period.start} to {i.period.end}" if i.period else "",
                          f"[{colour}]{i.status}[/]", "" if i.rows is None else str(i.rows), sent)
        out.print(table)
        for i in items:
            if i.error:
                err.print(f"[red]{i.report_id}[/]: {i.error}")
        err.print(f"index: {index}")
    if any(i.status == "failed" for i in items):
        raise typer.Exit(1)


def schedule_command(
    year: Annotated[int, typer.Option(help="Calendar year.")],
    report: Annotated[str | None, typer.Option(help="Only this report.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: report_id, run_at, period_start, "
                                                         "period_end.")] = False,
) -> None:
    """Print the year's run dates and periods, from the same timetable Airflow uses.

    Example: mi schedule --year 2026 --report cp_visits_due_next_week
    """
    from reporting.schedules.year import year_schedule
    from reporting.working_calendar import covered

    first, last = covered()
    if not first.year <= year <= last.year:
        err.print(f"[red]{year} is outside the reporting calendar ({first:%d %b %Y} to {last:%d %b %Y}, the "
                  "school years in config/calendar.yml); add that year's term dates to schedule it[/]")
        raise typer.Exit(1)
    catalogue = _catalogue()
    reports = [d for d in catalogue.reports.values() if report is None or d.id == report]
    if report and not reports:
        err.print(f"[red]no report {report!r}[/]")
        raise typer.Exit(1)
    runs = year_schedule(year, [(d.id, d.spec.cadence, d.spec.due_working_day) for d in reports])
    if as_json:
        print(json.dumps([{k: r[k] for k in ("report_id", "run_at", "period_start", "period_end")} for r in runs],
                         indent=2))
        return
    table = Table("run at", "report", "cadence", "period", title=f"{len(runs)} runs in {year}")
    for r in runs:
        table.add_row(r["run_at"], r["report_id"], r["cadence"], f"{r['period_start']} to {r['period_end']}")
    out.print(table)
