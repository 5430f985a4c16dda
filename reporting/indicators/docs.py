"""docs/indicators.md, generated from the indicator definitions (never edited by hand).

Regenerate: python -m reporting.indicators.docs  (tests/test_indicators.py fails when stale).
"""

from __future__ import annotations

import sys
from typing import cast

from reporting import settings
from reporting.definitions import load_catalogue
from reporting.indicators import population
from reporting.indicators.benchmark_import import SYMBOLS, Computed, load_sources
from reporting.indicators.loader import load_benchmarks, load_library
from reporting.indicators.models import COMPARATORS
from reporting.text import area_name

UNITS = {"percent": "percent", "rate_per_10000": "rate per 10,000 children", "count": "count",
         "days": "working days (mean)"}
BASES = {"month": "flow in the reporting period (months in the trend)",
         "rolling_12_months": "12 months to the period end",
         "year_to_date": "financial year to date", "snapshot": "position at the period end"}


def render() -> str:
    library = load_library()
    marks = load_benchmarks()
    used: dict[str, list[str]] = {}
    for report in load_catalogue().reports.values():
        for i in report.spec.indicators or []:
            used.setdefault(i, []).append(report.id)
    lines = ["# Indicators", "",
             "Generated from `indicators/*.yml` by `python -m reporting.indicators.docs`; do not edit by hand.",
             "Each indicator is defined once and reused by every overview. Benchmarks come from",
             "`config/benchmarks.yml` (source named per series); a missing value is shown as \"no benchmark\".",
             _population_line(), ""]
    for area in sorted({i.spec.area for i in library.indicators.values()}):
        lines += [f"## {area_name(area)}", ""]
        for indicator in (i for i in library.indicators.values() if i.spec.area == area):
            s = indicator.spec
            lines += [f"### {s.title} (`{s.id}`)", "", s.description, "",
                      f"- Numerator: {s.numerator}"]
            if s.denominator:
                lines.append(f"- Denominator: {s.denominator}")
            lines.append(f"- Whose figure (a trend's legend): {s.population}")
            lines += [f"- Unit: {UNITS[s.unit]}; polarity: {s.polarity.replace('_', ' ')}; basis: {BASES[s.basis]}"]
            if s.target is not None:
                targets = (", ".join(f"{y}-{str(y + 1)[2:]}: {v:g}" for y, v in sorted(s.target.items()))
                           if isinstance(s.target, dict) else f"{s.target:g}")
                lines.append(f"- Target: {targets}"
                             + (f"; RAG green {s.rag.green:g}, amber {s.rag.amber:g}" if s.rag else "")
                             + f" (source: {s.target_source})")
            if s.standard:
                lines.append(f"- Standard: {s.standard}")
            lines.append(f"- Definition: {s.definition}")
            if s.deviation:
                lines.append(f"- Local deviation: {s.deviation}")
            if s.companion:
                lines.append(f"- Shown beside: `{s.companion}`")
            series = marks.series.get(s.benchmark) if s.benchmark else None
            if series:
                for key, label in COMPARATORS.items():
                    src = getattr(series, key)
                    values = ", ".join(f"{y}: {v:g}" for y, v in sorted(src.values.items())) or "no benchmark"
                    lines.append(f"- Benchmark {label}: {values} (source: {src.source})")
            else:
                lines.append("- Benchmark: no benchmark")
            lines.append(f"- Used by: {', '.join(sorted(used.get(s.id, []))) or 'no overview yet'}")
            lines.append(f"- SQL: `indicators/{s.id}.sql`")
            lines.append("")
    lines += _benchmark_refresh(marks)
    return "\n".join(lines)


def _population_line() -> str:
    chosen = population.series()
    years = ", ".join(f"mid-{y}: {v:,}" for y, v in sorted(chosen.estimates.items()))
    return (f"Rates per 10,000 divide by the ONS mid-year estimate of {chosen.label} for the period's "
            f"reporting year (the DfE's rule: year ending 31 March Y uses mid-(Y-1); the latest earlier "
            f"estimate, said on the report, when that one is not published yet), from `config/population.yml`: "
            f"{years} (source: {chosen.source}).")


def _benchmark_refresh(marks) -> list[str]:
    """How the benchmarks are refreshed from the DfE's files, from config/benchmark_sources.yml."""
    sources = load_sources()
    group, area = sources.statistical_neighbours, sources.local_authority
    symbols = ", ".join(f"`{s}`" for s in sorted(SYMBOLS) if s)
    lines = [
        "## Benchmarks: refreshing from the DfE's files", "",
        ("Once a year, when the DfE publishes, download the CSV files of the publications below from Explore "
         "Education Statistics (as published, not edited) and run:"), "",
        "    mi benchmarks import FILE...          # shows what would change: series, comparator, year, old -> new",
        "    mi benchmarks import FILE... --write  # updates the series in config/benchmarks.yml", "",
        "- Each file is recognised by its header (`config/benchmark_sources.yml`) and read as published.",
        (f"- England is the National row, Inner London the Regional row {sources.inner_london.region_code}, "
         f"{area.name} the Local authority row {area.new_la_code}."),
        (f"- Statistical neighbours: the mean of the {len(group.local_authorities)} neighbours' values, given for "
         f"a year only when all are published ({', '.join(la.name for la in group.local_authorities)}; "
         f"{group.source})."),
        (f"- Cells {symbols} or blank are not published: they never become numbers and the year stays empty. A "
         "share worked out from published counts says \"computed from published counts\" in its note."),
        "- Where two files give the same year, the newer release wins.",
        ("- An unknown header, or a cell that is neither a number nor a known symbol, stops the import with the "
         "file, line and column; nothing is written."),
        ("- Overview tiles show the latest England and Inner London values up to the period's year, with that "
         "year, named as a financial year (\"England 2024-25: 81.4%\" for the year to 31 March 2025)."), "",
        "| Series | File | Value | Rows | As published |", "| --- | --- | --- | --- | --- |"]
    covered = set()
    for layout in sources.layouts.values():
        for series, rule in layout.series.items():
            covered.add(series)
            formula = rule.computed and f"({' + '.join(rule.computed.add)}) / {rule.computed.divide_by}"
            value = f"`{rule.column}`" if rule.column else \
                f"{formula} x {cast(Computed, rule.computed).times} (computed)"  # computed: no column (_one_way)
            rows = ", ".join(f"{k} = {v}" for k, v in rule.filters.items()) or "all"
            lines.append(f"| `{series}` | {layout.description} | {value} | {rows} | {rule.scale} |")
    lines += ["", "Files recognised but not imported:", ""]
    lines += [f"- {layout.description}: {layout.reason}" for layout in sources.layouts.values() if layout.reason]
    missing = sorted(set(marks.series) - covered)
    lines += ["", (f"No mapped file covers {', '.join(f'`{s}`' for s in missing)}: their values stay as "
                   "entered, with their sources."), ""]
    return lines


def main() -> None:
    path = settings.REPO_ROOT / "docs" / "indicators.md"
    path.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
