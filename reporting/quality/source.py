"""Validate the whole case database with the source suites, and publish the results.

The checks run as SQL in the database (GX SQL datasource on SQLite, PostgreSQL or any SQLAlchemy
URL): GX asks for counts, so child rows never come into Python. What is kept - the JSON summary,
the HTML page and the trend page under `<archive>/_quality/` - is labels and counts.

    <archive>/_quality/<as-at date>/summary.json   one run's findings per table
    <archive>/_quality/<as-at date>/index.html     the same as a page
    <archive>/_quality/trend.html                  failing rows per check over every kept run
    <archive>/_quality/index.html                  the latest run (a copy), with a link to the trend
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from reporting import settings
from reporting.quality.context import RESULT_FORMAT, finding_from_result, quiet_context
from reporting.quality.suites import source_rules

log = logging.getLogger(__name__)
QUALITY_DIR = "_quality"
SUMMARY = "summary.json"


@dataclass
class SourceResult:
    as_at: date
    database: str  # the URL without its password
    findings: list[dict]
    seconds: float
    tables: int
    table_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict]:
        return [f for f in self.findings if not f["success"]]

    @property
    def critical(self) -> list[dict]:
        return [f for f in self.failed if f["severity"] == "critical"]

    def summary(self) -> dict:
        return {
            "as_at": self.as_at.isoformat(), "database": self.database,
            "validated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "seconds": round(self.seconds, 2), "tables": self.tables, "checks": len(self.findings),
            "failed": len(self.failed), "critical": len(self.critical),
            "findings": self.findings,
        }


def _datasource(context, url: str):
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return context.data_sources.add_sqlite("casedb", connection_string=url)
    # The generic SQL datasource takes any SQLAlchemy URL (postgresql+psycopg, mssql+pyodbc...).
    return context.data_sources.add_sql("casedb", connection_string=url)


def validate_source(url: str | None = None, as_at: date | str | None = None, *,
                    tables: list[str] | None = None, expectations_root: Path | None = None) -> SourceResult:
    """Run every source suite (or those of `tables`) against the database at `url`."""
    import great_expectations as gx

    url = url or settings.casedb_url()
    as_at = _as_date(as_at or settings.DEMO_AS_AT)
    rules = source_rules(as_at, tables, expectations_root)
    started = time.perf_counter()
    context = quiet_context()
    datasource = _datasource(context, url)
    findings: list[dict] = []
    table_seconds: dict[str, float] = {}
    for table, table_rules in rules.items():
        t0 = time.perf_counter()
        batch = datasource.add_table_asset(name=table, table_name=table) \
            .add_batch_definition_whole_table("whole").get_batch()
        suite = gx.ExpectationSuite(name=f"source.{table}", expectations=[r.expectation() for r in table_rules])
        result = batch.validate(suite, result_format=RESULT_FORMAT)
        for r in result.results:
            finding = finding_from_result(r, table=table)
            finding["origin"] = r.expectation_config.meta.get("origin", "derived")
            findings.append(finding)
        table_seconds[table] = round(time.perf_counter() - t0, 3)
    order = {table: i for i, table in enumerate(rules)}
    findings.sort(key=lambda f: (order[f["table"]], f["check"]))
    seconds = time.perf_counter() - started
    result = SourceResult(as_at, make_url(url).render_as_string(hide_password=True), findings, seconds,
                          len(rules), table_seconds)
    log.info("source data quality: %d table(s), %d check(s), %d failed (%d critical) in %.1fs",
             result.tables, len(findings), len(result.failed), len(result.critical), seconds)
    return result


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# ---- publishing --------------------------------------------------------------------------------
def quality_root(archive_root: Path | None = None) -> Path:
    return (archive_root or settings.archive_dir()) / QUALITY_DIR


def publish(result: SourceResult, archive_root: Path | None = None) -> dict:
    """Write the run's summary.json and index.html, then rebuild the trend page; return the paths."""
    from reporting.quality.pages import render_run_page, render_trend_page

    root = quality_root(archive_root)
    folder = root / result.as_at.isoformat()
    summary = result.summary()
    _write_atomic(folder / SUMMARY, json.dumps(summary, indent=1, sort_keys=True) + "\n")
    history = load_history(root)
    page = render_run_page(summary, trend_href="../trend.html")
    _write_atomic(folder / "index.html", page)
    _write_atomic(root / "index.html", render_run_page(summary, trend_href="trend.html",
                                                      run_href=f"{result.as_at.isoformat()}/index.html"))
    _write_atomic(root / "trend.html", render_trend_page(history))
    return {"page": str(folder / "index.html"), "summary": str(folder / SUMMARY),
            "trend": str(root / "trend.html"), "latest": str(root / "index.html")}


def load_history(root: Path) -> list[dict]:
    """Every kept run's summary, oldest first (a folder with an unreadable summary is skipped)."""
    runs = []
    if root.is_dir():
        for path in sorted(root.glob(f"*/{SUMMARY}")):
            try:
                runs.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as error:
                log.warning("skipping %s in the trend: %s", path, type(error).__name__)
    return sorted(runs, key=lambda r: r["as_at"])


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
