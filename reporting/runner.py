"""The render stage: a report's rows (or a planned copy's) into HTML, PDF, CSV and XLSX in the archive.

`render_report` renders rows with the gate's findings for them; `render_copy` and `render_plan`
render the copies `reporting.plan` planned (the whole report, burst slices, custom copies), each
with the findings counted on its own rows; `run_report` is extract -> gate -> render of the whole
report (`mi reports render`). The same functions serve `mi run` and the Airflow tasks, so what a
data officer tries at the command line is what production runs. Child-level rows stay in memory
and in the archive; what is returned (and logged) is paths, counts and hashes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine

from reporting import archive, commentary, disclosure, settings, since_last
from reporting.coverage import describe
from reporting.definitions import CLASSIFICATION, Definition, ReportDefinition
from reporting.delivery import partners as encryption
from reporting.delivery.slices import CUSTOM
from reporting.extract import Extract, run_extract
from reporting.indicators.front_page import headline as overview_headline
from reporting.indicators.run_figures import shared_for_this_run
from reporting.plan import ANY, Copy, RunPlan, copy_findings
from reporting.quality.gate import Findings
from reporting.render import atomic_write_bytes, render_html, render_pdf_bytes, write_csv, write_xlsx
from reporting.render.burst import BurstError, Part, batches, burst_pdfs
from reporting.schedules.periods import Period
from reporting.summaries import first_figures, headline
from reporting.text import written_date


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


# ---- rendering -----------------------------------------------------------------------------------
# Rendering a copy is two steps with its PDF between them, so that the PDFs of many copies can
# come from one layout (reporting.render.burst): `_render_steps` writes the copy's HTML, CSV and
# XLSX into its work folder, yields what its PDF needs (a `PdfWanted`, or None without a PDF),
# takes the PDF's bytes back, then writes its manifest and puts the folder in place.


@dataclass(frozen=True)
class PdfWanted:
    """What a copy's PDF is made from: its document (rows capped as the PDF shows them) and title."""

    html: str
    title: str
    rows: int
    created: datetime


@dataclass(frozen=True)
class PdfMade:
    data: bytes
    seconds: float  # laying it out and writing it (a burst's copies: an equal share of the burst)


def render_report(definition: ReportDefinition, extract: Extract, period: Period, as_at: date, *,
                  data_quality: list[dict], formats: list[str] | None = None, slice_key: str | None = None,
                  archive_root: Path | None = None, generated_at: datetime | None = None,
                  engine: Engine | None = None, history: since_last.Location | None = None,
                  part_of_report: bool | None = None) -> RenderResult:
    """Render the rows of `extract` into the report's archive folder (a burst slice's when
    `slice_key` is given: the extract then holds that slice's rows), atomically, its PDF laid out
    on its own.

    data_quality: the gate's findings for these rows (`quality.gate.Findings`).
    history: where this copy's earlier periods are archived, for "since the last list" (default:
    the folder rendered into; a custom copy rendered in scratch names its own).
    part_of_report: the rows are a part of the report (a team's slice, a service's copy), listed as
    that part's list (reporting.render.listing); by default when `slice_key` is given.
    """
    steps = _render_steps(definition, extract, period, as_at, data_quality=data_quality, formats=formats,
                          slice_key=slice_key, archive_root=archive_root, generated_at=generated_at,
                          engine=engine, history=history, part_of_report=part_of_report)
    return _alone(steps)


def _alone(steps: Generator[PdfWanted | None, PdfMade | None, RenderResult]) -> RenderResult:
    """Run a copy's render steps with its PDF laid out on its own."""
    try:
        return _finish(steps, _pdf_alone(next(steps)))
    finally:
        steps.close()  # after an error: the copy's work folder is removed, nothing is put in place


def _pdf_alone(wanted: PdfWanted | None) -> PdfMade | None:
    if wanted is None:
        return None
    started = time.perf_counter()
    data = render_pdf_bytes(wanted.html, title=wanted.title, created=wanted.created)
    return PdfMade(data, time.perf_counter() - started)


def _finish(steps: Generator[PdfWanted | None, PdfMade | None, RenderResult], pdf: PdfMade | None) -> RenderResult:
    """Hand a copy's render steps its PDF; what they return."""
    try:
        steps.send(pdf)
    except StopIteration as done:
        return done.value
    raise RuntimeError("a copy's render steps asked for a second PDF")


def _render_steps(definition: ReportDefinition, extract: Extract, period: Period, as_at: date, *,
                  data_quality: list[dict], formats: list[str] | None = None, slice_key: str | None = None,
                  archive_root: Path | None = None, generated_at: datetime | None = None,
                  engine: Engine | None = None, history: since_last.Location | None = None,
                  part_of_report: bool | None = None) -> Generator[PdfWanted | None, PdfMade | None, RenderResult]:
    """`render_report` in its two steps (see above)."""
    spec = definition.spec
    formats = list(formats or settings.output_formats() or spec.outputs)
    rows = extract.rows
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    findings = data_quality
    visible = [c.model_dump() for c in spec.columns if not c.hidden]
    slice_label = None
    slice_columns: list[str] = []
    if slice_key is not None:
        label_column = spec.burst_label or spec.burst_key
        slice_label = str(rows[0][label_column]) if rows else slice_key
        slice_columns = [c for c in (spec.burst_key, spec.burst_label) if c]
    unsuppressed = rows  # the overview context applies its own disclosure control to its tables
    # Aggregate reports publish figures: counts 1-5 become "c", with secondary suppression (DfE
    # convention), in the rows (and so in every output and the content hash), the summaries and
    # their charts, all read together. The e-mail's headline figures come from the same function.
    publication = disclosure.published(spec, rows)
    rows, table_summaries, cells_hidden = publication.rows, publication.summaries, publication.disclosure
    # A list says what changed since the previous period's list of the same copy (reporting.since_last)
    comparison = None
    if since_last.applies(spec):
        where = history or since_last.Location(archive_root, "" if slice_key is None else f"slices/{slice_key}")
        comparison = since_last.compare(spec, spec.id, rows, period.end, where)
    changes = comparison.summary() if comparison else None
    context = {
        "report": {"id": spec.id, "title": spec.title, "description": spec.description,
                   "classification": CLASSIFICATION[spec.sensitivity], "standard": spec.standard,
                   "counting_note": spec.counting_note, "empty_means": spec.empty_means,
                   "rows_are": spec.rows_are,
                   # said only when it is not simply the reporting period above it
                   "figures_cover": None if spec.figures_cover == "period" else describe(spec.figures_cover, period)},
        "period": {"start": period.start, "end": period.end, "as_at": as_at},
        "generated_at": f"{written_date(generated_at)} {generated_at:%H:%M} UTC",
        "columns": visible, "rows": rows, "summaries": table_summaries,
        "data_quality": findings, "slice_label": slice_label,
        # a team's slice (or a service's copy) reads as that part's list (reporting.render.listing)
        "part_of_report": slice_key is not None if part_of_report is None else part_of_report,
        "slice_columns": slice_columns,
        # the performance team's Markdown for this report and period, or None: no section at all
        "commentary_html": commentary.commentary_html(spec.id, period.end),
        "since_last": comparison.context() if comparison else None,
        "has_workbook": "xlsx" in formats,  # an overview's notes point to its Trend sheet only when there is one
    }
    sheets: list[tuple[str, list[dict], list[dict]]] = []  # the XLSX's sheets before the rows' own
    # the e-mail's; an overview's are its indicators'
    figures = headline(table_summaries, len(rows), changes,
                       first_figures(spec, rows) if spec.rows_are == "figures" else None)
    if spec.indicators:  # an overview: tiles, trends and benchmarks from the indicator library
        from reporting.indicators.overview import overview_context

        overview = overview_context(spec, unsuppressed, period, as_at, engine)
        context.update(overview)
        sheets = overview["workbook_sheets"]  # every indicator and its trend
        figures = overview_headline(overview["front_page"])
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
        wanted = None
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
            # the copy's own title: the report's, and the part it is ("... – Team: CIN 2")
            wanted = PdfWanted(pdf_html, spec.title if slice_label is None else f"{spec.title} – {slice_label}",
                               pdf_rows, generated_at)
        started = time.perf_counter()
        # The spreadsheets hold the columns the HTML and PDF show, no hidden one (a team ID, a RAG
        # or flag column); the content hash below still covers every column, so a changed hidden
        # value (a child moved team) is still a change to the report.
        table_columns = [c.model_dump() for c in spec.columns]
        if "csv" in formats:
            write_csv(visible, rows, work / f"{stem}.csv")
        if "xlsx" in formats:
            write_xlsx(visible, rows, work / f"{stem}.xlsx", title=spec.title,
                       fixed_timestamp=datetime.combine(as_at, datetime.min.time()), sheets=sheets)
        timings["render_tabular"] = time.perf_counter() - started
        pdf = yield wanted  # laid out alone, or as a section of a burst document of copies
        if pdf is not None:
            atomic_write_bytes(work / f"{stem}.pdf", pdf.data)
            timings["render_pdf"] = pdf.seconds
        for path in sorted(work.iterdir()):
            outputs[path.suffix.lstrip(".")] = str(final / path.name)
            hashes[path.name] = archive.file_hash(path)
        content = disclosure.data_hash(table_columns, rows)
        archive.write_manifest(work, {
            "report_id": spec.id, "title": spec.title, "slice": slice_key, "slice_label": slice_label,
            "period_start": period.start, "period_end": period.end, "as_at": as_at,
            "parameters": {"period_start": period.start, "period_end": period.end, "as_at": as_at},
            "definition_hash": definition.definition_hash, "sql_hash": definition.sql_hash,
            "rows": len(rows), "pdf_rows": pdf_rows if "pdf" in formats else None, "content_hash": content,
            "headline": figures,
            "since_last": changes,
            # each row's key fingerprint and RAG, for the next period's comparison (no row values)
            "row_fingerprints": since_last.fingerprints(spec, spec.id, rows) if comparison else None,
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


def _safe(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)


def render_copy(copy: Copy, period: Period, as_at: date, *, data_quality: list[dict],
                formats: list[str] | None = None, generated_at: datetime | None = None,
                engine: Engine | None = None, archive_root: Path | None = None) -> RenderResult:
    """Render one planned copy (reporting.plan) into its folder, its PDF laid out on its own."""
    steps = _copy_steps(copy, period, as_at, data_quality=data_quality, formats=formats,
                        generated_at=generated_at, engine=engine, archive_root=archive_root)
    return _alone(steps)


def _copy_steps(copy: Copy, period: Period, as_at: date, *, data_quality: list[dict],
                formats: list[str] | None = None, generated_at: datetime | None = None,
                engine: Engine | None = None,
                archive_root: Path | None = None) -> Generator[PdfWanted | None, PdfMade | None, RenderResult]:
    """`render_copy` in two steps, as `_render_steps`.

    data_quality: the gate's findings for the copy's own rows (`copy_findings`).

    A custom copy (a service's teams, a partner's columns, a school's pupils) is rendered as a
    whole report of its rows with its cut definition, its list read as a part's (a column with one
    value on every row in the heading, rows by worker); outside the council, the PDF alone,
    encrypted, with its password kept for the separate message.
    """
    definition = copy.definition
    spec = definition.spec
    extract = Extract([c.name for c in spec.columns], copy.rows, 0.0)
    period_end = period.end.isoformat()
    if copy.target != CUSTOM:
        return (yield from _render_steps(definition, extract, period, as_at, data_quality=data_quality,
                                         formats=formats, slice_key=copy.target, archive_root=archive_root,
                                         generated_at=generated_at, engine=engine))
    wanted = ["pdf"] if copy.external else list(formats or settings.output_formats() or spec.outputs)
    final = copy.folder(period_end, archive_root)
    with archive.work_folder(final) as scratch:
        result = yield from _render_steps(definition, extract, period, as_at, data_quality=data_quality,
                                          formats=wanted, archive_root=scratch, generated_at=generated_at,
                                          engine=engine, history=since_last.Location(archive_root, copy.key),
                                          part_of_report=True)
        built = result.folder
        if copy.external:
            password = encryption.password_for(final.parent, f"{copy.slice_id}-{copy.content_hash}")
            manifest = archive.read_manifest(built)
            for pdf in built.glob("*.pdf"):
                encrypted = encryption.encrypted_pdf(pdf, password)
                # the manifest vouches for what is sent: the encrypted copy, not the plain PDF
                manifest["file_hashes"].pop(pdf.name, None)
                manifest["file_hashes"][encrypted.name] = archive.file_hash(encrypted)
            archive.write_manifest(built, manifest)
        archive.replace_folder(built, final)
    result.folder = final
    result.outputs = {kind: str(final / Path(path).name) for kind, path in result.outputs.items()}
    result.slice_key = copy.slice_id
    return result


def render_plan(run_plan: RunPlan, period: Period, as_at: date, *, findings: Findings, target=ANY,
                formats: list[str] | None = None, generated_at: datetime | None = None,
                engine: Engine | None = None, burst: bool = True) -> list[RenderResult]:
    """Render every copy of the plan (or those of one Airflow render task's `target`), the whole
    report first, each with the gate's findings counted on its own rows (see `render_copies`)."""
    return render_copies(run_plan.copies_for(target), period, as_at,
                         findings_for=lambda copy: copy_findings(copy, findings), formats=formats,
                         generated_at=generated_at, engine=engine, burst=burst)


def render_copies(copies: list[Copy], period: Period, as_at: date, *,
                  findings_for: Callable[[Copy], list[dict]], formats: list[str] | None = None,
                  generated_at: datetime | None = None, engine: Engine | None = None,
                  burst: bool = True) -> list[RenderResult]:
    """Render `copies` (in order), each with `findings_for(copy)`. An overview's copies share the
    whole report's indicator figures.

    burst: the PDFs of the recipients' copies (every copy but the whole report) come from burst
    documents, each laid out once (reporting.render.burst); False lays each out on its own, as the
    whole report always is.
    """
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    results: dict[int, RenderResult] = {}
    with shared_for_this_run(settings.var_dir()):
        together = []
        for n, copy in enumerate(copies):
            if copy.target is None or not burst:
                results[n] = render_copy(copy, period, as_at, data_quality=findings_for(copy), formats=formats,
                                         generated_at=generated_at, engine=engine)
            else:
                together.append(n)
        for group in _burst_groups(copies, together):
            results.update(_render_burst(group, copies, period, as_at, findings_for=findings_for, formats=formats,
                                         generated_at=generated_at, engine=engine))
    return [results[n] for n in range(len(copies))]


def _burst_groups(copies: list[Copy], positions: list[int]) -> list[list[int]]:
    """The copies whose PDFs share a layout: those of one template (a custom copy can have its own)."""
    groups: dict[str, list[int]] = {}
    for n in positions:
        groups.setdefault(copies[n].definition.spec.template, []).append(n)
    return list(groups.values())


def _render_burst(positions: list[int], copies: list[Copy], period: Period, as_at: date, *,
                  findings_for: Callable[[Copy], list[dict]], formats: list[str] | None, generated_at: datetime,
                  engine: Engine | None) -> dict[int, RenderResult]:
    """Render the copies at `positions`: each one's HTML, CSV and XLSX, then their PDFs from burst
    documents (of up to `burst.MAX_ROWS` list rows), then each one's manifest and folder."""
    steps = {n: _copy_steps(copies[n], period, as_at, data_quality=findings_for(copies[n]),
                            formats=formats, generated_at=generated_at, engine=engine) for n in positions}
    results: dict[int, RenderResult] = {}
    try:
        wanted = {n: next(step) for n, step in steps.items()}
        with_pdf = [n for n in positions if wanted[n] is not None]
        parts = [Part(w.html, w.title, w.rows) for n in with_pdf if (w := wanted[n]) is not None]
        pdfs: dict[int, PdfMade | None] = dict.fromkeys(positions)
        for batch in batches([part.rows for part in parts]):
            chosen = [with_pdf[i] for i in batch]
            started = time.perf_counter()
            try:
                made = burst_pdfs([parts[i] for i in batch], created=generated_at)
            except BurstError:  # e.g. a template of its own with another stylesheet: each alone
                made = [render_pdf_bytes(w.html, title=w.title, created=w.created)
                        for n in chosen if (w := wanted[n]) is not None]
            share = (time.perf_counter() - started) / len(chosen)  # each copy's part of the burst
            for n, pdf in zip(chosen, made):
                pdfs[n] = PdfMade(pdf, share)
        for n in positions:
            results[n] = _finish(steps[n], pdfs[n])
    finally:
        for step in steps.values():
            step.close()  # a copy not finished (an error above) removes its work folder
    return results


def run_report(definition: ReportDefinition, engine: Engine, period: Period, as_at: date, *,
               formats: list[str] | None = None, archive_root: Path | None = None,
               generated_at: datetime | None = None) -> RenderResult:
    """Extract, check and render the whole report (what `mi reports render` does). Critical
    findings are shown in the report instead of stopping it: only delivery is gated."""
    from reporting.quality.gate import evaluate

    with archive.period_lock(definition.id, period.end.isoformat(), archive_root):
        extract = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=as_at)
        return render_report(definition, extract, period, as_at, formats=formats, archive_root=archive_root,
                             generated_at=generated_at, data_quality=evaluate(definition, extract.rows),
                             engine=engine)
