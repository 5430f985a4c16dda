"""Time the reports per stage at a scale, and the raw WeasyPrint time for the same HTML.

Usage: .venv/bin/python bench/render_reports.py --url sqlite:///var/casedb.sqlite [--cadence weekly,fortnightly]

Prints a Markdown table: per report the query time, our HTML render, our PDF write (WeasyPrint
plus tagging check and atomic write), and WeasyPrint alone on the identical HTML, so the
overhead of our code over the renderer is visible.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine
from weasyprint import HTML

from reporting.definitions import load_catalogue
from reporting.extract import run_extract
from reporting.render import TEMPLATE_DIR
from reporting.runner import render_report
from reporting.schedules.periods import latest_complete_period


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--as-at", default="2026-10-26")
    parser.add_argument("--cadence", default="weekly,fortnightly")
    args = parser.parse_args()
    cadences = set(args.cadence.split(","))
    engine = create_engine(args.url)
    run_date = date.fromisoformat(args.as_at)
    print("| report | rows | query s | html s | pdf s | raw WeasyPrint s | pdf/raw |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    totals = [0.0, 0.0, 0.0, 0.0]
    started = time.perf_counter()
    for definition in load_catalogue().reports.values():
        if definition.spec.cadence not in cadences:
            continue
        period = latest_complete_period(definition.spec.cadence, run_date)
        extract = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=period.end)
        with tempfile.TemporaryDirectory() as tmp:
            result = render_report(definition, extract, period, period.end, archive_root=Path(tmp),
                                   formats=["html", "pdf"], data_quality=[])
            html = Path(result.outputs["html"]).read_text()
        t0 = time.perf_counter()
        HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf(pdf_variant="pdf/ua-1")
        raw = time.perf_counter() - t0
        pdf = result.timings["render_pdf"]
        row = [extract.seconds, result.timings["render_html"], pdf, raw]
        totals = [a + b for a, b in zip(totals, row)]
        print(f"| {definition.id} | {result.rows} | {row[0]:.3f} | {row[1]:.3f} | "
              f"{pdf:.2f} | {raw:.2f} | {pdf / raw:.2f} |")
    print(f"| **total** | | {totals[0]:.2f} | {totals[1]:.2f} | {totals[2]:.2f} | {totals[3]:.2f} | "
          f"{totals[2] / totals[3]:.2f} |")
    print(f"\nwall time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
