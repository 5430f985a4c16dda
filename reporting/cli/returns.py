"""`mi returns ...`: the statutory returns (CIN census, SSDA903) and Ofsted's Annex A lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from reporting.cli.common import CaseDbUrl, date_option

returns_app = typer.Typer(help="Statutory returns and Ofsted Annex A lists from the case database.",
                          no_args_is_help=True)


CollectionYear = Annotated[int, typer.Option(help="Collection year ending 31 March, e.g. 2026.")]


def _engine(url: str | None):
    from reporting.casedb import readonly

    return readonly.case_engine(url)


def _out(out: Path | None, name: str) -> Path:
    from reporting import settings

    return out or settings.var_dir() / "returns" / name


def _report(result) -> None:
    for path in result.files:
        typer.echo(f"wrote {path}")
    for key, count in result.summary.items():
        typer.echo(f"  {key}: {count:,}")


@returns_app.command("cin-census")
def cin_census_command(
    year: CollectionYear,
    url: CaseDbUrl = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: var/returns/cin).")] = None,
) -> None:
    """The CIN census XML for the year to 31 March YEAR. Example: mi returns cin-census --year 2026"""
    from reporting.returns import cin_census

    _report(cin_census.build(_engine(url), year, _out(out, "cin")))


@returns_app.command("ssda903")
def ssda903_command(
    year: CollectionYear,
    url: CaseDbUrl = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: var/returns/ssda903).")] = None,
) -> None:
    """The SSDA903 CSV tables for the year to 31 March YEAR. Example: mi returns ssda903 --year 2026"""
    from reporting.returns import ssda903

    _report(ssda903.build(_engine(url), year, _out(out, "ssda903")))


@returns_app.command("annex-a")
def annex_a_command(
    as_at: Annotated[date, date_option("--as-at", help_text="Date the lists are drawn at.")],
    url: CaseDbUrl = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: var/returns/annex_a).")] = None,
) -> None:
    """Ofsted Annex A lists 1-11 (XLSX) as at AS_AT: lists 1-8 for the 6 months to it, 9 on it, 10-11 for 12 months.

    Values a list could not write as the specification codes them are counted on the workbook's
    "Data quality" sheet and listed here. Exit 2 when the Annex A definitions are inconsistent.
    Example: mi returns annex-a --as-at 2026-10-26
    """
    from reporting.returns import annex_a
    from reporting.returns.annex_a_spec import AnnexAConfigError

    try:
        result = annex_a.build(_engine(url), as_at, _out(out, "annex_a"))
    except AnnexAConfigError as error:
        typer.echo(f"cannot build Annex A: {error}", err=True)
        raise typer.Exit(2) from None
    _report(result)
    findings = result.findings
    if findings:
        typer.echo("Data quality (the workbook's 'Data quality' sheet):")
    for f in findings:
        recorded = f" (recorded as {f.value!r})" if f.value else ""
        typer.echo(f"  {f.sheet} / {f.header}: {f.rows:,} rows {f.problem}{recorded}")


@returns_app.command("validate")
def validate_command(
    year: CollectionYear,
    url: CaseDbUrl = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: var/returns-check).")] = None,
    create_venv: Annotated[bool, typer.Option("--create-venv/--no-create-venv",
                                              help="Create the validators' virtualenv if it is missing.")] = True,
) -> None:
    """Build the SSDA903 and CIN census returns and check both with the DfE validators; exit 1 on any error.

    Writes OUT/ssda903/*.csv, OUT/cin/cin_census_YEAR.xml and OUT/validation.json (errors and
    queries per rule). Example: mi returns validate --year 2026
    """
    from reporting import settings
    from reporting.returns import cin_census, ssda903, validate

    folder = out or settings.var_dir() / "returns-check"
    try:  # before the builds, which take a while: a missing venv should say so at once
        validate.ensure_venv(create=create_venv)
    except validate.ValidatorsMissing as error:
        typer.echo(f"validate: {error}", err=True)
        raise typer.Exit(2) from None
    engine = _engine(url)
    try:
        _report(ssda903.build(engine, year, folder / "ssda903"))
        _report(cin_census.build(engine, year, folder / "cin"))
    finally:
        engine.dispose()
    try:
        summary = validate.validate(year, ssda903=folder / "ssda903", cin=folder / "cin" / f"cin_census_{year}.xml",
                                    out=folder, create_venv=create_venv)
    except (validate.ValidatorsMissing, validate.ValidatorsCrashed) as error:
        typer.echo(f"validate: {error}", err=True)
        raise typer.Exit(2) from None
    for line in summary.lines():
        typer.echo(line)
    typer.echo(f"wrote {folder / validate.SUMMARY_FILE}")
    typer.echo("validate: " + ("passed: zero errors" if summary.passed else f"FAILED: {summary.errors} error(s)"))
    raise typer.Exit(0 if summary.passed else 1)
