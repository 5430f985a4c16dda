"""Disclosure control across everything an aggregate report publishes: charts, the rows table and
the summary tables read together, and the overview's comparison figures.

Synthetic figures only (no case database): each test builds the rows a report's SQL would return
and checks what the rendered report shows.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser

import pytest
from test_delivery import _derivable  # the linear-algebra check of one table, reused on two

from reporting import disclosure as sdc
from reporting.definitions import load_catalogue
from reporting.delivery.recipients import Person
from reporting.delivery.slices import definition_for, rows_for, slice_definition
from reporting.extract import Extract
from reporting.runner import render_report
from reporting.schedules.periods import Period

PERIOD = Period(date(2026, 7, 1), date(2026, 9, 30))
CSCP = Person(email="cscp@example.org", name="CSCP", scope="agency", key="cscp", label="CSCP",
              kind="partner", roles=("CSCP",))
SUMMARY = "Attendance by agency"
SVG = "{http://www.w3.org/2000/svg}"
CHART = "Attended by agency"  # a chart is titled by the measure it plots (chart_measure: attended)


# ---- synthetic rows of cp_conference_agency_attendance -----------------------------------------
def attendance(figures: dict[tuple[str, str], tuple[int, int]]) -> list[dict]:
    """Rows as the report's SQL returns them: (agency, I or R) -> (invited, attended)."""
    rows = []
    for (agency, kind), (invited, attended) in sorted(figures.items()):
        reports = attended // 2
        rows.append({"agency": agency, "conference_type": "Initial (ICPC)" if kind == "I" else "Review (RCPC)",
                     "conferences": invited, "invited": invited, "attended": attended,
                     "reports_submitted": reports, "pct_attended": round(100.0 * attended / invited, 1),
                     "pct_reports": round(100.0 * reports / invited, 1)})
    return rows


# Health Initial attended 3 is hidden in the rows; Health's summary (3 + 25) would give it back.
# Housing's attendance (1 + 2) is 3: hidden in the summary table.
TYPICAL = {("Education", "I"): (12, 10), ("Education", "R"): (20, 16),
           ("Health", "I"): (4, 3), ("Health", "R"): (30, 25),
           ("Housing", "I"): (9, 1), ("Housing", "R"): (8, 2),
           ("Police", "I"): (14, 12), ("Police", "R"): (22, 20)}
# Every small count is in one agency: the other agencies' summaries are worked out from the rows,
# so hiding one of them instead of a row cell would not protect Health's summary (2 + 3 = 5).
ONE_AGENCY = {("Education", "I"): (12, 10), ("Education", "R"): (20, 16),
              ("Health", "I"): (9, 2), ("Health", "R"): (9, 3),
              ("Police", "I"): (14, 12), ("Police", "R"): (22, 20)}
# Small counts in two agencies, one of them alone with its group.
TWO_AGENCIES = {("Education", "I"): (12, 10), ("Education", "R"): (20, 16),
                ("Health", "I"): (9, 4), ("Health", "R"): (30, 25),
                ("Police", "I"): (14, 12), ("Police", "R"): (22, 2)}


@pytest.fixture(scope="module")
def report():
    return load_catalogue().get("cp_conference_agency_attendance")


def render(report, rows, tmp_path, *, partner: bool = True) -> str:
    """The report's HTML as the partnership (or, partner=False, the director) receives it."""
    spec = slice_definition(report.spec, CSCP) if partner else report.spec
    shown = rows_for(report.spec, rows, CSCP, None) if partner else rows
    result = render_report(definition_for(report, spec), Extract(list(shown[0]), shown, 0.0), PERIOD,
                           PERIOD.end, formats=["html"], archive_root=tmp_path, data_quality=[])
    return open(result.outputs["html"], encoding="utf-8").read()


# ---- reading the published HTML ------------------------------------------------------------------
class Tables(HTMLParser):
    """Every table of a page by caption (rows of cell texts), and every chart's <title>."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.chart_titles: list[str] = []
        self._caption = self._cell = self._title = None
        self._current = ""
        self._rows: list[list[str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = ""
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "title":  # the page's own <title> too; callers pick charts by their title
            self._title = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self._current = self._caption.strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "table":
            self.tables[self._current] = self._rows
        elif tag == "title" and self._title is not None:
            self.chart_titles.append(self._title.strip())
            self._title = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption += data
        elif self._cell is not None:
            self._cell += data
        elif self._title is not None:
            self._title += data

    def table(self, caption_start: str) -> list[dict[str, str]]:
        [rows] = [rows for caption, rows in self.tables.items() if caption.startswith(caption_start)]
        header, *body = rows
        return [dict(zip(header, row)) for row in body]


def number(text: str) -> int | None:
    """A published count: None when hidden (`c`)."""
    return None if text == sdc.SUPPRESSED else int(text.replace(",", ""))


def determined(page: Tables, report, column: str) -> set:
    """Hidden cells of one count column that the rows table and the summary table fix together.

    Published lines: the rows add up to the summary's Total; each agency's rows add up to that
    agency's summary cell; the agencies' cells add up to the Total.
    """
    records = page.table(report.spec.title)
    summary = {r["Agency"]: number(r[column]) for r in page.table(SUMMARY)}
    cells = {("row", i): number(r[column]) for i, r in enumerate(records)}
    cells |= {("group", agency): value for agency, value in summary.items() if agency != "Total"}
    cells[("total",)] = summary["Total"]
    groups = sorted({r["Agency"] for r in records})
    lines = [([("row", i) for i in range(len(records))], ("total",))]
    lines += [([("row", i) for i, r in enumerate(records) if r["Agency"] == g], ("group", g)) for g in groups]
    lines += [([("group", g) for g in groups], ("total",))]
    hidden = {cell for cell, value in cells.items() if value is None}
    return _derivable(cells, hidden, lines)


# ---- 1. charts show what the tables show ---------------------------------------------------------
def chart_parts(html: str, title: str) -> tuple[ET.Element, dict[str, dict[int, str]]]:
    """The chart under the figure caption `title`: its SVG, and the text of each part by row number
    (reporting.render.charts names them label-N, value-N and bar-N)."""
    start = html.index(f"<figcaption>{title}</figcaption>")
    root = ET.fromstring(html[html.index("<svg", start):html.index("</svg>", start) + len("</svg>")])
    parts: dict[str, dict[int, str]] = {"label": {}, "value": {}, "bar": {}}
    for group in root.iter(f"{SVG}g"):
        found = re.search(r"-(label|value|bar)-(\d+)$", group.get("id", ""))
        if found:
            parts[found.group(1)][int(found.group(2))] = " ".join(t.strip() for t in group.itertext() if t.strip())
    return root, parts


def test_chart_of_a_suppressed_summary_shows_c_not_the_hidden_count(report, tmp_path):
    html = render(report, attendance(TYPICAL), tmp_path)
    page = Tables(html)
    housing = next(r for r in page.table(SUMMARY) if r["Agency"] == "Housing")
    assert housing["Attended"] == "c"
    _, parts = chart_parts(html, CHART)
    bars = {parts["label"][i]: parts["value"][i] for i in parts["label"]}
    table = {r["Agency"]: r["Attended"] for r in page.table(SUMMARY) if r["Agency"] != "Total"}
    assert bars == table, "the chart labels its bars with exactly the figures the table shows"
    assert bars["Housing"] == "c" and bars["Police"] == "32"
    sentence = re.search(r'<p class="chart-summary"[^>]*>([^<]*)</p>', html[html.index(CHART):]).group(1)
    assert "Withheld to protect small numbers (c), not drawn: Health; Housing." in sentence


def test_a_hidden_bar_is_not_drawn(report, tmp_path):
    _, parts = chart_parts(render(report, attendance(TYPICAL), tmp_path), CHART)
    rows = {parts["label"][i]: i for i in parts["label"]}
    assert rows["Housing"] not in parts["bar"], "a hidden value is not plotted"
    assert rows["Police"] in parts["bar"]


def test_a_hidden_point_of_a_line_chart_is_labelled_c_and_not_plotted(report, tmp_path):
    summary = report.spec.summaries[0].model_copy(update={"chart": "line"})
    line = definition_for(report, report.spec.model_copy(update={"summaries": [summary]}))
    html = render(line, attendance(TYPICAL), tmp_path, partner=False)
    root, parts = chart_parts(html, CHART)
    assert [parts["value"][i] for i in sorted(parts["value"])] == ["26", "c", "c", "32"]  # Education..Police
    [points] = [g for g in root.iter(f"{SVG}g") if g.get("id", "").endswith("-points")]
    assert len(list(points.iter(f"{SVG}use"))) == 2, "only the shown values are plotted"
    assert not {"3", "28"} & set(parts["value"].values())


# ---- 2. the rows table and the summaries read together -------------------------------------------
@pytest.mark.parametrize("figures", [TYPICAL, ONE_AGENCY, TWO_AGENCIES], ids=["typical", "one-agency", "two-agencies"])
@pytest.mark.parametrize("partner", [True, False], ids=["partnership", "director"])
def test_rows_and_summary_together_fix_no_hidden_cell(report, tmp_path, figures, partner):
    page = Tables(render(report, attendance(figures), tmp_path, partner=partner))
    records = page.table(report.spec.title)
    assert any(r["Attended"] == "c" for r in records), "the example should hide some rows"
    for column in ("Invited", "Attended"):
        assert not determined(page, report, column), f"{column}: a hidden cell is given away"
        for r in page.table(SUMMARY):
            assert r[column] == "c" or not 1 <= number(r[column]) <= 5


def test_summary_of_an_agency_with_a_hidden_row_is_hidden(report, tmp_path):
    page = Tables(render(report, attendance(TYPICAL), tmp_path))
    records = page.table(report.spec.title)
    health = [r["Attended"] for r in records if r["Agency"] == "Health"]
    assert health == ["c", "25"]  # Health Initial (3) hidden, Health Review shown
    summary = {r["Agency"]: r["Attended"] for r in page.table(SUMMARY)}
    assert summary["Health"] == "c", "28 - 25 would give Health Initial's 3 back"
    assert summary["Total"] == "89"  # the column total, protected by the rows' own suppression


def test_a_count_of_rows_is_not_hidden_for_hidden_values(report):
    """A count of rows draws on no value the rows table hides (every row is published with its
    group), so it is only suppressed as any count is; a sum over the same rows is hidden."""
    from reporting.definitions import Summary

    six = {(agency, kind): (20, 3 if (agency, kind) == ("Health", "I") else 15)
           for agency in ("Education", "Health", "Housing", "Police", "Probation", "Schools") for kind in "IR"}
    by_type = Summary(title="By conference", group_by="conference_type", measures=[
        {"name": "agencies", "label": "Agencies", "agg": "count"},
        {"name": "attended", "label": "Attended", "agg": "sum", "column": "attended"}])
    spec = report.spec.model_copy(update={"summaries": [by_type]})
    [table] = sdc.published(spec, attendance(six)).summaries
    shown = {r["group"]: (r["agencies"], r["attended"]) for r in table["rows"]}
    assert shown == {"Initial (ICPC)": (6, "c"), "Review (RCPC)": (6, "c"), "Total": (12, 168)}


# ---- 3. the overview's comparison figures -------------------------------------------------------
class Figures:
    """An indicator session with set (numerator, denominator) pairs by period end."""

    def __init__(self, by_end: dict[date, tuple[int, int | None]]):
        self.by_end = by_end

    def compute(self, indicator, period):
        from reporting.indicators.compute import IndicatorValue, value_of, window

        numerator, denominator = self.by_end[period.end]
        return IndicatorValue(indicator.id, window(indicator, period), numerator, denominator,
                              value_of(indicator, numerator, denominator, period.end))


PREVIOUS, LAST_YEAR = date(2026, 6, 30), date(2025, 9, 30)


@pytest.mark.parametrize("indicator, figures, shown", [
    # a percent: previous quarter 2 of 30 (6.7%) has a numerator of 1-5
    ("icpc_within_15wd_pct", {PERIOD.end: (3, 40), PREVIOUS: (2, 30), LAST_YEAR: (24, 30)}, ("c", "c", "80.0%")),
    # a count: previous quarter 4
    ("s47_enquiries_started", {PERIOD.end: (3, None), PREVIOUS: (4, None), LAST_YEAR: (20, None)}, ("c", "c", "20")),
    # a percent whose denominator (not a population) is 1-5
    ("icpc_within_15wd_pct", {PERIOD.end: (30, 40), PREVIOUS: (0, 4), LAST_YEAR: (0, 5)}, ("75.0%", "c", "c")),
])
def test_overview_comparisons_are_suppressed_like_the_current_value(indicator, figures, shown):
    from reporting.indicators.loader import library
    from reporting.indicators.overview import kpi

    tile = kpi(library().get(indicator), Figures(figures), PERIOD, aggregate=True)
    assert (tile["value"], tile["previous"], tile["same_period_last_year"]) == shown
    if "c" in shown[:2]:
        assert tile["direction"] is None and tile["judgement"] is None, "a move would tell the hidden one"


def test_internal_overview_comparisons_are_not_suppressed():
    from reporting.indicators.loader import library
    from reporting.indicators.overview import kpi

    figures = {PERIOD.end: (3, 40), PREVIOUS: (2, 30), LAST_YEAR: (24, 30)}
    tile = kpi(library().get("icpc_within_15wd_pct"), Figures(figures), PERIOD, aggregate=False)
    assert (tile["value"], tile["previous"], tile["same_period_last_year"]) == ("7.5%", "6.7%", "80.0%")
    assert tile["direction"] == "up"


# ---- 4. one source of published figures -----------------------------------------------------------
@pytest.mark.parametrize("partner", [True, False], ids=["partnership", "director"])
def test_published_summaries_are_the_ones_the_report_shows(report, tmp_path, partner):
    from reporting.render.html import fmt
    from reporting.summaries import headline

    rows = attendance(TYPICAL)
    spec = slice_definition(report.spec, CSCP) if partner else report.spec
    shown = rows_for(report.spec, rows, CSCP, None) if partner else rows
    [table] = sdc.published(spec, shown).summaries
    page = Tables(render(report, rows, tmp_path, partner=partner))
    kinds = {c["name"]: c["type"] for c in table["columns"]}
    as_rendered = [{c["label"]: fmt(r[c["name"]], kinds[c["name"]]) for c in table["columns"]} for r in table["rows"]]
    assert page.table(SUMMARY) == as_rendered
    # the e-mail's headline (first summary's Total row) from the same tables
    assert headline([table], len(shown)) == [("Invited", "119"), ("Attended", "89")]
    health = next(r for r in table["rows"] if r["group"] == "Health")
    assert health["attended"] == "c"


def test_a_percentage_of_conferences_is_hidden_only_with_its_own_count():
    """cp_conference_child_participation: a participation code's '% of conferences' is its count
    over all conferences. The Director's copy hid it whenever any count of the row was hidden,
    the unpublished 'attended' among them, so PN1 (32 conferences, 3 of them attended in person)
    showed c where the CSCP's copy, without that column, showed the figure.
    Conferences 10 + 32 + 16 + 13 + 4 + 13 = 88: PN1 32 / 88 = 36.36 -> 36.4%, PN2 16 / 88 =
    18.18 -> 18.2%, PN3 and PN7 13 / 88 = 14.77 -> 14.8%; PN6's 4 is a count of 1 to 5: c, and
    its percentage with it."""
    spec = load_catalogue().get("cp_conference_child_participation").spec
    figures = {"PN0": (10, 0), "PN1": (32, 3), "PN2": (16, 16), "PN3": (13, 13), "PN6": (4, 4), "PN7": (13, 0)}
    total = sum(conferences for conferences, _ in figures.values())
    rows = [{"code": code, "description": f"Participation {code}", "attended": attended,
             "views_conveyed": conferences - attended, "conferences": conferences,
             "pct_of_conferences": round(100 * conferences / total, 1)}
            for code, (conferences, attended) in figures.items()]
    shown = {r["code"]: (r["conferences"], r["pct_of_conferences"]) for r in sdc.published(spec, rows).rows}
    assert shown["PN1"] == (32, 36.4) and shown["PN2"] == (16, 18.2)
    assert shown["PN3"] == shown["PN7"] == (13, 14.8)
    assert shown["PN6"] == ("c", "c")
    assert all((count == "c") == (pct == "c") for count, pct in shown.values())
