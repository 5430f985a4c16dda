"""Recipients' copies laid out once as a burst document (reporting.render.burst, issue 25).

Each copy's PDF is written from the pages of its section of one layout. What it must still be is
the copy rendered alone: the same text where it was on the page (layout-mode text for the small
documents, each run of text with where it is drawn for the weekly cycle, so a line that moved
shows), the same structure tree, its own title, its own page numbers counting its own pages, its
own running header. The weekly-cycle test does this for every recipient's copy of the cycle and
checks that the ledger's content hashes do not change.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject
from sqlalchemy import create_engine

from reporting.definitions import load_catalogue
from reporting.delivery import partners
from reporting.delivery.deliver import deliver_period
from reporting.delivery.ledger import Ledger
from reporting.delivery.transport import OutboxTransport
from reporting.extract import run_extract
from reporting.plan import assign, plan_run
from reporting.quality.gate import assess
from reporting.render import render_html, render_pdf_bytes
from reporting.render.burst import BurstError, Part, batches, burst_document, burst_pdfs, own_ids
from reporting.runner import render_plan
from reporting.schedules.periods import latest_complete_period

CREATED = dt.datetime(2026, 10, 26, 6, 0)
COLUMNS = [
    {"name": "child_ref", "label": "Child reference", "type": "text"},
    {"name": "team", "label": "Team", "type": "text"},
    {"name": "status", "label": "Status", "type": "text", "rag": "rag"},
    {"name": "worker_name", "label": "Worker", "type": "text"},
    {"name": "due", "label": "Visit due", "type": "date"},
]


# ---- reading a PDF as its reader would -----------------------------------------------------------
def reader_of(data: bytes, password: str | None = None) -> PdfReader:
    reader = PdfReader(io.BytesIO(data))
    if password is not None:
        reader.decrypt(password)
    return reader


def pages_text(data: bytes | PdfReader, password: str | None = None) -> list[str]:
    """Each page's text laid out as on the page (a line moved down shows as blank lines before it)."""
    reader = data if isinstance(data, PdfReader) else reader_of(data, password)
    return [page.extract_text(extraction_mode="layout") for page in reader.pages]


def tags(data: bytes | PdfReader, password: str | None = None) -> list[tuple[int, str]]:
    """The structure tree as (depth, role), NonStruct groupings dissolved into their parents (they
    carry no meaning: ISO 32000-1 14.8.4.2), marked content left out."""
    reader = data if isinstance(data, PdfReader) else reader_of(data, password)
    out: list[tuple[int, str]] = []

    def walk(node, depth: int) -> None:
        node = node.get_object() if isinstance(node, IndirectObject) else node
        if isinstance(node, list):
            for kid in node:
                walk(kid, depth)
            return
        if not isinstance(node, dict) or node.get("/Type", "/StructElem") != "/StructElem" or "/S" not in node:
            return  # marked content (a number) or a reference to it
        role = str(node["/S"])
        inner = depth
        if role != "/NonStruct":
            out.append((depth, role))
            inner = depth + 1
        if "/K" in node:
            walk(node["/K"], inner)

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"], 0)
    return out


def catalog(data: bytes | PdfReader, password: str | None = None) -> dict:
    reader = data if isinstance(data, PdfReader) else reader_of(data, password)
    root = reader.trailer["/Root"]
    return {"title": reader.metadata.title, "lang": str(root.get("/Lang")), "marked": "/MarkInfo" in root,
            "tagged": "/StructTreeRoot" in root, "pages": len(reader.pages)}


def placed_text(page) -> list[tuple]:
    """Each run of text on a page with where it is drawn (text and transformation matrices): what
    the layout-mode text shows, at a fraction of pypdf's time for it."""
    runs: list[tuple] = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            runs.append((text, size, *(round(v, 2) for v in (*cm, *tm))))

    page.extract_text(visitor_text=visit)
    return runs


def reading(data: bytes, password: str | None = None) -> tuple[list[list[tuple]], list[str], list, dict]:
    """What a reader gets from a PDF: the text on each page and where, the text of each page, its
    structure tree and its catalogue."""
    reader = reader_of(data, password)
    placed = [placed_text(page) for page in reader.pages]
    texts = ["".join(run[0] for run in runs) for runs in placed]
    return placed, texts, tags(reader), catalog(reader)


def footer_numbers(texts: list[str]) -> list[str]:
    return [m.group(0) for text in texts for m in re.finditer(r"Page \d+ of \d+", text)]


# ---- documents from the report template -----------------------------------------------------------
def rows(n: int, team: str | None) -> list[dict]:
    """n rows of one team (None: two teams, so no column has one value on every row)."""
    rag = ["red", "amber", "green"]
    return [{"child_ref": f"CH{i:05d}", "team": team or f"Team {'XY'[i % 2]}",
             "status": ["Overdue", "Due soon", "In time"][i % 3], "rag": rag[i % 3],
             "worker_name": f"Worker {i % 4 + 1}", "due": date(2026, 10, 1) + dt.timedelta(days=i % 28)}
            for i in range(n)]


def document(n: int, team: str | None, slice_label: str | None) -> str:
    context = {
        "report": {"id": "visits", "title": "Statutory visits due", "description": "Visits due by child.",
                   "classification": "OFFICIAL-SENSITIVE", "standard": "Working Together 2023",
                   "counting_note": None, "figures_cover": None},
        "period": {"start": date(2026, 10, 1), "end": date(2026, 10, 25), "as_at": date(2026, 10, 25)},
        "generated_at": "26 Oct 2026 06:00 UTC", "columns": COLUMNS, "rows": rows(n, team), "summaries": [],
        "data_quality": [], "slice_label": slice_label, "part_of_report": True,
        "slice_columns": ["team"] if slice_label else [], "commentary_html": None, "since_last": None,
    }
    return render_html("table_report.html.j2", context)


# a copy over several pages with a slice heading, a one-page copy without any (its rows are of two
# teams), and a longer copy: the one without a heading must not show the first one's in its
# running header
COPIES = [(70, "Team A", "Team: Team A"), (3, None, None), (140, "Team B", "Team: Team B")]


@pytest.fixture(scope="module")
def small_burst():
    parts = [Part(document(n, team, label), f"Statutory visits due – {label or 'two teams'}", n)
             for n, team, label in COPIES]
    alone = [render_pdf_bytes(p.html, title=p.title, created=CREATED) for p in parts]
    return parts, alone, burst_pdfs(parts, created=CREATED)


def test_each_copy_reads_as_the_copy_rendered_alone(small_burst):
    parts, alone, burst = small_burst
    assert len(burst) == len(parts)
    for single, from_burst in zip(alone, burst):
        assert pages_text(from_burst) == pages_text(single)
        assert tags(from_burst) == tags(single)
        assert catalog(from_burst) == catalog(single)
    # the fixture is what it says: the first and last copies run over more than one page
    assert catalog(burst[0])["pages"] >= 2 and catalog(burst[2])["pages"] >= 3


def test_each_copy_numbers_its_own_pages_and_has_its_own_title_and_tags(small_burst):
    parts, _, burst = small_burst
    for part, data in zip(parts, burst):
        info = catalog(data)
        n = info["pages"]
        assert footer_numbers(pages_text(data)) == [f"Page {k} of {n}" for k in range(1, n + 1)]
        assert info["title"] == part.title
        assert info["lang"] == "en-GB" and info["marked"] and info["tagged"]
        roles = [role for _, role in tags(data)]
        assert roles.count("/H1") == 1 and "/Table" in roles and "/TH" in roles


def test_the_running_header_names_each_copys_own_part_on_every_page(small_burst):
    _, _, burst = small_burst
    first, unlabelled, last = ([text.splitlines()[0] if text.strip() else "" for text in pages_text(data)]
                               for data in burst)
    assert first and all(line.endswith("Statutory visits due — Team: Team A") for line in first)
    assert unlabelled and all(line.endswith("Statutory visits due") for line in unlabelled), \
        "the copy before's heading carried over"
    assert last and all(line.endswith("Statutory visits due — Team: Team B") for line in last)


def test_documents_with_different_stylesheets_are_not_burst():
    one = document(2, "Team A", "Team: Team A")
    other = one.replace("<style>", "<style>h1 { color: red }", 1)
    with pytest.raises(BurstError, match="heads differ"):
        burst_document([one, other])


def test_a_copy_that_fills_its_last_page_gets_no_blank_page_after_it():
    """Lists of 52 to 60 rows end at heights across the bottom of a page; at 56 rows (with these
    fonts) the copy fills its last page, and anything after it in the flow (the section's end
    marker, once) would start a blank page."""
    documents = [document(n, "Team A", "Team: Team A") for n in range(52, 61)]
    made = burst_pdfs([Part(d, "t") for d in documents], created=CREATED)
    for n, (single, data) in enumerate(zip(documents, made), start=52):
        reader = reader_of(data)
        pages = len(reader.pages)
        assert pages == catalog(render_pdf_bytes(single, title="t", created=CREATED))["pages"], f"{n} rows"
        assert footer_numbers([reader.pages[-1].extract_text()]) == [f"Page {pages} of {pages}"], f"{n} rows"


def test_a_document_that_breaks_a_page_itself_is_not_burst():
    """An overview's front page ends with a forced break; alone, the heading after it keeps its top
    margin, which a burst's pages would drop: such copies are laid out alone."""
    plain = document(2, "Team A", "Team: Team A")
    forced = plain.replace("<style>", "<style>.front-page { break-after: page; }", 1)
    with pytest.raises(BurstError, match="breaks a page itself"):
        burst_document([plain, forced])


def test_bursts_hold_at_most_the_row_limit_and_a_larger_copy_goes_alone():
    assert batches([600, 600, 400, 2000, 10], max_rows=1500) == [[0, 1], [2], [3], [4]]


def test_each_section_keeps_its_ids_and_references_to_itself():
    """Every copy of a report has a `records-heading` and charts with the same ids: in one burst
    document each section's are prefixed, references too, so a chart never clips to another's path."""
    body = ('<h2 id="records-heading">Records</h2><table aria-labelledby="records-heading other">'
            '<svg><clipPath id="c1-p"/><g clip-path="url(#c1-p)"><use xlink:href="#c1-m" href="#c1-p"/></g></svg>')
    assert own_ids(body, "s2-") == (
        '<h2 id="s2-records-heading">Records</h2><table aria-labelledby="s2-records-heading other">'
        '<svg><clipPath id="s2-c1-p"/><g clip-path="url(#s2-c1-p)"><use xlink:href="#c1-m" href="#s2-c1-p"/></g></svg>')


# ---- every copy of the weekly cycle ---------------------------------------------------------------
WEEKLY = [rid for rid, d in sorted(load_catalogue().reports.items()) if d.spec.cadence in ("weekly", "fortnightly")]
AS_AT = date(2026, 10, 26)


def _render_cycle(url: str, root: Path, monkeypatch, *, burst: bool):
    """Render and deliver every recipient's copy of the weekly cycle (the whole reports are laid
    out alone either way: not rendered here); what each copy's PDF is, and the ledger's sends."""
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(root / "archive"))
    monkeypatch.setenv("MI_VAR_DIR", str(root / "var"))
    engine = create_engine(url)
    catalogue = load_catalogue()
    pdfs: dict[tuple[str, str], tuple[bytes, str | None]] = {}
    ledger = Ledger(f"sqlite:///{root / 'state.sqlite'}")
    try:
        for rid in WEEKLY:
            report = catalogue.get(rid)
            period = latest_complete_period(report.spec.cadence, AS_AT)
            extracted = run_extract(report, engine, period_start=period.start, period_end=period.end,
                                    as_at=period.end).rows
            plan = plan_run(report, extracted, assign(report, extracted, period.end, engine))
            plan.copies = [c for c in plan.copies if c.target is not None]
            plan.sends = [s for s in plan.sends if s.copy is None or s.copy.target is not None]
            # PDF and CSV: a PDF beside a spreadsheet shows its first rows only, as in production
            results = render_plan(plan, period, period.end, findings=assess(report, extracted),
                                  formats=["pdf", "csv"], generated_at=datetime(2026, 10, 26, 6, 0),
                                  engine=engine, burst=burst)
            for copy, result in zip(plan.copies, results):
                pdf = next(Path(result.folder).glob("*.pdf"))
                password = (partners.password_for(Path(result.folder).parent,
                                                  f"{copy.slice_id}-{copy.content_hash}") if copy.external else None)
                pdfs[(rid, copy.key)] = (pdf.read_bytes(), password)
            deliver_period(plan, period, transport=OutboxTransport(root / "outbox"), ledger=ledger, backoff=0.01)
        sent = sorted((e["report_id"], e["slice_id"] or "", e["recipient"], e["content_hash"])
                      for e in ledger.entries() if e["state"] == "sent")
    finally:
        ledger.dispose()
        engine.dispose()
    return pdfs, sent


@pytest.mark.xdist_group("burst_cycle")
def test_every_copy_of_the_weekly_cycle_is_the_copy_rendered_alone(seeded_sqlite_url, tmp_path, monkeypatch):
    alone, sent_alone = _render_cycle(seeded_sqlite_url, tmp_path / "alone", monkeypatch, burst=False)
    burst, sent_burst = _render_cycle(seeded_sqlite_url, tmp_path / "burst", monkeypatch, burst=True)
    assert sorted(burst) == sorted(alone)
    assert len(burst) >= 40, f"the weekly cycle should have dozens of recipients' copies, not {len(burst)}"
    assert any(password for _, password in burst.values()), "the cycle should include partners' encrypted copies"
    for key, (data, password) in burst.items():
        placed, texts, tree, info = reading(data, password)
        placed_alone, _, tree_alone, info_alone = reading(*alone[key])
        assert placed == placed_alone, f"{key}: text or where it is drawn differs"
        assert tree == tree_alone, f"{key}: structure tree differs"
        assert info == info_alone, f"{key}: title, language, tagging or page count differs"
        n = info["pages"]
        assert footer_numbers(texts) == [f"Page {k} of {n}" for k in range(1, n + 1)], key
    # the ledger keys each send by the content it carries: the same whichever way it was laid out
    assert sent_burst == sent_alone and len(sent_burst) >= len(burst)


@pytest.mark.xdist_group("burst_cycle")
def test_copies_that_cannot_share_a_layout_are_each_laid_out_alone(seeded_sqlite_url, tmp_path, monkeypatch):
    """When a burst is refused (a data officer's template that changes its stylesheet per copy, say),
    the copies are still rendered: each PDF laid out on its own, numbered over its own pages."""
    from reporting import runner

    def refuse(parts, **_):
        raise BurstError("the documents' heads differ")

    monkeypatch.setattr(runner, "burst_pdfs", refuse)
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    engine = create_engine(seeded_sqlite_url)
    report = load_catalogue().get("cp_out_of_borough")
    period = latest_complete_period(report.spec.cadence, AS_AT)
    extracted = run_extract(report, engine, period_start=period.start, period_end=period.end, as_at=period.end).rows
    plan = plan_run(report, extracted, assign(report, extracted, period.end, engine))
    plan.copies = [c for c in plan.copies if c.target is not None]
    results = render_plan(plan, period, period.end, findings=assess(report, extracted), formats=["pdf", "csv"],
                          generated_at=datetime(2026, 10, 26, 6, 0), engine=engine)
    engine.dispose()
    assert len(results) == len(plan.copies) >= 3
    for copy, result in zip(plan.copies, results):
        _, texts, _, info = reading(next(Path(result.folder).glob("*.pdf")).read_bytes())
        n = info["pages"]
        assert footer_numbers(texts) == [f"Page {k} of {n}" for k in range(1, n + 1)], copy.key
        assert info["title"].startswith(f"{report.spec.title} – "), copy.key  # the slice's own title
        assert result.rows == len(copy.rows), copy.key


@pytest.mark.xdist_group("burst_cycle")
def test_the_dags_batches_of_slices_render_each_slice_as_its_own_task_did(seeded_sqlite_url, tmp_path, monkeypatch):
    """Under Airflow a burst report's render task takes a batch of slices (extract's `batches`) and
    lays them out as one burst: each slice's copy is the one a task of its own renders, and the
    batches cover every slice once, in order, each within the row limit."""
    from collections import Counter

    from reporting.orchestration import tasks
    from reporting.render import burst

    for name, value in (("MI_CASEDB_URL", seeded_sqlite_url), ("MI_ARCHIVE_DIR", str(tmp_path / "archive")),
                        ("MI_VAR_DIR", str(tmp_path / "var")), ("MI_PDF_MAX_ROWS", "100")):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(burst, "MAX_ROWS", 60)  # small bursts, so the week's teams make several batches
    report_id = "cp_visits_due_next_week"
    out = tasks.extract(report_id, "2026-10-19", "2026-10-25", "2026-10-25")
    tasks.check_quality(report_id, out["staging"])
    # each team's PDF rows, counted from the staged rows (capped at 100 as the PDF shows them)
    staged = json.loads(Path(out["staging"]).read_text())
    per_team = Counter(r["team_id"] for r in staged["rows"] if r["team_id"])
    shown = {team: min(n, 100) for team, n in per_team.items()}
    batches_of_slices = out["batches"][1:]
    assert out["batches"][0] == [None], "the whole report is a task of its own"
    assert [k for batch in batches_of_slices for k in batch] == out["slices"] == sorted(per_team)
    assert len(batches_of_slices) >= 2, shown
    for batch, following in zip(batches_of_slices, [*batches_of_slices[1:], None]):
        total = sum(shown[k] for k in batch)
        assert total <= 60 or len(batch) == 1, (batch, total)
        if following:  # a batch ends only where the next slice would take it over the limit
            assert total + shown[following[0]] > 60, (batch, following)

    def read(result: dict) -> tuple:
        placed, texts, tree, info = reading(next(Path(result["folder"]).glob("*.pdf")).read_bytes())
        return placed, tree, info, footer_numbers(texts)

    biggest = max(batches_of_slices, key=len)
    together = tasks.render_batch(report_id, out["staging"], biggest)
    assert [r["slice"] for r in together] == biggest
    seen = {r["slice"]: (r, read(r)) for r in together}
    for key in biggest:  # the same slice rendered by a task of its own (it replaces the folder)
        alone = tasks.render(report_id, out["staging"], key)
        assert alone == seen[key][0], key
        assert read(alone) == seen[key][1], f"{key}: the PDF differs from the slice's own task's"
        assert alone["rows"] == per_team[key]  # the team's rows, counted from the staging file
    with pytest.raises(ValueError, match="the whole report is rendered in a batch of its own"):
        tasks.render_batch(report_id, out["staging"], [None, biggest[0]])
