"""Lists built for action: read as their recipients read them.

A team manager's slice names the team once in its heading, groups the rows by allocated worker
with each worker's subtotal, and says at the top how many of its records are red; the status comes
straight after the child in the HTML and the PDF; the HTML fits a 1,280 px window. The expected
values are worked out by hand from the eight rows below (the arithmetic is in the comments); the
PDFs are read back as text (pypdf), the HTML as text, the spreadsheets as data. The last tests
open two wide reports from the seeded case database in headless Chromium, measure them and run
axe-core (tests/fixtures/axe-core) in the page.
"""

from __future__ import annotations

import csv
import html as htmllib
import re
from datetime import date
from pathlib import Path

import pytest
from in_chromium import measure_in_chromium
from pypdf import PdfReader

from reporting.definitions import load_definition
from reporting.extract import Extract
from reporting.render.listing import left_out_text, list_layout, red_text, status_first
from reporting.runner import render_report
from reporting.schedules.periods import Period

WEEK = Period(date(2026, 10, 19), date(2026, 10, 25))
REF = re.compile(r"TR-\d\d")

DEFINITION = """\
id: team_list
title: Visits due for the team list tests
description: One row per synthetic child with a visit due, for the team slice tests.
cadence: weekly
recipients:
  - {role: TM, scope: team}
burst_key: team_id
burst_label: team_name
columns:
  - {name: ref, label: Reference}
  - {name: child_name, label: Child}
  - {name: team_id, label: Team ID, hidden: true}
  - {name: team_name, label: Team}
  - {name: worker_name, label: Allocated worker}
  - {name: due, label: Visit due, type: date}
  - {name: days_overdue, label: Days overdue, type: int}
  - {name: status, label: Status, rag: status_rag}
  - {name: status_rag, label: RAG, hidden: true}
"""

RAG = {"Overdue": "red", "Due soon": "amber", "On time": "green"}
#        ref     child      team  team name     worker      status
ROWS = [("TR-01", "Child A", "T1", "Alpha Team", "Bea Khan", "Overdue"),
        ("TR-02", "Child B", "T1", "Alpha Team", "Ali Shah", "On time"),
        ("TR-03", "Child C", "T1", "Alpha Team", "Bea Khan", "Due soon"),
        ("TR-04", "Child D", "T1", "Alpha Team", None, "On time"),
        ("TR-05", "Child E", "T1", "Alpha Team", "Bea Khan", "Overdue"),
        ("TR-06", "Child F", "T1", "Alpha Team", "Ali Shah", "Overdue"),
        ("TR-07", "Child G", "T2", "Beta Team", "Cal Reed", "Overdue"),
        ("TR-08", "Child H", "T2", "Beta Team", "Dee Moss", "On time")]


def rows() -> list[dict]:
    return [{"ref": ref, "child_name": child, "team_id": team, "team_name": name, "worker_name": worker,
             "due": date(2026, 10, 20 + n % 5), "days_overdue": 3 if status == "Overdue" else 0,
             "status": status, "status_rag": RAG[status]}
            for n, (ref, child, team, name, worker, status) in enumerate(ROWS)]


def team(key: str) -> list[dict]:
    return [r for r in rows() if r["team_id"] == key]


@pytest.fixture
def definition(tmp_path):
    def make(extra: str = ""):
        folder = tmp_path / "sql" / "lists"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "team_list.yml"
        path.write_text(DEFINITION + extra)
        path.with_suffix(".sql").write_text("select 1 as ref")  # never run: the rows are given
        return load_definition(path)
    return make


@pytest.fixture(autouse=True)
def no_settings_from_environment(monkeypatch):
    monkeypatch.delenv("MI_PDF_MAX_ROWS", raising=False)
    monkeypatch.delenv("MI_OUTPUT_FORMATS", raising=False)


def render(definition, chosen, archive: Path, formats=("html", "pdf", "csv"), **kwargs):
    return render_report(definition, Extract([c.name for c in definition.spec.columns], chosen, 0.0), WEEK, WEEK.end,
                         formats=list(formats), archive_root=archive, data_quality=[], **kwargs)


def pdf_text(path: str) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def html_text(path: str) -> str:
    """The HTML's text, tags dropped and whitespace collapsed (what a reader sees)."""
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", Path(path).read_text(encoding="utf-8"), flags=re.S)
    return " ".join(htmllib.unescape(text).split())


def headers(path: str) -> list[str]:
    table = Path(path).read_text(encoding="utf-8").split('class="data-table')[1]
    return re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)


# ---- the layout rules on their own -------------------------------------------------------------------
def test_status_comes_straight_after_the_records_identifier():
    def names(columns):
        return [c["name"] for c in status_first([{"name": n, "label": n, "type": "text",
                                                  "rag": "r" if n in rag else None} for n in columns])]
    rag = {"status"}
    # the missing-children list: episode, person and child identify the record
    assert names(["episode_id", "person_id", "child_name", "team_name", "worker_name", "missing_from", "status",
                  "rhi_offered"]) == ["episode_id", "person_id", "child_name", "status", "team_name", "worker_name",
                                      "missing_from", "rhi_offered"]
    # a worker's caseload list: its first column (the worker) identifies the row
    rag = {"caseload_band"}
    assert names(["worker_name", "team_name", "allocated_cases", "caseload_band"]) == [
        "worker_name", "caseload_band", "team_name", "allocated_cases"]
    # two RAG columns keep their order; a column named status without RAG colouring moves too
    rag = {"health", "dental"}
    assert names(["person_id", "child_name", "age", "health", "dental_due", "dental"]) == [
        "person_id", "child_name", "health", "dental", "age", "dental_due"]
    rag = set()
    assert names(["plan_id", "person_id", "child_name", "plan_start", "status"]) == [
        "plan_id", "person_id", "child_name", "status", "plan_start"]


def test_what_a_short_pdf_leaves_out_is_counted_by_status():
    column = {"name": "status", "label": "Status", "type": "text", "rag": "rag"}
    left = [{"status": s, "rag": r} for s, r in [("Late", "red")] * 12 + [("Soon", "amber")] * 30
            + [("Fine", "green")] * 53]
    # 12 + 30 + 53 = 95 rows
    assert left_out_text(left, column) == "95 further records are in the spreadsheet (12 red, 30 amber, 53 green)."
    assert left_out_text(left[-3:], column) == "3 further records are in the spreadsheet (all green)."
    assert left_out_text(left[:1], column) == "1 further record is in the spreadsheet (all red)."
    assert left_out_text([*left[:2], {"status": None, "rag": None}], column) == (
        "3 further records are in the spreadsheet (2 red, 1 with no status).")
    assert left_out_text(left[:5], None) == "5 further records are in the spreadsheet."
    # the top of a team's list: 12 of the 95 are red, every one "Late"
    assert red_text(left, column) == "12 of 95 records are red: late."
    assert red_text(left[12:], column) == "None of the 83 records are red."


def test_one_row_copy_lifts_only_the_columns_it_was_cut_by():
    columns = [{"name": n, "label": n.title(), "type": "text"} for n in ("ref", "team_name", "worker_name", "note")]
    one = [{"ref": "A", "team_name": "Alpha", "worker_name": "Bea", "note": "x"}]
    layout = list_layout(columns, one, part=True, cut_by=["team_id", "team_name"])
    assert layout["heading"] == [{"label": "Team_Name", "value": "Alpha"}]  # not the row's own worker or note
    whole = list_layout(columns, one * 3)
    assert whole["heading"] == [] and [c["name"] for c in whole["columns"]] == ["ref", "team_name", "worker_name",
                                                                                "note"]


def test_a_value_every_row_shares_by_chance_stays_in_the_table():
    """A service's copy of cp_plan_durations whose three rows were all SAB plans that ended this
    period had "Team: LAC 1 · Category: SAB · Status: Ended this period" over it, which read as a
    copy cut by category and status. Only the part's own columns (team, service, school) move up."""
    columns = [{"name": n, "label": label, "type": "text"} for n, label in (
        ("ref", "Ref"), ("team_name", "Team"), ("service_name", "Service"), ("category", "Category"),
        ("postcode", "Postcode"))]
    rows = [{"ref": r, "team_name": "LAC 1", "service_name": "LAC service", "category": "SAB", "postcode": "SE18 3AA"}
            for r in ("A", "B", "C")]
    layout = list_layout(columns, rows, part=True)
    assert layout["heading"] == [{"label": "Team", "value": "LAC 1"}, {"label": "Service", "value": "LAC service"}]
    assert [c["name"] for c in layout["columns"]] == ["ref", "category", "postcode"]


# ---- a team's slice, rendered ------------------------------------------------------------------------
def test_team_slice_names_the_team_once_groups_by_worker_and_counts_red(definition, tmp_path):
    spec = definition()
    result = render(spec, team("T1"), tmp_path / "archive", slice_key="T1")
    html, text = html_text(result.outputs["html"]), pdf_text(result.outputs["pdf"])

    for read in (html, text):
        # the team is the same on every row: it is in the heading, not the table
        assert "Team: Alpha Team" in read
        # red rows of team T1: TR-01, TR-05 (Bea Khan), TR-06 (Ali Shah) = 3 of its 6 rows, all "Overdue"
        assert "3 of 6 records are red: overdue." in read
        # by worker, alphabetically, the unallocated last:
        #   Ali Shah: TR-02 (green), TR-06 (red)              -> 2 records, 1 red
        #   Bea Khan: TR-01 (red), TR-03 (amber), TR-05 (red) -> 3 records, 2 red
        #   no worker: TR-04 (green)                          -> 1 record, 0 red
        assert "Ali Shah — 2 records, 1 red" in read
        assert "Bea Khan — 3 records, 2 red" in read
        assert "Not allocated — 1 record, 0 red" in read
        assert read.index("Ali Shah —") < read.index("Bea Khan —") < read.index("Not allocated —")
        # rows in worker order, each worker's in the report's order
        assert REF.findall(read) == ["TR-02", "TR-06", "TR-01", "TR-03", "TR-05", "TR-04"]
    # the status right after the child; team (heading) and worker (group headings) out of the table
    assert headers(result.outputs["html"]) == ["Reference", "Child", "Status", "Visit due", "Days overdue"]
    assert "Reference Child Status Visit due Days overdue" in text
    assert "by allocated worker" in html

    # the spreadsheet keeps every shown column, in the definition's order, rows as given
    with open(result.outputs["csv"], newline="", encoding="utf-8") as fh:
        read_back = list(csv.DictReader(fh))
    assert list(read_back[0]) == ["Reference", "Child", "Team", "Allocated worker", "Visit due", "Days overdue",
                                  "Status"]
    assert [r["Reference"] for r in read_back] == [r["ref"] for r in team("T1")]
    assert {r["Team"] for r in read_back} == {"Alpha Team"}


def test_each_pdf_page_header_names_the_worker_whose_rows_it_continues_and_no_other(definition, tmp_path):
    """Eight workers of 5 to 20 rows, 86 in all, over several pages: a page that carries on a
    worker's rows names them in its header; a page that starts with the next worker's heading
    names nobody there (the heading says who), never the worker whose rows ended on the page before."""
    workers = {"Ann Able": 5, "Ben Bold": 14, "Cat Cole": 3, "Dan Dale": 17, "Eve Ewan": 9, "Fay Ford": 12,
               "Gus Gold": 6, "Hal Hart": 20}
    chosen = [{**team("T1")[0], "ref": f"TR-{n:02d}", "worker_name": worker}
              for n, worker in enumerate(w for w, count in workers.items() for _ in range(count))]
    result = render(definition(), chosen, tmp_path / "archive", slice_key="T1", formats=("pdf",))
    heading = re.compile(r"(" + "|".join(workers) + r") — \d+ records?")
    carried, fresh, last = 0, 0, None
    for number, page in enumerate(PdfReader(result.outputs["pdf"]).pages):
        text = " ".join(page.extract_text().split())
        if number == 0:  # the first page starts the list
            last = [m.group(1) for m in heading.finditer(text)][-1]
            continue
        named = re.search(r"Allocated worker: (" + "|".join(workers) + ")", text)
        first_row, first_heading = REF.search(text), heading.search(text)
        assert first_row or first_heading, text
        if first_heading and (not first_row or first_heading.start() < first_row.start()):
            fresh += 1
            assert named is None, f"a page starting with {first_heading.group(1)}'s heading names {named.group(1)}"
        else:
            carried += 1
            assert named is not None and named.group(1) == last, (named and named.group(1), last)
        last = ([m.group(1) for m in heading.finditer(text)] or [last])[-1]
    assert carried and fresh, "the case should have pages of both kinds"


def test_whole_report_keeps_every_column_and_its_order_with_status_first(definition, tmp_path):
    result = render(definition(), rows(), tmp_path / "archive")
    html, text = html_text(result.outputs["html"]), pdf_text(result.outputs["pdf"])
    assert headers(result.outputs["html"]) == ["Reference", "Child", "Status", "Team", "Allocated worker", "Visit due",
                                               "Days overdue"]
    assert "Reference Child Status Team Allocated worker Visit due Days overdue" in text
    for read in (html, text):
        assert REF.findall(read) == [r["ref"] for r in rows()]  # the report's own order, not grouped
        assert "records are red" not in read and "Team: " not in read and "— 2 records" not in read


def test_a_copy_with_one_worker_names_them_in_the_heading_instead_of_grouping(definition, tmp_path):
    # a custom copy (not a burst slice) of Bea Khan's three rows: team and worker are the same on each
    chosen = [r for r in team("T1") if r["worker_name"] == "Bea Khan"]
    result = render(definition(), chosen, tmp_path / "archive", part_of_report=True)
    html = html_text(result.outputs["html"])
    assert "Team: Alpha Team · Allocated worker: Bea Khan" in html
    assert "— 3 records" not in html  # no groups: one worker
    # TR-01 and TR-05 are red, TR-03 amber: 2 of 3
    assert "2 of 3 records are red: overdue." in html
    assert headers(result.outputs["html"]) == ["Reference", "Child", "Status", "Visit due", "Days overdue"]


def test_capped_team_slice_says_what_it_left_out_and_keeps_every_workers_subtotal(definition, tmp_path):
    spec = definition("pdf_max_rows: 4\n")
    result = render(spec, team("T1"), tmp_path / "archive", slice_key="T1")
    text = pdf_text(result.outputs["pdf"])
    # worker order is TR-02, TR-06 | TR-01, TR-03, TR-05 | TR-04: the first 4 shown are
    # TR-02, TR-06, TR-01, TR-03; left out TR-05 (red) and TR-04 (green)
    assert "Showing the first 4 of 6 records" in text
    assert "2 further records are in the spreadsheet (1 red, 1 green)." in text
    listed = text.split("by allocated worker", 1)[1]
    assert REF.findall(listed) == ["TR-02", "TR-06", "TR-01", "TR-03"]
    # Bea Khan's group stops after 2 of her 3 rows; nobody is shown as unallocated
    assert "Bea Khan — 3 records, 2 red (the first 2 shown here)" in text
    assert "Not allocated —" not in text
    # above the list, every worker's subtotal, the one left out too (worker, records, red)
    assert "Records by allocated worker Allocated worker Records Red Ali Shah 2 1 Bea Khan 3 2 Not allocated 1 0" \
        in text
    html = html_text(result.outputs["html"])  # the HTML is not capped: every row, no subtotal table
    assert REF.findall(html) == ["TR-02", "TR-06", "TR-01", "TR-03", "TR-05", "TR-04"]
    assert "Records by allocated worker" not in html and "further record" not in html


def test_capped_whole_report_counts_the_rows_left_out_or_says_all_green(definition, tmp_path):
    spec = definition("pdf_max_rows: 4\n")
    text = pdf_text(render(spec, rows(), tmp_path / "a1").outputs["pdf"])
    # first 4 rows TR-01..TR-04 shown; left out TR-05 (red), TR-06 (red), TR-07 (red), TR-08 (green)
    assert "4 further records are in the spreadsheet (3 red, 1 green)." in text
    greens_last = sorted(rows(), key=lambda r: r["status_rag"] == "green")  # stable: reds and amber first
    # TR-01, TR-03, TR-05, TR-06, TR-07 shown (5: cap), left out TR-02, TR-04, TR-08: all "On time"
    text = pdf_text(render(definition("pdf_max_rows: 5\n"), greens_last, tmp_path / "a2").outputs["pdf"])
    assert "3 further records are in the spreadsheet (all green)." in text


def test_team_slice_page_in_headless_chromium_fits_1280(definition, tmp_path):
    result = render(definition(), team("T1"), tmp_path / "archive", slice_key="T1")
    measured = measure_in_chromium(Path(result.outputs["html"]), tmp_path)
    assert measured["scrollWidth"] <= 1280 and measured["violations"] == [], measured


# ---- two wide reports from the seeded case database, in headless Chromium -----------------------------
@pytest.mark.xdist_group("sqlite_seed")
@pytest.mark.parametrize("report_id", ["missing_children_weekly", "cin_visits_timescales"])
def test_wide_list_fits_1280_with_status_in_view_and_no_axe_violations(report_id, seeded_sqlite_url, tmp_path):
    from sqlalchemy import create_engine

    from reporting.definitions import load_catalogue
    from reporting.extract import run_extract
    from reporting.schedules.periods import latest_complete_period

    report = load_catalogue().get(report_id)
    period = latest_complete_period(report.spec.cadence, date(2026, 10, 26))
    engine = create_engine(seeded_sqlite_url)
    try:
        extract = run_extract(report, engine, period_start=period.start, period_end=period.end, as_at=period.end)
    finally:
        engine.dispose()
    shown = [c for c in report.spec.columns if not c.hidden]
    assert len(shown) >= 13, "a wide list: the point of the test"
    whole = render_report(report, extract, period, period.end, formats=["html"], data_quality=[],
                          archive_root=tmp_path / "archive")
    # the team with the most rows: its slice, as its team manager gets it
    teams = [r["team_id"] for r in extract.rows if r["team_id"]]
    biggest = max(sorted(set(teams)), key=teams.count)
    chosen = [r for r in extract.rows if r["team_id"] == biggest]
    part = render_report(report, Extract(extract.columns, chosen, 0.0), period, period.end, formats=["html"],
                         data_quality=[], slice_key=biggest, archive_root=tmp_path / "archive")
    for result in (whole, part):
        measured = measure_in_chromium(Path(result.outputs["html"]), tmp_path)
        assert measured["scrollWidth"] <= 1280, measured  # no horizontal scrolling
        assert len(measured["status"]) == 1, measured
        box = measured["status"][0]
        assert 0 <= box["left"] < box["right"] <= 1280, measured  # the Status column is in the window
        assert measured["violations"] == [], measured["violations"]
    assert f"Team: {chosen[0]['team_name']}" in html_text(part.outputs["html"])


def test_a_label_inside_a_sentence_keeps_an_initialisms_capitals():
    from reporting.text import lower_first

    # "Conferences by DfE band", never "by dfE band"; a plain word is lowered
    assert [lower_first(t) for t in ("DfE band", "CP plan ended", "ASYE", "Team", "Overdue", "")] == [
        "DfE band", "CP plan ended", "ASYE", "team", "overdue", ""]


def test_a_list_with_no_red_records_is_not_flagged_in_red(definition, tmp_path):
    spec = definition()
    red = render(spec, team("T1"), tmp_path / "red", slice_key="T1", formats=("html",))
    green = [{**r, "status": "On time", "status_rag": "green"} for r in team("T1")]
    calm = render(spec, green, tmp_path / "calm", slice_key="T1", formats=("html",))
    assert '<p class="red-count" role="note">3 of 6 records are red: overdue.</p>' in Path(
        red.outputs["html"]).read_text(encoding="utf-8")
    assert '<p class="red-count none-red" role="note">None of the 6 records are red.</p>' in Path(
        calm.outputs["html"]).read_text(encoding="utf-8")


def test_an_email_address_in_a_list_is_never_broken_across_lines(tmp_path):
    """cp_lists_to_agencies, as its partners read it: the team contact is an address to copy, so it
    stays on one line of its cell. Its column was sized from a character count that took "@", "m"
    and "w" for average letters (the address below is 36.4 average lower-case letters wide in the
    table's face, DejaVu Sans Condensed, not the 35.8 counted), and wrapped as "...example.or" / "g"."""
    from reporting.definitions import load_catalogue

    definition = load_catalogue().get("cp_lists_to_agencies")
    address = "mason.mensah.w0000480@example.org"
    blank = {c.name: None for c in definition.spec.columns}
    chosen = [{**blank, "person_id": f"P00{n:05d}", "child_name": "Sofia Ahmed", "surname": "Ahmed",
               "date_of_birth": date(2015, 3, 12), "plan_start": date(2026, 4, 28), "category": "Emotional abuse",
               "on_list": 1, "is_new": int(n < 3), "new_flag": "New this week" if n < 3 else None,
               "change": "Plan started" if n < 3 else None, "team_id": f"T{n % 2}",
               "team_name": "GOSH Hospital Team 1" if n % 2 else "Family Intervention Team 1",
               "team_contact": address if n % 2 else "ruby.evans.w0000119@example.org",
               "worker_name": "Elijah Faulkner"} for n in range(12)]
    chosen += [{**chosen[0], "person_id": "P0099999", "child_name": "Safiya Kowalski", "plan_end": date(2026, 10, 19),
                "on_list": 0, "is_new": 0, "new_flag": None, "change": "Plan ended", "team_name": "Looked After "
                "Children Team 2", "team_contact": "jade.uddin.w0000204@example.org"}]
    result = render(definition, chosen, tmp_path / "archive", formats=("html", "pdf"))
    text, html = pdf_text(result.outputs["pdf"]), html_text(result.outputs["html"])
    # 6 rows on the list, 1 in the week's starts and ends (n = 1); the other address 6 + 2; the
    # ended plan's, 1 (only in the week's table): the PDF shows each as often as the HTML, whole
    for contact, shown in ((address, 7), ("ruby.evans.w0000119@example.org", 8),
                           ("jade.uddin.w0000204@example.org", 1)):
        assert html.count(contact) == text.count(contact) == shown, contact


@pytest.mark.xdist_group("sqlite_seed")
@pytest.mark.parametrize("report_id", ["strategy_discussions_incomplete", "cp_visits_due_next_week",
                                       "cait_monthly_cp_figures", "workforce_profile"])
def test_no_pdf_ends_on_a_page_holding_only_the_handling_note(report_id, seeded_sqlite_url, tmp_path, monkeypatch):
    """These four PDFs of the camden seed (26 Oct 2026) ended on a page whose only text, under the
    running header, was "Handling: OFFICIAL-SENSITIVE. Contains information about children...".
    The last notes now stay together: that page also carries the report reference at least."""
    from typer.testing import CliRunner

    from reporting.cli.main import app

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    result = CliRunner().invoke(app, ["reports", "render", report_id, "--as-at", "2026-10-26",
                                      "--out", str(tmp_path), "--format", "pdf,csv"])
    assert result.exit_code == 0, result.output
    [pdf] = tmp_path.glob(f"{report_id}/*/{report_id}.pdf")
    last = " ".join(PdfReader(pdf).pages[-1].extract_text().split())
    assert "Handling" in last and "Report reference" in last, last
