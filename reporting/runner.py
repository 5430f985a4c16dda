"""Run one report for one period: extract, check, summarise, render, archive.

The same functions serve `mi reports render`, `mi run` and the Airflow tasks, so what a
data officer tries at the command line is what production runs. Child-level rows stay in
memory and in the archive; what is returned (and logged) is paths, counts and hashes.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine

from reporting import archive, disclosure, settings
from reporting.coverage import describe
from reporting.definitions import Definition, ReportDefinition
from reporting.extract import Extract, run_extract
from reporting.render import render_html, write_csv, write_pdf, write_xlsx
from reporting.schedules.periods import Period

CLASSIFICATION = {"internal": "OFFICIAL-SENSITIVE", "partner": "OFFICIAL-SENSITIVE",
                  "aggregate": "OFFICIAL"}


@dataclass
class RenderResult:
    report_id: str
    period: Period
    folder: Path
    rows: int
    outputs: dict[str, str]  # format -> path
    content_hash: str
    data_quality: list[dict]
    timings: dict[str, float] = field(default_factory=dict)
    slice_key: str | None = None


# ---- data quality (the simple YAML checks; the GX gate builds on the same findings) -------------
def column_checks(spec: Definition, rows: list[dict]) -> list[dict]:
    findings = []
    for column in spec.columns:
        checks = column.checks
        if checks is None:
            continue
        values = [r[column.name] for r in rows]
        failing: dict[str, int] = {}
        if checks.not_null:
            failing[f"{column.label} is blank"] = sum(v is None for v in values)
        if checks.unique:
            present = [v for v in values if v is not None]
            failing[f"{column.label} is repeated"] = len(present) - len(set(present))
        if checks.accepted_values is not None:
            allowed = set(checks.accepted_values)
            failing[f"{column.label} not one of {', '.join(checks.accepted_values)}"] = sum(
                v is not None and str(v) not in allowed for v in values)
        if checks.min is not None:
            failing[f"{column.label} below {checks.min:g}"] = sum(v is not None and v < checks.min for v in values)
        if checks.max is not None:
            failing[f"{column.label} above {checks.max:g}"] = sum(v is not None and v > checks.max for v in values)
        for check, count in failing.items():
            if count:
                findings.append({"check": check, "column": column.name, "severity": checks.severity,
                                 "failing_rows": count,
                                 "meaning": checks.meaning or "Rows affected may be miscounted or missing "
                                 "from the figures until the record is corrected."})
    from reporting.quality.report_checks import unreadable_text

    return findings + unreadable_text(spec, rows)


# ---- slices --------------------------------------------------------------------------------------
def slice_keys(spec: Definition, rows: list[dict]) -> list[str]:
    """The slices of a burst report, sorted: one per distinct burst-key value.

    Rows with no value (None or blank: not allocated to a team, worker or school) are in the whole
    report only; nobody's slice is "blank"."""
    if not spec.burst_key:
        return []
    return sorted({str(r[spec.burst_key]) for r in rows
                   if r[spec.burst_key] is not None and str(r[spec.burst_key]).strip()})


def slice_rows(spec: Definition, rows: list[dict], slice_key: str | None) -> list[dict]:
    if slice_key is None:
        return rows
    return [r for r in rows if str(r[spec.burst_key]) == slice_key]


# ---- rendering -----------------------------------------------------------------------------------
def render_report(definition: ReportDefinition, extract: Extract, period: Period, as_at: date, *,
                  formats: list[str] | None = None, slice_key: str | None = None,
                  archive_root: Path | None = None, generated_at: datetime | None = None,
                  data_quality: list[dict] | None = None, engine: Engine | None = None) -> RenderResult:
    """Render a report (or one slice of it) into its archive folder, atomically."""
    spec = definition.spec
    formats = list(formats or settings.output_formats() or spec.outputs)
    rows = slice_rows(spec, extract.rows, slice_key)
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    findings = column_checks(spec, rows) if data_quality is None else data_quality
    visible = [c.model_dump() for c in spec.columns if not c.hidden]
    slice_label = None
    if slice_key is not None:
        label_column = spec.burst_label or spec.burst_key
        slice_label = str(rows[0][label_column]) if rows else slice_key
    unsuppressed = rows  # the overview context applies its own disclosure control to its tables
    # Aggregate reports publish figures: counts 1-5 become "c", with secondary suppression (DfE
    # convention), in the rows (and so in every output and the content hash), the summaries and
    # their charts, all read together. The e-mail's headline figures come from the same function.
    publication = disclosure.published(spec, rows)
    rows, table_summaries, cells_hidden = publication.rows, publication.summaries, publication.disclosure
    context = {
        "report": {"id": spec.id, "title": spec.title, "description": spec.description,
                   "classification": CLASSIFICATION[spec.sensitivity], "standard": spec.standard,
                   "counting_note": spec.counting_note,
                   # said only when it is not simply the reporting period above it
                   "figures_cover": None if spec.figures_cover == "period" else describe(spec.figures_cover, period)},
        "period": {"start": period.start, "end": period.end, "as_at": as_at},
        "generated_at": generated_at.strftime("%d %b %Y %H:%M UTC"),
        "columns": visible, "rows": rows, "summaries": table_summaries,
        "data_quality": findings, "slice_label": slice_label,
    }
    if spec.indicators:  # an overview: tiles, trends and benchmarks from the indicator library
        from reporting.indicators.overview import overview_context

        context.update(overview_context(spec, unsuppressed, period, as_at, engine))
    final = archive.period_dir(spec.id, period.end.isoformat(), slice_key, archive_root)
    timings: dict[str, float] = {}
    outputs: dict[str, str] = {}
    hashes: dict[str, str] = {}
    # the whole report's files go into the period folder beside slices/, deliveries/ and sent/
    with archive.building(final, files_only=slice_key is None) as work:
        started = time.perf_counter()
        html = render_html(spec.template, context, extra_dirs=[definition.yaml_path.parent])
        timings["render_html"] = time.perf_counter() - started
        stem = spec.id if slice_key is None else f"{spec.id}__{_safe(slice_key)}"
        if "html" in formats:
            (work / f"{stem}.html").write_text(html, encoding="utf-8")
        pdf_rows = len(rows)
        if "pdf" in formats:
            pdf_html = html
            cap = pdf_row_cap(spec, formats)
            if cap and len(rows) > cap:
                started = time.perf_counter()
                pdf_html = render_html(spec.template, {**context, "row_cap": {
                    "shown": cap, "total": len(rows), "spreadsheet": spreadsheet_names(stem, formats)}},
                    extra_dirs=[definition.yaml_path.parent])
                timings["render_html"] += time.perf_counter() - started
                pdf_rows = cap
            started = time.perf_counter()
            write_pdf(pdf_html, work / f"{stem}.pdf", title=spec.title, created=generated_at)
            timings["render_pdf"] = time.perf_counter() - started
        started = time.perf_counter()
        table_columns = [c.model_dump() for c in spec.columns]
        if "csv" in formats:
            write_csv(table_columns, rows, work / f"{stem}.csv")
        if "xlsx" in formats:
            write_xlsx(table_columns, rows, work / f"{stem}.xlsx", title=spec.title,
                       fixed_timestamp=datetime.combine(as_at, datetime.min.time()))
        timings["render_tabular"] = time.perf_counter() - started
        for path in sorted(work.iterdir()):
            outputs[path.suffix.lstrip(".")] = str(final / path.name)
            hashes[path.name] = archive.file_hash(path)
        content = data_hash(table_columns, rows)
        archive.write_manifest(work, {
            "report_id": spec.id, "title": spec.title, "slice": slice_key, "slice_label": slice_label,
            "period_start": period.start, "period_end": period.end, "as_at": as_at,
            "parameters": {"period_start": period.start, "period_end": period.end, "as_at": as_at},
            "definition_hash": definition.definition_hash, "sql_hash": definition.sql_hash,
            "rows": len(rows), "pdf_rows": pdf_rows if "pdf" in formats else None, "content_hash": content,
            "file_hashes": hashes, "disclosure_control": cells_hidden,
            "sample": extract.sample,
            "data_quality": [{k: f[k] for k in ("check", "severity", "failing_rows")} for f in findings],
            "generated_at": generated_at.isoformat(),
            "timings": {k: round(v, 3) for k, v in {**timings, "extract": extract.seconds}.items()},
        })
    return RenderResult(spec.id, period, final, len(rows), outputs, content, findings, timings, slice_key)


def pdf_row_cap(spec: Definition, formats: list[str]) -> int:
    """Rows of the list the PDF shows (0: every row).

    Only when a spreadsheet is written beside the PDF: every recipient of these files gets the
    spreadsheet with the PDF (reporting.delivery.deliver attaches both), so no row goes
    missing. Partners get the encrypted PDF alone, rendered without a spreadsheet: uncapped.
    """
    if not {"csv", "xlsx"} & set(formats):
        return 0
    return spec.pdf_max_rows if spec.pdf_max_rows is not None else settings.pdf_max_rows()


def spreadsheet_names(stem: str, formats: list[str]) -> str:
    """How the PDF names the spreadsheet(s) holding the full list, e.g. "cin_visits.xlsx / .csv"."""
    suffixes = [f for f in ("xlsx", "csv") if f in formats]
    return f"{stem}." + " / .".join(suffixes)


def data_hash(columns: list[dict], rows: list[dict]) -> str:
    """The content hash: the report's data in a canonical text form, independent of layout."""
    digest = hashlib.sha256()
    names = [c["name"] for c in columns]
    digest.update(("\t".join(names) + "\n").encode())
    for row in rows:
        digest.update(("\t".join("" if row[n] is None else str(row[n]) for n in names) + "\n").encode())
    return digest.hexdigest()


def _safe(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)


def run_report(definition: ReportDefinition, engine: Engine, period: Period, as_at: date, *,
               formats: list[str] | None = None, archive_root: Path | None = None,
               generated_at: datetime | None = None) -> RenderResult:
    from reporting.quality.gate import evaluate

    with archive.period_lock(definition.id, period.end.isoformat(), archive_root):
        extract = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=as_at)
        # The GX gate's findings (YAML checks + expectations/reports/<id>.json); `column_checks` stays
        # the fallback render_report uses for slices and callers that pass no findings. Rendering from
        # `mi` shows critical findings in the report instead of stopping: only delivery is gated.
        return render_report(definition, extract, period, as_at, formats=formats, archive_root=archive_root,
                             generated_at=generated_at, data_quality=evaluate(definition, extract.rows),
                             engine=engine)
