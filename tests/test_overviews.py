"""The 8 overview reports render at camden scale with KPI tiles, 48-month trends and benchmarks;
figures in the HTML are the indicator library's; the CSCP data set applies disclosure control."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import date

import pytest
from sqlalchemy import create_engine

from reporting.definitions import load_catalogue
from reporting.extract import Extract, run_extract
from reporting.indicators.compute import IndicatorSession
from reporting.indicators.front_page import period_words
from reporting.indicators.loader import library
from reporting.indicators.overview import display, team_table
from reporting.runner import render_report, run_report
from reporting.schedules.periods import latest_complete_period

OVERVIEWS = ["cssw_performance_overview", "cypds_performance_overview", "gosh_performance_overview",
             "dmt_service_indicators", "cscp_data_set", "annual_mi_report", "front_door_monthly",
             "front_door_quarterly"]
AS_AT = date(2026, 10, 26)


def test_overview_definitions_load_with_their_indicators():
    catalogue = load_catalogue()
    for report_id in OVERVIEWS:
        spec = catalogue.get(report_id).spec
        assert spec.template == "overview.html.j2" and spec.indicators
    assert catalogue.get("cscp_data_set").spec.sensitivity == "aggregate"
    assert {r.role for r in catalogue.get("cssw_performance_overview").spec.recipients} >= {"DIRECTOR", "DMM", "SW"}


@pytest.mark.xdist_group("sqlite_seed")
@pytest.mark.parametrize("report_id", OVERVIEWS)
def test_overview_renders_tiles_trends_and_benchmarks(report_id, seeded_sqlite_url, tmp_path):
    definition = load_catalogue().get(report_id)
    period = latest_complete_period(definition.spec.cadence, AS_AT)
    engine = create_engine(seeded_sqlite_url)
    formats = {"cssw_performance_overview": ["html", "pdf"], "front_door_monthly": ["html", "xlsx"]}.get(
        report_id, ["html"])
    result = run_report(definition, engine, period, period.end, formats=formats, archive_root=tmp_path)
    html = open(result.outputs["html"], encoding="utf-8").read()
    ids = definition.spec.indicators
    if report_id == "annual_mi_report":  # sections by area: a row per indicator, no tiles
        assert html.count('<section class="annual-area"') == 9 and 'class="kpi' not in html
    else:
        assert html.count('class="kpi') >= len(ids)
        # the e-mail's headline counts the colours the tiles show, not the team table's rows
        headline = dict(json.loads((result.folder / "manifest.json").read_text())["headline"])
        assert "Records in the list" not in headline
        assert int(headline[f"Indicators for {period_words(period)}"]) == len(ids)
        for colour in ("red", "amber", "green"):
            assert int(headline[f"Indicators {colour}"]) == html.count(f'class="kpi kpi-{colour}"'), colour
    assert html.count('<figure class="trend">') == len(ids)
    # the printed trends point to the Trend sheet only when the copy has a spreadsheet (a partner's has not)
    assert ("“Trend”" in html) == ("xlsx" in formats)
    # Every trend is described in words (not its 48 figures read out), and the 48 figures are a table.
    first = re.search(r'<figure class="trend">(.*?)</figure>', html, re.S).group(1)
    assert re.search(r'<p class="trend-summary" id="trend-[a-z0-9_]+-summary">[^<]+, 48 months: '
                     r'(rose|fell|was) ', first)
    assert first.count('<tr><th scope="row">') == 48
    # each trend's legend names whose figure it is: the GOSH team's, CYPDS's, or this authority's
    for chunk in html.split('<figure class="trend">')[1:]:
        indicator_id = re.search(r'id="trend-([a-z0-9_]+)-summary"', chunk).group(1)
        population = library().get(indicator_id).spec.population
        assert f">{population}<" in chunk.split("</figure>")[0], (indicator_id, population)
    if report_id == "gosh_performance_overview":  # a team's copy says its indicators are not its own
        extract = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=period.end)
        team = extract.rows[0]["team_id"]  # a team's copy: the report's definition, the team's row
        team_rows = [r for r in extract.rows if r["team_id"] == team]
        copy = render_report(definition, Extract(extract.columns, team_rows, 0.0), period, period.end,
                             data_quality=[], formats=["html"], part_of_report=True,
                             archive_root=tmp_path / "copy", engine=engine)
        copy_text = " ".join(open(copy.outputs["html"], encoding="utf-8").read().split())
        assert "This copy's own figures are its rows of the team table" in copy_text
        assert "not this copy's alone" in copy_text
        assert "This copy's own figures" not in html  # the whole report is no copy
    aggregate = definition.spec.sensitivity == "aggregate"
    with engine.connect() as conn:
        session = IndicatorSession(conn)
        for indicator_id in ids:
            indicator = library().get(indicator_id)
            value = session.compute(indicator, period)
            row = re.search(rf'<tr id="kpi-{indicator_id}">(.*?)</tr>', html, re.S).group(1)
            hidden = aggregate and 1 <= value.numerator <= 5
            shown = "c" if hidden else display(indicator.spec, value.value)
            assert f">{shown} " in row or f">{shown}<" in row, (indicator_id, shown)
    assert "no benchmark" in html  # gaps are named, not filled
    # area headings as the services write their names: CYPDS, GOSH, never "Cypds" or "Gosh"
    areas = {library().get(i).spec.area for i in ids}
    expected = {"cypds": "CYPDS", "gosh": "GOSH", "child_protection": "Child protection", "front_door": "Front door"}
    for area in areas & set(expected):
        assert re.search(rf"<h[23][^>]*>{expected[area]}</h[23]>", html), area
    assert "Cypds" not in html and "Gosh" not in html
    if "icpc_within_15wd_pct" in ids:
        assert "2024-25: 81.4%" in html
    # no placeholder text: commentary comes from the performance team's files, else is left out
    assert "By team" in html and "Commentary" not in html and "[Performance team commentary" not in html
    if "pdf" in result.outputs:  # the PDF shows the same charts: their words are text in it
        from pypdf import PdfReader

        pages = PdfReader(result.outputs["pdf"]).pages
        words = " ".join(" ".join((page.extract_text() or "").split()) for page in pages)
        summary = re.search(r'<p class="trend-summary"[^>]*>([^<]+)</p>', html).group(1)
        assert " ".join(summary.split()[:8]) in words  # the sentence under the first chart
        assert "This authority" in words and "Latest, Sep 2026:" in words and "Target " in words
        # the trends' heading is on the page of the first chart, never left alone at a page's foot
        [page] = [p.extract_text() for p in pages if "Trends: the last 48 months" in (p.extract_text() or "")]
        caption = html_lib.unescape(re.search(r'<figure class="trend">\s*<figcaption>([^<]+)<', html).group(1))
        assert " ".join(caption.split()) in " ".join(page.split())
        # the comparison table starts on the page of its heading (moved whole, it left the heading
        # on one page and its caption on the next)
        [compared] = [" ".join((p.extract_text() or "").split()) for p in pages
                      if "Indicators compared" in (p.extract_text() or "")]
        first_row = re.search(r'<tr id="kpi-[a-z0-9_]+">\s*<th scope="row">([^<]+)<', html).group(1)
        assert "Each indicator for" in compared and " ".join(html_lib.unescape(first_row).split()[:3]) in compared
    engine.dispose()


def test_team_table_applies_disclosure_control_for_aggregate_reports():
    spec = load_catalogue().get("cscp_data_set").spec
    rows = [{"team_id": "T1", "team_name": "A", "service_name": "S", "open_cases": 40, "cin_plans": 3,
             "cp_plans": 10, "looked_after": 0, "assessments_completed": 12, "assessments_within_45wd": 10,
             "assessments_within_45wd_pct": 83.3},
            {"team_id": "T2", "team_name": "B", "service_name": "S", "open_cases": 30, "cin_plans": 20,
             "cp_plans": 8, "looked_after": 0, "assessments_completed": 9, "assessments_within_45wd": 9,
             "assessments_within_45wd_pct": 100.0}]
    table = team_table(spec, rows, aggregate=True)
    by_team = {r["group"]: r for r in table["rows"]}
    assert by_team["A"]["cin_plans"] == "c"            # primary: 3 is 1-5
    assert by_team["B"]["cin_plans"] == "c"            # secondary: else 23 - 20 gives it away
    assert by_team["A"]["open_cases"] == "40" and by_team["Total"]["open_cases"] == "70"
    assert by_team["A"]["looked_after"] == "0"         # a true zero is shown
    internal = team_table(spec, rows, aggregate=False)
    assert {r["group"]: r for r in internal["rows"]}["A"]["cin_plans"] == "3"


def test_team_table_keeps_the_definitions_columns_and_works_the_total_percentage_out_from_the_counts():
    spec = load_catalogue().get("cssw_performance_overview").spec
    base = {"service_name": "Family Support", "open_cases": 100, "cin_plans": 50, "cp_plans": 20, "looked_after": 0}
    rows = [{**base, "team_id": "T1", "team_name": "FIT 1", "assessments_completed": 24,
             "assessments_within_45wd": 13, "assessments_within_45wd_pct": 100.0 * 13 / 24},
            {**base, "team_id": "T2", "team_name": "CIN 1", "assessments_completed": 0,
             "assessments_within_45wd": 0, "assessments_within_45wd_pct": None},
            {**base, "team_id": "T3", "team_name": "FIT 2", "assessments_completed": 29,
             "assessments_within_45wd": 25, "assessments_within_45wd_pct": 100.0 * 25 / 29}]
    table = team_table(spec, rows, aggregate=False)
    assert [c["label"] for c in table["columns"]] == [
        "Team", "Service", "Open cases", "CIN plans", "CP plans", "Looked after", "Assessments completed",
        "Within 45 working days", "% within 45 working days"]
    by_team = {r["group"]: r for r in table["rows"]}
    assert by_team["FIT 1"]["assessments_within_45wd_pct"] == "54.2%"   # 13 / 24 = 54.17%
    # (13 + 0 + 25) / (24 + 0 + 29) = 38 / 53 = 71.70%: the counts' totals, not the mean of the
    # teams' 54.2% and 86.2% (70.2%)
    assert by_team["Total"]["assessments_within_45wd"] == "38"
    assert by_team["Total"]["assessments_within_45wd_pct"] == "71.7%"
    assert by_team["Total"]["service_name"] == ""
    assert by_team["CIN 1"]["assessments_within_45wd_pct"] == "\u2013"   # 0 of 0: no percentage
    assert table["notes"] == ["\u2013 in \u2018% within 45 working days\u2019: no assessments completed, "
                              "so no percentage."]
    everyone_assessed = team_table(spec, [rows[0], rows[2]], aggregate=False)
    assert everyone_assessed["notes"] == []


@pytest.mark.xdist_group("sqlite_seed")
def test_one_report_run_computes_an_overviews_figures_once(seeded_sqlite_url, tmp_path):
    """The whole report and its team/service copies share the indicator figures inside one run;
    a different period is computed afresh, and nothing is reused once the run is over."""
    from reporting.indicators.overview import overview_context
    from reporting.indicators.run_figures import shared_for_this_run

    spec = load_catalogue().get("front_door_monthly").spec
    period = latest_complete_period(spec.cadence, AS_AT)
    earlier = latest_complete_period(spec.cadence, period.start)
    engine = create_engine(seeded_sqlite_url)
    alone = overview_context(spec, [], period, period.end, engine)
    assert alone["indicator_queries"] > len(spec.indicators) * 40  # 48 months of each, less shared windows
    with shared_for_this_run(tmp_path):
        whole = overview_context(spec, [], period, period.end, engine)
        with shared_for_this_run(tmp_path):  # delivery inside the batch's block: the same run
            team_copy = overview_context(spec, [], period, period.end, engine)
        other_period = overview_context(spec, [], earlier, earlier.end, engine)
    assert whole["indicator_queries"] == alone["indicator_queries"]
    assert team_copy["indicator_queries"] == 0
    assert team_copy["kpis"] == whole["kpis"] == alone["kpis"]
    assert team_copy["indicator_trends"] == alone["indicator_trends"]
    assert other_period["indicator_queries"] > 0 and other_period["kpis"] != whole["kpis"]
    assert overview_context(spec, [], period, period.end, engine)["indicator_queries"] == alone["indicator_queries"]
    engine.dispose()


@pytest.mark.xdist_group("sqlite_seed")
def test_reports_of_one_mi_run_share_indicator_figures(seeded_sqlite_url, tmp_path):
    """Inside run_batch's store, a second overview reuses the trends a first one computed (the
    same indicators over the same 48 months) and queries only its own windows; its figures are
    the ones it computes alone; the store is gone when the run ends."""
    import os

    from reporting.indicators.overview import overview_context
    from reporting.indicators.run_figures import ENV, shared_for_this_run

    catalogue = load_catalogue()
    monthly, quarterly = catalogue.get("front_door_monthly").spec, catalogue.get("front_door_quarterly").spec
    assert set(quarterly.indicators) <= set(monthly.indicators)
    month, quarter = (latest_complete_period(s.cadence, AS_AT) for s in (monthly, quarterly))
    engine = create_engine(seeded_sqlite_url)
    alone = overview_context(quarterly, [], quarter, quarter.end, engine)
    with shared_for_this_run(tmp_path):
        store = os.environ[ENV]
        first = overview_context(monthly, [], month, month.end, engine)
        second = overview_context(quarterly, [], quarter, quarter.end, engine)
    engine.dispose()
    assert first["indicator_queries"] > 0
    assert 0 < second["indicator_queries"] < alone["indicator_queries"] / 4
    assert second["kpis"] == alone["kpis"] and second["indicator_trends"] == alone["indicator_trends"]
    assert ENV not in os.environ and not os.path.exists(os.path.dirname(store))


def test_overlapping_blocks_of_two_threads_share_one_store_until_the_last_ends(tmp_path):
    """Two threads rendering copies of a run at once: A opens, B opens, A ends, B ends. The store
    must outlive A for B (it was removed under B, and B's exit then put A's deleted path back in
    the environment, failing every later overview of the process), and be gone after B."""
    import os
    import threading

    from reporting.indicators.run_figures import ENV, lookup, remember, shared_for_this_run

    block_a, block_b = shared_for_this_run(tmp_path), shared_for_this_run(tmp_path)
    block_a.__enter__()
    store = os.environ[ENV]
    remember("k", 3.0, 4.0)
    block_b.__enter__()
    block_a.__exit__(None, None, None)
    seen = []
    reader = threading.Thread(target=lambda: seen.append(lookup("k")))  # another thread, the same store
    reader.start()
    reader.join()
    assert seen == [(3.0, 4.0)] and os.environ[ENV] == store
    block_b.__exit__(None, None, None)
    assert ENV not in os.environ and not os.path.exists(os.path.dirname(store))
