"""How much the data-quality gate adds to a run, at camden scale.

    .venv/bin/python bench/quality.py --url sqlite:///var/casedb.sqlite [--write bench/results/quality_camden_sqlite.md]

Measures, in one process:
* importing Great Expectations and building the first context (paid once per Airflow task);
* the whole-database source validation (`reporting.quality.source.validate_source`), per table;
* per report, for the 12 weekly/fortnightly reports: the extract, the gate on its rows
  (`reporting.quality.gate.evaluate`: YAML checks + the report's JSON suite), and the render of
  HTML + CSV (PDF left out: it dominates a run and is measured in bench/render_reports.py).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--as-at", default="2026-10-26")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    as_at = date.fromisoformat(args.as_at)
    import os

    os.environ["MI_CASEDB_URL"] = args.url  # overview reports read indicators from the case database

    started = time.perf_counter()
    from reporting.quality.context import quiet_context

    quiet_context()
    gx_start = time.perf_counter() - started

    from reporting.quality.source import validate_source

    source = validate_source(args.url, as_at)

    import tempfile

    from sqlalchemy import create_engine

    from reporting.definitions import load_catalogue
    from reporting.extract import run_extract
    from reporting.quality.gate import evaluate
    from reporting.runner import render_report
    from reporting.schedules.periods import Period

    engine = create_engine(args.url)
    period = Period(as_at - timedelta(days=7), as_at - timedelta(days=1))
    lines, totals = [], {"extract": 0.0, "gate": 0.0, "render": 0.0}
    with tempfile.TemporaryDirectory() as scratch:
        for rid, report in load_catalogue().reports.items():
            t0 = time.perf_counter()
            extract = run_extract(report, engine, period_start=period.start, period_end=period.end, as_at=as_at)
            t1 = time.perf_counter()
            findings = evaluate(report, extract.rows)
            t2 = time.perf_counter()
            try:
                render_report(report, extract, period, as_at, formats=["html", "csv"], archive_root=Path(scratch),
                              data_quality=findings)
            except Exception as error:  # noqa: BLE001 - a report being built elsewhere must not stop the bench
                lines.append(f"| {rid} | {len(extract.rows)} | {t1 - t0:.2f} | {t2 - t1:.2f} | "
                             f"render failed: {type(error).__name__} |")
                continue
            t3 = time.perf_counter()
            totals["extract"] += t1 - t0
            totals["gate"] += t2 - t1
            totals["render"] += t3 - t2
            lines.append(f"| {rid} | {len(extract.rows)} | {t1 - t0:.2f} | {t2 - t1:.2f} | {t3 - t2:.2f} |")
    engine.dispose()
    slowest = sorted(source.table_seconds.items(), key=lambda kv: -kv[1])[:5]
    out = [f"# Data-quality gate timings ({platform.node()}, {platform.python_version()})", "",
           f"Database: `{source.database}`, as at {as_at}.", "",
           f"* GX import + first context: {gx_start:.1f} s",
           f"* source validation: {source.seconds:.1f} s for {source.tables} tables, {len(source.findings)} checks "
           f"({len(source.failed)} failed, {len(source.critical)} critical)",
           "* slowest tables: " + ", ".join(f"{t} {s:.2f} s" for t, s in slowest), "",
           "| report | rows | extract s | gate s | render html+csv s |", "|---|---:|---:|---:|---:|", *lines,
           f"| **total** | | {totals['extract']:.2f} | {totals['gate']:.2f} | {totals['render']:.2f} |", ""]
    text = "\n".join(out)
    print(text)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(text)


if __name__ == "__main__":
    main()
