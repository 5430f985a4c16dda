"""Daily housekeeping: archive retention and the source-table row counts.

Retention: the archive keeps each report's period folders (`<archive>/<id>/<period_end>/`) for
`MI_RETENTION_DAYS` days after the period ended (default 730, two years), then deletes them.
Only folders named like a date are touched; what is logged and returned is counts, never the
contents of a manifest (manifests name slices and, for some reports, schools or agencies).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from reporting import archive, settings
from reporting.casedb import readonly
from reporting.errors import MIError

log = logging.getLogger(__name__)
_PERIOD = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def retention_days() -> int:
    return settings.current().retention_days


def apply_retention(today: date | str, *, days: int | None = None, root: Path | None = None,
                    dry_run: bool = False) -> dict:
    """Delete period folders whose period ended more than `days` days before `today`."""
    today = date.fromisoformat(str(today)[:10]) if not isinstance(today, date) else today
    days = retention_days() if days is None else days
    root = root or settings.archive_dir()
    cutoff = today - timedelta(days=days)
    deleted, kept, reports = 0, 0, set()
    if root.is_dir():
        for report in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for folder in sorted(p for p in report.iterdir() if p.is_dir() and _PERIOD.match(p.name)):
                try:
                    ended = date.fromisoformat(folder.name)
                except ValueError:
                    continue
                if ended < cutoff:
                    if not dry_run:
                        # Rename first, so a half-deleted folder is never mistaken for a report.
                        doomed = folder.with_name(f".deleting-{folder.name}")
                        os.replace(folder, doomed)
                        shutil.rmtree(doomed)
                    deleted += 1
                    reports.add(report.name)
                else:
                    kept += 1
    # scratch folders of killed renders (`.work-*`) hold children's rows and belong to no period
    swept = 0 if dry_run else archive.sweep_work_folders(root)
    log.info("archive retention: %d abandoned scratch folder(s) removed", swept)
    log.info("archive retention: %d period folder(s) older than %s deleted from %d report(s); %d kept",
             deleted, cutoff, len(reports), kept)
    return {"cutoff": cutoff.isoformat(), "deleted": deleted, "kept": kept, "reports": len(reports),
            "scratch_removed": swept, "dry_run": dry_run}


def source_row_counts(url: str | None = None) -> dict[str, int]:
    """Rows per source table of the case database (placeholder for the GX source suite)."""
    from sqlalchemy import func, inspect, select, table

    engine = readonly.case_engine(url)
    try:
        names = sorted(inspect(engine).get_table_names())
        counts = {}
        with engine.connect() as conn:
            for name in names:
                counts[name] = conn.execute(select(func.count()).select_from(table(name))).scalar_one()
    finally:
        engine.dispose()
    log.info("source tables: %d, rows: %d", len(counts), sum(counts.values()))
    return counts


class CriticalSourceQualityError(MIError):
    """A critical source check failed (a key repeated or blank): names the checks and counts only."""


def source_quality(as_at: date | str, *, url: str | None = None, archive_root: Path | None = None) -> dict:
    """Validate the whole case database (GX, in SQL) and publish the page, summary and trend.

    Returns paths and counts for XCom. Raises CriticalSourceQualityError after publishing when a
    critical check failed, so the run fails and the failure notice (performance team and MOSAIC
    superusers) goes out with the page already there to read.
    """
    from reporting.quality.source import publish, validate_source

    as_at = date.fromisoformat(str(as_at)[:10]) if not isinstance(as_at, date) else as_at
    result = validate_source(url, as_at)
    paths = publish(result, archive_root)
    log.info("source data quality page: %s (trend: %s)", paths["page"], paths["trend"])
    summary = {"as_at": as_at.isoformat(), "tables": result.tables, "checks": len(result.findings),
               "failed": len(result.failed), "critical": len(result.critical),
               "seconds": round(result.seconds, 1), **paths}
    if result.critical:
        detail = "; ".join(f"{f['table']}: {f['check']!r} failed on {f['failing_rows']} row(s)"
                           for f in result.critical)
        raise CriticalSourceQualityError(f"critical source data-quality check(s) failed ({paths['page']}): {detail}")
    return summary


def board_digest(today: date) -> dict:
    """E-mail the performance team the MI board of the 7 days to `today`; returns counts."""
    from reporting.board import board, digest, slice_names
    from reporting.orchestration import notify

    since = today - timedelta(days=6)
    rows = board(since, today, slice_name=slice_names())
    subject, lines = digest(rows, since, today)
    notify.send(notify.notice(settings.performance_team_email(), subject, lines))
    return {"runs": len(rows), "not_ready": sum(r.status != "ready" for r in rows)}

