"""Rendering tests: HTML, tagged PDF, encrypted PDF, CSV and XLSX."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import logging
import time

import openpyxl
import pytest
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from reporting.render import (
    TemplateRenderError,
    content_hash,
    encrypt_pdf,
    render_html,
    render_pdf_bytes,
    write_csv,
    write_pdf,
    write_xlsx,
)

TITLE = "Children in need: statutory visits"
SCRIPT = "<script>alert('x')</script>"
COLUMNS = [
    {"name": "child_ref", "label": "Child reference", "type": "text"},
    {"name": "team", "label": "Team", "type": "text"},
    {"name": "referral_date", "label": "Referral date", "type": "date"},
    {"name": "contacts", "label": "Contacts", "type": "int"},
    {"name": "visits_pct", "label": "Visits in time", "type": "percent", "rag": "visits_rag"},
    {"name": "note", "label": "Note", "type": "text"},
]
# WeasyPrint warns when it falls back to fontTools because the system lacks
# HarfBuzz-Subset >= 4.1; that is an environment fact, not a template fault.
ALLOWED_LOG_FRAGMENTS = ("HarfBuzz-Subset",)


def sample_rows(n: int) -> list[dict]:
    rags = ["red", "amber", "green", None]
    return [
        {
            "child_ref": f"CH{i:06d}",
            "team": f"CIN {i % 4 + 1}",
            "referral_date": dt.date(2026, 10, 1) + dt.timedelta(days=i % 31),
            "contacts": 12345 if i == 0 else i * 7,
            "visits_pct": 87.5 if i == 0 else (i * 3) % 100,
            "visits_rag": rags[i % 4],
            "note": SCRIPT if i == 1 else ("=SUM(A1:A2)" if i == 2 else None),
        }
        for i in range(n)
    ]


def sample_context(n: int = 200) -> dict:
    return {
        "report": {
            "id": "cin-visits",
            "title": TITLE,
            "description": "Children in need open at period end and whether visits were in time.",
            "classification": "OFFICIAL-SENSITIVE",
            "standard": "Working Together to Safeguard Children 2023",
            "counting_note": "Each child counted once, in the team holding the case at period end.",
        },
        "period": {"start": dt.date(2026, 10, 1), "end": dt.date(2026, 10, 31),
                   "as_at": dt.date(2026, 11, 1)},
        "generated_at": "01 Nov 2026 06:05",
        "columns": COLUMNS,
        "rows": sample_rows(n),
        "summaries": [
            {
                "title": "Children by team",
                "columns": [{"name": "team", "label": "Team", "type": "text"},
                            {"name": "n", "label": "Children", "type": "int"}],
                "rows": [{"team": "CIN 1", "n": 1204}, {"team": "CIN 2", "n": 48}],
                "chart": {"kind": "bar", "series": [{"label": "CIN 1", "value": 1204},
                                                    {"label": "CIN 2", "value": 48}]},
            },
            {
                "title": "Monthly trend",
                "columns": [{"name": "m", "label": "Month", "type": "text"},
                            {"name": "n", "label": "Children", "type": "int"}],
                "rows": [{"m": "Sep 2026", "n": 50}, {"m": "Oct 2026", "n": 48}],
                "chart": {"kind": "line", "points": [{"label": "Sep", "value": 50},
                                                     {"label": "Oct", "value": 48}]},
            },
        ],
        "data_quality": [{"check": "Date of birth missing", "severity": "warning",
                          "failing_rows": 3, "meaning": "Age cannot be calculated."}],
        "slice_label": "Team: CIN 2",
        "kpis": [{"label": "Visits in time", "value": "87.5%", "target": "90.0%",
                  "rag": "amber", "direction": "up", "benchmark": "85.0%"}],
    }


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def weasyprint_logs():
    """Fail the test on any WeasyPrint warning (style rule 11: loud rendering)."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)
    unexpected = [r.getMessage() for r in handler.records
                  if not any(f in r.getMessage() for f in ALLOWED_LOG_FRAGMENTS)]
    assert not unexpected, unexpected


@pytest.fixture(scope="module")
def big_pdf(tmp_path_factory):
    """One 200-row PDF shared by the PDF tests: layout is the slow part."""
    handler = _Collect()
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        html = render_html("table_report.html.j2", sample_context(200))
        path = tmp_path_factory.mktemp("pdf") / "report.pdf"
        started = time.perf_counter()
        write_pdf(html, path, title=TITLE, created=dt.datetime(2026, 11, 1, 6, 5))
        elapsed = time.perf_counter() - started
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    print(f"\n200-row PDF rendered in {elapsed:.2f}s")
    warnings = [r.getMessage() for r in handler.records
                if not any(f in r.getMessage() for f in ALLOWED_LOG_FRAGMENTS)]
    return {"path": path, "html": html, "seconds": elapsed, "warnings": warnings}


# ---------------------------------------------------------------- HTML


def test_html_header_period_classification_and_formats():
    html = render_html("table_report.html.j2", sample_context(5))
    assert '<html lang="en-GB">' in html
    assert f"<title>{TITLE} – Team: CIN 2</title>" in html
    assert "1 Oct 2026 to 31 Oct 2026" in html
    assert "1 Nov 2026" in html  # as-at date
    assert "OFFICIAL-SENSITIVE" in html
    assert "01 Nov 2026 06:05" in html
    assert '<th scope="col">Referral date</th>' in html
    assert "<caption>" in html
    assert "1 Oct 2026" in html and "01 Oct 2026" not in html  # date column, as the header writes a date
    assert "12,345" in html  # int thousands separator
    assert "87.5%" in html  # percent
    assert ">Red</strong>" in html and ">Amber</strong>" in html  # RAG has text labels
    assert 'role="img"' in html and "<svg" in html  # charts are inline SVG
    assert "Date of birth missing" in html  # data-quality section
    # which says its findings are recordings to correct or cases beyond a standard, not only the first
    assert ("which are a recording to correct in the case management system and which are cases beyond a "
            "standard or guide") in " ".join(html.split())
    assert "Working Together to Safeguard Children 2023" in html  # notes
    assert "<link" not in html and "src=" not in html  # self-contained


def test_html_escapes_cell_values():
    html = render_html("table_report.html.j2", sample_context(5))
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_empty_rows_show_notice_instead_of_table():
    context = sample_context(0)
    html = render_html("table_report.html.j2", context)
    assert "Nothing to report this period" in html
    assert 'class="data-table"' not in html
    assert "1 Oct 2026 to 31 Oct 2026" in html


def test_an_empty_sample_says_why_and_shows_no_empty_summary():
    """front_door_audit_sample in September: no sample outside the audit months. The notice said
    "there were no cases to list", under an empty "Sample by route" table: read as no child at
    the front door (343 contacts that month)."""
    from reporting.definitions import load_catalogue

    spec = load_catalogue().get("front_door_audit_sample").spec
    context = sample_context(0)
    context["report"]["empty_means"] = spec.empty_means
    context["summaries"] = [{"title": "Sample by route", "columns": [{"name": "group", "label": "Route"}],
                             "rows": []}]
    html = " ".join(html_lib.unescape(render_html("table_report.html.j2", context)).split())
    assert "only in the audit timetable's front-door months (June, October and February)" in html
    assert "there were no cases to list" not in html and "Sample by route" not in html


def test_optional_keys_may_be_absent():
    context = sample_context(3)
    for key in ("slice_label", "kpis"):
        del context[key]
    for key in ("standard", "counting_note"):
        del context["report"][key]
    context["summaries"] = []
    context["data_quality"] = []
    html = render_html("table_report.html.j2", context)
    assert "Counting convention" not in html and "Data quality" not in html


def test_missing_variable_names_template_and_line():
    context = sample_context(3)
    del context["generated_at"]
    with pytest.raises(TemplateRenderError) as err:
        render_html("table_report.html.j2", context)
    assert err.value.template == "base.html.j2"
    assert err.value.line and err.value.line > 1
    assert "generated_at" in str(err.value) and str(err.value).startswith("base.html.j2:")


def test_syntax_error_names_template_and_line(tmp_path):
    (tmp_path / "broken.html.j2").write_text(
        '{% extends "base.html.j2" %}\n{% block main %}\n{% if rows %}\n{% endblock %}\n')
    with pytest.raises(TemplateRenderError) as err:
        render_html("broken.html.j2", sample_context(1), extra_dirs=[tmp_path])
    assert err.value.template == "broken.html.j2" and err.value.line == 4


# ---------------------------------------------------------------- PDF


def test_pdf_repeats_header_and_is_tagged(big_pdf):
    assert not big_pdf["warnings"], big_pdf["warnings"]
    reader = PdfReader(big_pdf["path"])
    assert len(reader.pages) > 1
    first = reader.pages[0].extract_text()
    assert "Page 1 of" in first
    assert "OFFICIAL-SENSITIVE" in first
    last_table_page = reader.pages[len(reader.pages) - 2].extract_text()
    second = reader.pages[2].extract_text()
    for text in (second, last_table_page):
        assert "Child reference" in text and "Referral date" in text  # thead repeated
        assert TITLE in text  # running header
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == TITLE


def test_pdf_page_two_has_header_row(big_pdf):
    text = PdfReader(big_pdf["path"]).pages[1].extract_text()
    assert "Child reference" in text and TITLE in text


def test_pdf_is_deterministic(big_pdf):
    again = render_pdf_bytes(big_pdf["html"], title=TITLE, created=dt.datetime(2026, 11, 1, 6, 5))
    assert again == big_pdf["path"].read_bytes()


def test_empty_report_pdf(tmp_path, weasyprint_logs):
    path = tmp_path / "empty.pdf"
    write_pdf(render_html("table_report.html.j2", sample_context(0)), path, title=TITLE)
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert "Nothing to report this period" in text


def test_encrypted_pdf_needs_password(big_pdf, tmp_path):
    dst = tmp_path / "locked.pdf"
    encrypt_pdf(big_pdf["path"], dst, "correct horse")
    locked = PdfReader(dst)
    assert locked.is_encrypted
    with pytest.raises(FileNotDecryptedError):
        locked.pages[0].extract_text()
    assert not PdfReader(dst).decrypt("wrong")
    opened = PdfReader(dst)
    assert opened.decrypt("correct horse")
    assert TITLE in opened.pages[0].extract_text()
    encrypt = opened.trailer["/Encrypt"].get_object()
    assert encrypt["/V"] == 5 and encrypt["/R"] == 6  # AES-256 (PDF 2.0 / ISO 32000-2)


# ---------------------------------------------------------------- CSV / XLSX


def test_csv_contents_and_bytes_are_stable(tmp_path):
    rows = sample_rows(20)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv(COLUMNS, rows, a)
    write_csv(COLUMNS, rows, b)
    assert a.read_bytes() == b.read_bytes()
    lines = a.read_bytes().decode("utf-8").split("\r\n")
    assert lines[0] == "Child reference,Team,Referral date,Contacts,Visits in time,Note"
    assert lines[1] == "CH000000,CIN 1,2026-10-01,12345,87.5,"
    assert content_hash(a) == content_hash(b) and len(content_hash(a)) == 64


def test_xlsx_byte_identical_across_wall_clock(tmp_path):
    rows = sample_rows(50)
    stamp = dt.datetime(2026, 11, 1, 6, 5)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_xlsx(COLUMNS, rows, a, title=TITLE, fixed_timestamp=stamp)
    time.sleep(2.1)  # zip timestamps have 2-second resolution
    write_xlsx(COLUMNS, rows, b, title=TITLE, fixed_timestamp=stamp)
    assert a.read_bytes() == b.read_bytes()


def test_xlsx_layout_and_types(tmp_path):
    path = tmp_path / "r.xlsx"
    write_xlsx(COLUMNS, sample_rows(10), path, title=TITLE,
               fixed_timestamp=dt.datetime(2026, 11, 1, 6, 5))
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F11"
    assert ws["A1"].value == "Child reference" and ws["A1"].font.b
    assert ws["C2"].is_date and ws["C2"].value == dt.datetime(2026, 10, 1)
    assert ws["D2"].value == 12345 and ws["D2"].number_format == "#,##0"
    assert ws["E2"].value == pytest.approx(0.875) and ws["E2"].number_format == "0.0%"
    assert ws["F4"].value == "=SUM(A1:A2)" and ws["F4"].data_type == "s"  # text, not a formula
    assert ws.column_dimensions["A"].width >= len("Child reference")
    assert wb.properties.created == dt.datetime(2026, 11, 1, 6, 5)
    assert wb.properties.modified == dt.datetime(2026, 11, 1, 6, 5)


def test_atomic_write_leaves_no_temp_files(tmp_path):
    write_csv(COLUMNS, sample_rows(2), tmp_path / "x.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_a_long_title_and_slice_wrap_in_the_header_and_leave_the_marking_whole():
    """A service copy's running header (its title, then its slice heading) ran into the protective
    marking beside it, which broke onto two lines, "OFFICIAL-" over "SENSITIVE": the marking must
    read whole on every page whatever the header holds."""
    import io

    def markings(title: str, slice_label: str | None) -> list[int]:
        context = sample_context(30)
        context["report"]["title"], context["slice_label"] = title, slice_label
        data = render_pdf_bytes(render_html("table_report.html.j2", context), title=title)
        return [page.extract_text().count("OFFICIAL-SENSITIVE") for page in PdfReader(io.BytesIO(data)).pages]

    short = markings("Caseloads", None)
    long = markings("Allocations and caseload per team: Children and Young People's Disability Service",
                    "Role: SW · Team: CYPDS Team 1 · Service: Children and Young People's Disability Service")
    assert len(short) > 1 and long == short  # the top and bottom of every page, and the first page's heading


def test_a_long_report_title_names_its_sheet_by_whole_words():
    from reporting.render.tabular import sheet_title

    # 31 characters at most (Excel's limit), cut after the last whole word that fits
    assert sheet_title("Current CP plans with the last visit and the worker") == "Current CP plans with the last"
    assert sheet_title("Caseloads: by team / service") == "Caseloads by team service"
    assert sheet_title("A" * 40) == "A" * 31  # one word longer than the limit: cut inside it
    assert sheet_title("Exactly thirty-one characters!!") == "Exactly thirty-one characters!!"
    assert sheet_title("[]") == "Report"
