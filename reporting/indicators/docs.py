"""docs/indicators.md, generated from the indicator definitions (never edited by hand).

Regenerate: python -m reporting.indicators.docs  (tests/test_indicators.py fails when stale).
"""

from __future__ import annotations

import sys

from reporting import settings
from reporting.definitions import load_catalogue
from reporting.indicators.loader import load_benchmarks, load_library

UNITS = {"percent": "percent", "rate_per_10000": "rate per 10,000 children", "count": "count", "days": "working days (mean)"}
BASES = {"month": "flow in the reporting period (months in the trend)", "rolling_12_months": "12 months to the period end",
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
             f"Rates per 10,000 use the child population {marks.population['children_0_17'].value:,} "
             f"({marks.population['children_0_17'].year}; {marks.population['children_0_17'].source.split(':')[0]}).", ""]
    for area in sorted({i.spec.area for i in library.indicators.values()}):
        lines += [f"## {area.replace('_', ' ').capitalize()}", ""]
        for indicator in (i for i in library.indicators.values() if i.spec.area == area):
            s = indicator.spec
            lines += [f"### {s.title} (`{s.id}`)", "", s.description, "",
                      f"- Numerator: {s.numerator}"]
            if s.denominator:
                lines.append(f"- Denominator: {s.denominator}")
            lines += [f"- Unit: {UNITS[s.unit]}; polarity: {s.polarity.replace('_', ' ')}; basis: {BASES[s.basis]}"]
            if s.target is not None:
                lines.append(f"- Target: {s.target:g}" + (f"; RAG green {s.rag.green:g}, amber {s.rag.amber:g}" if s.rag else ""))
            if s.standard:
                lines.append(f"- Standard: {s.standard}")
            series = marks.series.get(s.benchmark) if s.benchmark else None
            if series:
                for key, label in (("england", "England"), ("inner_london", "Inner London")):
                    src = getattr(series, key)
                    values = ", ".join(f"{y}: {v:g}" for y, v in sorted(src.values.items())) or "no benchmark"
                    lines.append(f"- Benchmark {label}: {values} (source: {src.source})")
            else:
                lines.append("- Benchmark: no benchmark")
            lines.append(f"- Used by: {', '.join(sorted(used.get(s.id, []))) or 'no overview yet'}")
            lines.append(f"- SQL: `indicators/{s.id}.sql`")
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    path = settings.REPO_ROOT / "docs" / "indicators.md"
    path.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
