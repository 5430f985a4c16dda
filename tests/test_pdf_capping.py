"""The PDF is the reading copy: a long list shows its first rows and names the spreadsheet with all.

Rows are made up here (synthetic references in a deliberately unsorted order), so the expected
first rows, counts and summary figures are computed from the test's own list, not by the code
under test. Every PDF is read back as text (pypdf), every spreadsheet as data.
"""

from __future__ import annotations

import csv
import email
import io
import re
from collections import Counter
from datetime import date, timedelta
from email import policy
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from reporting import settings
from reporting.definitions import DefinitionLoadError, load_definition
from reporting.delivery.ledger import Ledger
from reporting.delivery.recipients import Person
from reporting.delivery.slices import indexes_for, rows_for, target_of
from reporting.delivery.transport import OutboxTransport
from reporting.disclosure import data_hash
from reporting.extract import Extract
from reporting.plan import Assignment
from reporting.publish import publish_period
from reporting.runner import render_report
from reporting.schedules.periods import Period

WEEK = Period(date(2026, 10, 19), date(2026, 10, 25))
TOTAL = 250
REF = re.compile(r"LR-\d{4}")

DEFINITION = """\
id: long_list
title: Long list for the PDF cap tests
description: One row per synthetic record, far more than a PDF reader would page through.
cadence: weekly
recipients:
  - {role: PERFORMANCE, scope: all}
  - {role: HOSPITALS, scope: agency}
sensitivity: partner
partner_columns: [ref, child_name, due]
columns:
  - {name: ref, label: Reference}
  - {name: child_name, label: Child}
  - {name: due, label: Due, type: date}
  - {name: days_late, label: Days late, type: int}
  - {name: status, label: Status, rag: rag}
  - {name: rag, label: RAG, hidden: true}
summaries:
  - title: Records by status
    group_by: status
    measures:
      - {name: records, label: Records, agg: count}
"""


def make_definition(folder: Path, extra: str = ""):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "long_list.yml"
    path.write_text(DEFINITION + extra)
    path.with_suffix(".sql").write_text("select 1 as ref")  # never run: the rows are given
    return load_definition(path)


def synthetic_rows() -> list[dict]:
    """TOTAL rows whose references are not in sorted order, so "the first N" is the given order."""
    rows = []
    for n in range(TOTAL):
        number = (n * 37) % TOTAL + 1  # a permutation of 1..TOTAL
        status = ("Overdue", "Due soon", "On time")[min(n % 5, 2)]
        rows.append({"ref": f"LR-{number:04d}", "child_name": f"Child {number}",
                     "due": date(2026, 10, 1) + timedelta(days=n % 30), "days_late": n % 9,
                     "status": status, "rag": {"Overdue": "red", "Due soon": "amber", "On time": "green"}[status]})
    return rows


def pdf_text(data: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(data), password=password)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def render(definition, rows, archive: Path, formats=("html", "pdf", "csv", "xlsx")):
    return render_report(definition, Extract([c.name for c in definition.spec.columns], rows, 0.0), WEEK, WEEK.end,
                         formats=list(formats), archive_root=archive, data_quality=[])


@pytest.fixture(autouse=True)
def no_cap_from_environment(monkeypatch):
    monkeypatch.delenv("MI_PDF_MAX_ROWS", raising=False)
    monkeypatch.delenv("MI_OUTPUT_FORMATS", raising=False)


def test_long_list_pdf_shows_first_rows_and_notice_spreadsheets_keep_every_row(tmp_path):
    definition = make_definition(tmp_path / "sql" / "lists", "pdf_max_rows: 40\n")
    rows = synthetic_rows()
    result = render(definition, rows, tmp_path / "archive")

    text = pdf_text(Path(result.outputs["pdf"]).read_bytes())
    expected_refs = [r["ref"] for r in rows[:40]]
    assert REF.findall(text) == expected_refs  # exactly the first 40, in the given order
    assert ("Showing the first 40 of 250 records. The full list is in the attached spreadsheet "
            "(long_list.xlsx / .csv).") in text
    # and what the 210 rows not shown are: rows 40..249 (n), status by n % 5: 0 red, 1 amber, 2-4 green;
    # red n = 40, 45, ..., 245: (245 - 40) / 5 + 1 = 42; amber n = 41, ..., 246: 42; green 210 - 84 = 126
    assert "210 further records are in the spreadsheet (42 red, 42 amber, 126 green)." in text
    # summaries are over every row, not the 40 shown
    for status, count in Counter(r["status"] for r in rows).items():
        assert f"{status} {count}" in text
    assert f"Total {TOTAL}" in text

    with open(result.outputs["csv"], newline="", encoding="utf-8") as fh:
        csv_refs = [line["Reference"] for line in csv.DictReader(fh)]
    assert csv_refs == [r["ref"] for r in rows]
    sheet = openpyxl.load_workbook(result.outputs["xlsx"]).active
    assert [c.value for c in sheet["A"]][1:] == [r["ref"] for r in rows]
    html = Path(result.outputs["html"]).read_text(encoding="utf-8")
    assert REF.findall(html) == [r["ref"] for r in rows] and "Showing the first" not in html

    # the content hash is the data's, whatever the PDF shows
    columns = [c.model_dump() for c in definition.spec.columns]
    assert result.content_hash == data_hash(columns, rows)
    uncapped = render(make_definition(tmp_path / "sql2" / "lists", "pdf_max_rows: 0\n"), rows, tmp_path / "a2")
    assert uncapped.content_hash == result.content_hash
    assert Path(uncapped.outputs["csv"]).read_bytes() == Path(result.outputs["csv"]).read_bytes()


def test_cap_zero_keeps_every_row(tmp_path):
    rows = synthetic_rows()
    result = render(make_definition(tmp_path / "sql" / "lists", "pdf_max_rows: 0\n"), rows, tmp_path / "archive",
                    formats=("pdf", "csv"))
    text = pdf_text(Path(result.outputs["pdf"]).read_bytes())
    assert REF.findall(text) == [r["ref"] for r in rows]
    assert "Showing the first" not in text


def test_default_cap_from_settings_and_environment(tmp_path, monkeypatch):
    definition = make_definition(tmp_path / "sql" / "lists")
    rows = synthetic_rows()
    assert settings.PDF_MAX_ROWS < TOTAL  # else this test would not exercise the default cap
    result = render(definition, rows, tmp_path / "a1", formats=("pdf", "xlsx"))
    text = pdf_text(Path(result.outputs["pdf"]).read_bytes())
    assert len(REF.findall(text)) == settings.PDF_MAX_ROWS
    assert f"Showing the first {settings.PDF_MAX_ROWS} of 250 records" in text and "(long_list.xlsx)" in text

    monkeypatch.setenv("MI_PDF_MAX_ROWS", "25")
    text = pdf_text(Path(render(definition, rows, tmp_path / "a2", formats=("pdf", "csv")).outputs["pdf"]).read_bytes())
    assert REF.findall(text) == [r["ref"] for r in rows[:25]] and "(long_list.csv)" in text

    # the definition's own value wins over the environment's default
    overriding = make_definition(tmp_path / "sql2" / "lists", "pdf_max_rows: 10\n")
    text = pdf_text(Path(render(overriding, rows, tmp_path / "a3", formats=("pdf", "csv")).outputs["pdf"]).read_bytes())
    assert len(REF.findall(text)) == 10


def test_short_list_and_pdf_without_spreadsheet_are_not_capped(tmp_path):
    definition = make_definition(tmp_path / "sql" / "lists", "pdf_max_rows: 40\n")
    rows = synthetic_rows()
    short = render(definition, rows[:40], tmp_path / "a1", formats=("pdf", "csv"))
    text = pdf_text(Path(short.outputs["pdf"]).read_bytes())
    assert len(REF.findall(text)) == 40 and "Showing the first" not in text and "further record" not in text
    # a PDF with no spreadsheet beside it would lose rows if capped: it shows them all
    alone = render(definition, rows, tmp_path / "a2", formats=("pdf",))
    assert REF.findall(pdf_text(Path(alone.outputs["pdf"]).read_bytes())) == [r["ref"] for r in rows]


@pytest.mark.parametrize("value", ["-1", "ten", "2.5"])
def test_bad_environment_value_names_the_variable(value, monkeypatch):
    monkeypatch.setenv("MI_PDF_MAX_ROWS", value)
    with pytest.raises(ValueError, match=f"MI_PDF_MAX_ROWS='{re.escape(value)}'"):
        settings.pdf_max_rows()


def test_negative_cap_in_definition_is_rejected_naming_file_and_field(tmp_path):
    with pytest.raises(DefinitionLoadError) as failed:
        make_definition(tmp_path / "sql" / "lists", "pdf_max_rows: -5\n")
    message = str(failed.value)
    assert str(tmp_path / "sql" / "lists" / "long_list.yml") in message
    assert "(field: pdf_max_rows)" in message and "greater than or equal to 0" in message


def test_staff_get_capped_pdf_with_spreadsheets_partner_gets_full_encrypted_pdf(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    definition = make_definition(tmp_path / "sql" / "lists", "pdf_max_rows: 30\n")
    rows = synthetic_rows()
    staff = Person("performance.lead@example.org", "Performance lead", "all", None, "Whole report", "staff",
                   ("PERFORMANCE",))
    admin = "safeguarding-admin@hospital.example.org"  # where the partner's PDF password goes
    partner = Person("safeguarding@hospital.example.org", "Test hospital", "agency", "testhosp", "Test hospital",
                     "partner", ("HOSPITALS",), password_to=admin)
    assignments = [Assignment(p, rows_for(definition.spec, rows, p, None), indexes_for(definition.spec, rows, p, None),
                              target_of(definition.spec, p)) for p in (staff, partner)]
    outbox = tmp_path / "outbox"
    ledger = Ledger(f"sqlite:///{tmp_path / 'state.sqlite'}")
    counts = publish_period(definition, rows, WEEK, WEEK.end, casedb=None, transport=OutboxTransport(outbox),
                                     ledger=ledger, assignments=assignments)
    ledger.dispose()
    assert counts["sent"] == 2 and counts["passwords_sent"] == 1
    messages = {m["To"]: m for m in (email.message_from_bytes(p.read_bytes(), policy=policy.default)
                                     for p in outbox.glob("*.eml"))}

    attached = {f.get_filename(): f.get_content() for f in messages[staff.email].iter_attachments()}
    assert set(attached) == {"long_list.pdf", "long_list.xlsx", "long_list.csv"}
    text = pdf_text(attached["long_list.pdf"])
    assert REF.findall(text) == [r["ref"] for r in rows[:30]]
    assert "Showing the first 30 of 250 records" in text
    # rows 30..249 left out (220): red n % 5 == 0: 30..245 = 44; amber 44; green 220 - 88 = 132
    assert "220 further records are in the spreadsheet (44 red, 44 amber, 132 green)." in text
    csv_text = attached["long_list.csv"]
    csv_text = csv_text.decode("utf-8") if isinstance(csv_text, bytes) else csv_text
    assert [line["Reference"] for line in csv.DictReader(io.StringIO(csv_text))] == [r["ref"] for r in rows]
    sheet = openpyxl.load_workbook(io.BytesIO(attached["long_list.xlsx"])).active
    assert sheet.max_row == TOTAL + 1

    files = list(messages[partner.email].iter_attachments())
    assert [f.get_filename() for f in files] == [next(f.get_filename() for f in files)]
    assert files[0].get_filename().endswith(".encrypted.pdf")
    password = messages[partner.password_to].get_content().split("is:")[1].split()[0]
    text = pdf_text(files[0].get_content(), password=password)
    assert REF.findall(text) == [r["ref"] for r in rows]  # every row: partners get nothing else
    assert "Showing the first" not in text


def test_left_out_rows_all_green_say_so(tmp_path):
    """When every row the PDF leaves to the spreadsheet is green, the notice says "all green"."""
    definition = make_definition(tmp_path / "sql" / "lists", "pdf_max_rows: 100\n")
    # the red and amber rows first (n % 5 in 0, 1: 50 + 50 = 100 rows), then the 150 green ones
    rows = sorted(synthetic_rows(), key=lambda r: r["rag"] == "green")
    assert sum(r["rag"] != "green" for r in rows) == 100
    text = pdf_text(Path(render(definition, rows, tmp_path / "archive", formats=("pdf", "csv")).outputs["pdf"])
                    .read_bytes())
    assert REF.findall(text) == [r["ref"] for r in rows[:100]]
    assert "150 further records are in the spreadsheet (all green)." in text


def test_a_template_that_lists_fewer_rows_than_it_extracted_counts_its_own_list(tmp_path, monkeypatch):
    """cp_lists_to_agencies extracts the plans that ended in the week too (on_list 0), for its first
    page, and keeps them out of its list: the notice counts the list, not the extract."""
    from reporting.definitions import load_catalogue

    monkeypatch.setenv("MI_PDF_MAX_ROWS", "5")
    definition = load_catalogue().get("cp_lists_to_agencies")
    rows = []
    for n in range(1, 16):  # 12 children on a plan (n 1-12), 3 plans ended in the week (n 13-15)
        on_list = n <= 12
        rows.append({"person_id": f"P{n:07d}", "child_name": f"Child {n}", "surname": f"S{n}",
                     "date_of_birth": date(2020, 1, n), "plan_start": date(2026, 1, n),
                     "plan_end": None if on_list else date(2026, 10, 20), "category": "Neglect",
                     "on_list": int(on_list), "is_new": 0, "new_flag": "",
                     "change": "" if on_list else "Plan ended", "team_id": "T1", "team_name": "Team 1",
                     "team_contact": "manager@example.org", "worker_name": "Worker 1"})
    result = render(definition, rows, tmp_path / "archive", formats=("pdf", "xlsx"))
    text = pdf_text(Path(result.outputs["pdf"]).read_bytes())
    # the list: 12 children, the first 5 shown, 12 - 5 = 7 in the spreadsheet; the extract's 15 nowhere
    assert "12 records (first 5 shown)" in text
    assert "Showing the first 5 of 12 records." in text and "7 further records are in the spreadsheet." in text
    assert "of 15 records" not in text


@pytest.mark.xdist_group("sqlite_seed")
def test_every_red_record_an_email_names_is_in_the_pdf_it_attaches(seeded_sqlite_url):
    """The digest names the first five red records of a list for its reader to act on first
    (`summaries.top_overdue`, in the list's order); the PDF shows the list's first 100 rows. So the
    first five red rows must be among them. rcpc_next_review_timeliness sorted 'Not yet due' before
    'Held late': its PDF showed 100 green rows and its e-mail named five red reviews the PDF left
    to the spreadsheet. cp_plan_durations put its one red plan (ended after two years) at row 180.
    Every report of the camden seed, each for its latest complete period at 26 Oct 2026."""
    from sqlalchemy import create_engine

    from reporting import since_last
    from reporting.definitions import load_catalogue
    from reporting.extract import run_extract
    from reporting.runner import pdf_row_cap
    from reporting.schedules.periods import latest_complete_period
    from reporting.summaries import TOP_OVERDUE

    engine = create_engine(seeded_sqlite_url)
    named_not_shown = {}
    for report_id, definition in load_catalogue().reports.items():
        spec = definition.spec
        rag, cap = since_last.rag_column(spec), pdf_row_cap(spec, ["pdf", "csv", "xlsx"])
        if rag is None or not cap or not since_last.applies(spec):
            continue
        period = latest_complete_period(spec.cadence, date(2026, 10, 26))
        rows = since_last.listed(spec, run_extract(definition, engine, period_start=period.start,
                                                   period_end=period.end, as_at=period.end).rows)
        named = [i for i, r in enumerate(rows) if r[rag] == "red"][:TOP_OVERDUE]
        if any(i >= cap for i in named):
            named_not_shown[report_id] = named
    engine.dispose()
    assert named_not_shown == {}
