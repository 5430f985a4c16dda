"""`mi benchmarks ...`: benchmark values from the DfE's published statistics (config/benchmarks.yml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

benchmarks_app = typer.Typer(help="Benchmarks (England, Inner London, Camden, statistical neighbours) from the "
                             "DfE's published files.", no_args_is_help=True)


@benchmarks_app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True,
                                                help="EES CSV files as downloaded from explore-education-statistics.")],
    write: Annotated[bool, typer.Option("--write", help="Update config/benchmarks.yml (default: only show what "
                                                        "would change).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the files, changes and gaps as JSON.")] = False,
) -> None:
    """Read the DfE's Explore Education Statistics CSVs as published and fill the benchmark series.

    Each file is recognised by its header (config/benchmark_sources.yml).

    It gives England, Inner London (E13000001), Camden and the statistical-neighbour mean per year.

    Suppressed values (c, k, low, u, x, z, :) stay "not published". Without --write nothing changes.

    Example: mi benchmarks import c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv --write
    """
    import yaml
    from pydantic import ValidationError

    from reporting.indicators import loader
    from reporting.indicators.benchmark_import import (
        BenchmarkImportError,
        benchmarks_path,
        import_files,
        load_sources,
        merge,
        write_series,
    )
    from reporting.indicators.models import Benchmarks

    path = benchmarks_path()
    try:  # a broken benchmarks.yml is named and left alone, never overwritten
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        Benchmarks.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        typer.echo(f"{path}: cannot be read as benchmarks: {error}", err=True)
        raise typer.Exit(1) from None
    try:
        sources = load_sources()
        result = import_files(files, sources, known_series=set(raw["series"]))
        series, changes = merge(raw["series"], result)
        if write and changes:
            write_series(path, series)
            loader.load_benchmarks.cache_clear()  # this process's overviews see the new values
    except BenchmarkImportError as error:
        for problem in error.problems:
            typer.echo(problem, err=True)
        typer.echo("nothing imported, nothing written", err=True)
        raise typer.Exit(1) from None
    values_changed = [c for c in changes if c.year is not None]
    written = bool(write and changes)
    if as_json:
        typer.echo(json.dumps({
            "benchmarks": str(path), "written": written,
            "files": [{"file": str(r.path), "layout": r.layout, "latest_year": r.latest, "reason": r.reason,
                       "series": sorted(sources.layouts[r.layout].series)} for r in result.files],
            "changes": [{"series": c.series, "comparator": c.comparator, "year": c.year, "old": c.old, "new": c.new}
                        for c in values_changed],
            "texts_updated": len(changes) - len(values_changed),
            "not_published": [{"series": g.series, "comparator": g.comparator, "year": g.year, "reason": g.reason}
                              for g in result.gaps],
        }, indent=2))
        return
    for reading in result.files:
        layout = sources.layouts[reading.layout]
        what = (", ".join(layout.series) if layout.series else f"nothing imported: {reading.reason}")
        typer.echo(f"{reading.path.name}: {reading.layout} (to {reading.latest}) -> {what}")
    if not changes:
        typer.echo(f"No changes: {path} already has these values.")
    else:
        typer.echo(f"{'Changed' if written else 'Would change'} in {path}:")
        for change in values_changed:
            typer.echo(f"  {change.line()}")
        if len(changes) > len(values_changed):
            typer.echo(f"  (and the source/note text of {len(changes) - len(values_changed)} series and comparators)")
    if result.gaps:
        typer.echo("No value (not published, or no row in the file; left empty, never estimated):")
        for gap in result.gaps:
            typer.echo(f"  {gap.series} {gap.comparator} {gap.year}: {gap.reason}")
    if changes and not write:
        typer.echo("Nothing written: run again with --write to update the file.")
