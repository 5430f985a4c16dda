"""What readers see says exactly what it shows (issue 17, section 2), read from the rendered output:
the HTML a manager opens, the e-mail's text, the annual report's tables.

Expected values come from the report's own rows (its CSV) counted here, or from the indicator
computed for the named window: the point is that a label, a period and a figure agree.
"""

from __future__ import annotations

import csv
import email
import re
from datetime import date
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from test_disclosure import Tables, chart_parts

from reporting.definitions import load_catalogue
from reporting.delivery.ledger import Ledger
from reporting.delivery.transport import OutboxTransport
from reporting.indicators.compute import IndicatorSession
from reporting.indicators.loader import library
from reporting.indicators.overview import display
from reporting.plan import assign
from reporting.publish import publish_period
from reporting.runner import run_report
from reporting.schedules.periods import latest_complete_period

AS_AT = date(2026, 10, 26)
SEED = pytest.mark.xdist_group("sqlite_seed")


def render(report_id: str, url: str, root: Path, formats=("html", "csv")):
    definition = load_catalogue().get(report_id)
    period = latest_complete_period(definition.spec.cadence, AS_AT)
    engine = create_engine(url)
    result = run_report(definition, engine, period, period.end, formats=list(formats), archive_root=root)
    engine.dispose()
    html = Path(result.outputs["html"]).read_text(encoding="utf-8")
    rows = list(csv.DictReader(open(result.outputs["csv"], encoding="utf-8"))) if "csv" in formats else []
    return definition, period, html, rows


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@SEED
def test_seen_alone_is_a_share_of_the_children_aged_4_or_more(seeded_sqlite_url, tmp_path):
    """39.0% of all children read as 56.3% of the 4+ cohort the standard applies to."""
    _, _, html, _ = render("cp_last_visit_seen_alone", seeded_sqlite_url, tmp_path)
    page = Tables(html)
    [summary] = [rows_ for caption, rows_ in page.tables.items() if caption == "Last visits by team"]
    header, *body = summary
    column = header.index("% of children aged 4 or more seen alone at last visit")
    total = next(r for r in body if r[0] == "Total")
    # the rows with their (hidden) flags: every child, and the cohort the standard applies to
    engine = create_engine(seeded_sqlite_url)
    from reporting.extract import run_extract

    definition = load_catalogue().get("cp_last_visit_seen_alone")
    period = latest_complete_period("weekly", AS_AT)
    extracted = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=period.end).rows
    engine.dispose()
    cohort = [r for r in extracted if r["is_aged_4_plus"]]
    alone = [r for r in cohort if r["is_seen_alone_last"]]
    assert 0 < len(cohort) < len(extracted), "the seed has children under 4 on a plan"
    assert total[column] == f"{100 * len(alone) / len(cohort):.1f}%"
    assert total[column] != f"{100 * sum(r['is_seen_alone_last'] for r in extracted) / len(extracted):.1f}%"


@SEED
@pytest.mark.parametrize("report_id", ["cp_visits_due_next_week", "missing_children_weekly",
                                       "icpc_first_review_timeliness", "cp_last_visit_seen_alone"])
def test_a_chart_is_titled_by_what_it_plots_and_plots_its_tables_column(report_id, seeded_sqlite_url, tmp_path):
    definition, _, html, _ = render(report_id, seeded_sqlite_url, tmp_path)
    summary = next(s for s in definition.spec.summaries if s.chart)
    measure = next(m for m in summary.measures if m.name == (summary.chart_measure or summary.measures[0].name))
    group = next(c.label for c in definition.spec.columns if c.name == summary.group_by)
    title = f"{measure.label} by {group[:1].lower() + group[1:]}"
    assert f"<figcaption>{title}</figcaption>" in html.replace("&#39;", "'"), title
    page = Tables(html)
    _, parts = chart_parts(html.replace("&#39;", "'"), title)
    bars = {parts["label"][i]: parts["value"][i] for i in parts["label"]}
    header, *body = page.tables[summary.title]
    column = header.index(measure.label)
    assert bars == {r[0]: r[column] for r in body if r[0] != "Total"}, "the bars are the table's column"


@SEED
@pytest.mark.parametrize("report_id, window", [
    ("icpc_first_review_timeliness", "Figures for the 12 months 26 Oct 2025 to 25 Oct 2026:"),
    ("cp_visits_due_next_week", "Figures for records overdue at 25 Oct 2026 or due in the 7 days after it "
                                "(26 Oct 2026 to 1 Nov 2026):"),
])
def test_an_e_mail_headline_names_its_own_window(report_id, window, seeded_sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    report = load_catalogue().get(report_id)
    period = latest_complete_period(report.spec.cadence, AS_AT)
    engine = create_engine(seeded_sqlite_url)
    from reporting.extract import run_extract

    rows = run_extract(report, engine, period_start=period.start, period_end=period.end, as_at=period.end).rows
    [first] = [a for a in assign(report, rows, period.end, engine) if a.rows][:1]
    publish_period(report, rows, period, period.end, casedb=engine,
                            transport=OutboxTransport(tmp_path / "out"),
                            ledger=Ledger(f"sqlite:///{tmp_path / 'state.sqlite'}"), formats=["csv"],
                            assignments=[first])
    engine.dispose()
    [path] = (tmp_path / "out").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    body = message.get_body(("plain",)).get_content()
    assert "Period: 19 Oct 2026 to 25 Oct 2026" in body  # the run's period, and the figures' own window
    assert window in body, body
    html = message.get_body(("html",)).get_content()
    assert window in " ".join(re.sub(r"<[^>]+>", " ", html).split())


@SEED
def test_the_annual_report_compares_whole_financial_years(seeded_sqlite_url, tmp_path):
    """Four whole financial years, each computed as the year's own figure; the previous year shown
    once (for a year, "previous period" and "same period last year" are the same period)."""
    definition, period, html, _ = render("annual_mi_report", seeded_sqlite_url, tmp_path, formats=("html",))
    assert (period.start, period.end) == (date(2025, 4, 1), date(2026, 3, 31))
    page = Tables(html)
    # one section per service area, each with its table: four years, target, RAG, benchmarks
    areas = {c: t for c, t in page.tables.items() if "each indicator over each whole financial year" in c}
    assert [c.split(":")[0] for c in areas] == ["Front door", "Assessment", "Child protection", "Child in need",
                                                 "Looked after", "Care leavers", "Workforce", "CYPDS", "GOSH"]
    header = next(iter(areas.values()))[0]
    assert header == ["Indicator", "2022-23", "2023-24", "2024-25", "2025-26", "Target", "RAG 2025-26",
                      "England (year)", "Inner London (year)", "Statistical neighbours (year)"]
    four = {r[0]: r[1:5] for t in areas.values() for r in t[1:]}
    benchmark = {r[0]: r[7:] for t in areas.values() for r in t[1:]}
    # the latest DfE year a year to 31 Mar 2026 can be compared with is 2024-25 (config/benchmarks.yml,
    # years ending 31 March: 2025): re-referrals England 22.6, inner London 19.1, neighbours' mean 17.8
    assert benchmark["Re-referrals within 12 months"] == ["2024-25: 22.6%", "2024-25: 19.1%", "2024-25: 17.8%"]
    assert benchmark["Referrals received"] == ["no benchmark"] * 3  # none published: said, not filled
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        session = IndicatorSession(conn)
        for indicator_id in ("cla_started", "cp_reviews_on_time_pct", "referrals_received"):
            indicator = library().get(indicator_id)
            year = display(indicator.spec, session.compute(indicator, period).value)
            from reporting.schedules.periods import Period

            before = display(indicator.spec,
                             session.compute(indicator, Period(date(2022, 4, 1), date(2023, 3, 31))).value)
            assert four[indicator.spec.title][-1] == year, indicator_id  # the same figure as the tile
            assert four[indicator.spec.title][0] == before, indicator_id
    engine.dispose()
    # whole years: children starting care in a year are far more than in its last month
    assert int(four[library().get("cla_started").spec.title][-1].replace(",", "")) > 30


@SEED
@pytest.mark.parametrize("report_id", ["cssw_performance_overview", "annual_mi_report"])
def test_team_table_plans_and_looked_after_are_parts_of_the_open_cases(report_id, seeded_sqlite_url, tmp_path):
    _, _, html, _ = render(report_id, seeded_sqlite_url, tmp_path, formats=("html",))
    page = Tables(html)
    [(caption, table)] = [(c, t) for c, t in page.tables.items() if c.startswith("Teams:")]
    header, *body = table
    number = lambda cell: int(cell.replace(",", "")) if cell not in ("", "c") else 0  # noqa: E731
    open_, cin, cp, cla = (header.index(n) for n in ("Open cases", "CIN plans", "CP plans", "Looked after"))
    assert any(number(r[cin]) for r in body)
    for row in body:
        assert number(row[cin]) <= number(row[open_]), row
        assert number(row[cp]) <= number(row[open_]) and number(row[cla]) <= number(row[open_]), row


@SEED
def test_the_cypds_overview_shows_cypds_figures_only(seeded_sqlite_url, tmp_path):
    definition, _, html, _ = render("cypds_performance_overview", seeded_sqlite_url, tmp_path, formats=("html",))
    shown = re.findall(r'<tr id="kpi-([a-z0-9_]+)">', html)
    assert shown == definition.spec.indicators
    assert all(library().get(i).spec.area == "cypds" for i in shown), "every figure is on the service's own cases"
    for expected in ("cypds_18plus_assessments_on_time_pct", "cypds_18plus_reviews_on_time_pct",
                     "cypds_18plus_visits_within_3_months_pct", "cypds_transition_plans_pct",
                     "cypds_short_breaks_reviews_on_time_pct"):
        assert expected in shown
    for whole_service in ("Children on a CIN plan seen at a visit", "Looked-after children seen at a statutory visit",
                          "Average caseload per FTE social worker<"):
        assert whole_service not in html


@SEED
def test_commentary_is_the_performance_teams_or_nothing(seeded_sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MI_COMMENTARY_DIR", str(tmp_path / "commentary"))
    _, period, html, _ = render("dmt_service_indicators", seeded_sqlite_url, tmp_path / "a", formats=("html",))
    assert "Commentary" not in html and "[Performance team commentary" not in html
    folder = tmp_path / "commentary" / "dmt_service_indicators" / period.end.isoformat()
    folder.mkdir(parents=True)
    (folder / "front_door.txt").write_text("Referrals fell after the MASH changes.\n\nWe expect them to settle.\n")
    _, _, html, _ = render("dmt_service_indicators", seeded_sqlite_url, tmp_path / "b", formats=("html",))
    text = text_of(html)
    assert "Commentary Front door Referrals fell after the MASH changes. We expect them to settle." in text
