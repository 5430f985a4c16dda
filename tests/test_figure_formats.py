"""Figures are shown as what they are. A summary's figure is shown as the column it comes from:
the FTE of a team's workers is a decimal (11.3), not rounded to 11, in the table, the PDF and the
e-mail's headline alike; an indicator's mean keeps its decimal when it is whole.

Hand-worked from the rows below: team A has workers of 1.0 + 0.8 + 0.5 = 2.3 FTE holding
10 + 9 + 4 = 23 cases, 23 / 2.3 = 10.0 cases per FTE; team B one worker of 0.6 FTE with 3 cases,
3 / 0.6 = 5.0; the total 2.3 + 0.6 = 2.9 FTE and 26 cases, 26 / 2.9 = 8.97 -> 9.0. The highest
percentage seen is team B's 87.5%.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reporting.definitions import load_definition
from reporting.render.html import fmt
from reporting.summaries import headline, summaries

DEFINITION = """\
id: fte_summary
title: Caseload by team (summary kinds test)
description: Workers' FTE and cases by team.
cadence: monthly
recipients:
  - {role: PERFORMANCE, scope: all}
columns:
  - {name: team, label: Team}
  - {name: fte, label: FTE, type: decimal}
  - {name: cases, label: Cases, type: int}
  - {name: seen_pct, label: Seen, type: percent}
summaries:
  - title: Caseload by team
    group_by: team
    measures:
      - {name: fte, label: FTE of workers holding cases, agg: sum, column: fte}
      - {name: cases, label: Cases, agg: sum, column: cases}
      - {name: per_fte, label: Cases per FTE, agg: ratio, column: cases, per: fte}
      - {name: best_seen, label: Highest seen, agg: max, column: seen_pct}
"""
ROWS = [{"team": "A", "fte": 1.0, "cases": 10, "seen_pct": 50.0},
        {"team": "A", "fte": 0.8, "cases": 9, "seen_pct": 62.5},
        {"team": "A", "fte": 0.5, "cases": 4, "seen_pct": 75.0},
        {"team": "B", "fte": 0.6, "cases": 3, "seen_pct": 87.5}]


def test_sums_of_decimals_and_the_greatest_percent_keep_their_kind(tmp_path: Path):
    path = tmp_path / "fte_summary.yml"
    path.write_text(DEFINITION)
    path.with_suffix(".sql").write_text("select 1 as team")
    spec = load_definition(path).spec
    [table] = summaries(spec, ROWS)
    kinds = {c["name"]: c["type"] for c in table["columns"]}
    assert kinds == {"group": "text", "fte": "decimal", "cases": "int", "per_fte": "decimal", "best_seen": "percent"}
    shown = {row["group"]: {name: fmt(row[name], kinds[name]) for name in kinds if name != "group"}
             for row in table["rows"]}
    assert shown == {"A": {"fte": "2.3", "cases": "23", "per_fte": "10.0", "best_seen": "75.0%"},
                     "B": {"fte": "0.6", "cases": "3", "per_fte": "5.0", "best_seen": "87.5%"},
                     "Total": {"fte": "2.9", "cases": "26", "per_fte": "9.0", "best_seen": "87.5%"}}
    # the e-mail's headline: the first summary's Total row, shown as the table shows it
    assert dict(headline([table], len(ROWS)))["FTE of workers holding cases"] == "2.9"




def test_the_mean_of_a_0_or_100_score_is_a_percentage_in_the_table_and_the_headline(tmp_path: Path):
    """Reviews scored 100 when on time and 0 when late (`cf_score`): team A 100, 0, 100, 100 ->
    300 / 4 = 75.0%; team B 0, 100 -> 50.0%; all six 400 / 6 = 66.67% -> 66.7%. Shown as a
    percentage beside its '% on time' label, not as 66.7."""
    path = tmp_path / "score_summary.yml"
    path.write_text(DEFINITION.replace("id: fte_summary", "id: score_summary")
                    .replace("  - {name: seen_pct, label: Seen, type: percent}",
                             "  - {name: seen_pct, label: Seen, type: percent}\n"
                             "  - {name: on_time_score, label: On time score, type: percent, hidden: true}")
                    .replace("      - {name: fte, label: FTE of workers holding cases, agg: sum, column: fte}\n", "")
                    .replace("measures:\n", "measures:\n      - {name: pct_on_time, label: '% on time', agg: mean, "
                             "column: on_time_score}\n"))
    path.with_suffix(".sql").write_text("select 1 as team")
    spec = load_definition(path).spec
    scores = {"A": [100, 0, 100, 100], "B": [0, 100]}
    rows = [{"team": team, "fte": 1.0, "cases": 1, "seen_pct": 50.0, "on_time_score": score}
            for team, team_scores in scores.items() for score in team_scores]
    [table] = summaries(spec, rows)
    kinds = {c["name"]: c["type"] for c in table["columns"]}
    assert kinds["pct_on_time"] == "percent"
    assert {row["group"]: fmt(row["pct_on_time"], "percent") for row in table["rows"]} == {
        "A": "75.0%", "B": "50.0%", "Total": "66.7%"}
    assert dict(headline([table], len(rows)))["% on time"] == "66.7%"

def test_an_indicators_mean_keeps_its_decimal_when_it_is_whole_and_a_count_does_not():
    """The overview showed an average caseload of "14" beside last month's "13.7": a mean (a count
    with a denominator: cases per FTE) is shown to its decimals even when whole; a count is not."""
    from reporting.indicators.loader import library
    from reporting.indicators.overview import display

    mean, count = library().get("average_caseload").spec, library().get("referrals_received").spec
    assert mean.unit == count.unit == "count" and mean.denominator and count.denominator is None
    assert display(mean, 14.0) == "14.0" and display(mean, 13.66) == "13.7"
    assert display(count, 223.0) == "223" and display(count, 1234.0) == "1,234"


def test_a_teams_caseload_is_its_cases_over_its_workers_holding_cases():
    """workforce_profile's team caseload, from rows of (team, role). Child in Need 1: social
    workers 10 holding 260 cases, senior practitioners 2 holding 32, team managers 2 holding none
    -> (260 + 32 + 0) / (10 + 2 + 0) = 292 / 12 = 24.33 -> 24.3 (the mean of the roles' means,
    (26.0 + 16.0 + 0.0) / 3 = 14.0, counted the managers). Fostering: one manager, no cases -> no
    figure. All teams: 292 / 12 = 24.3."""
    from reporting.definitions import load_catalogue

    spec = load_catalogue().get("workforce_profile").spec
    blank = {c.name: None for c in spec.columns}

    def row(team, role, headcount, holding, cases):
        return {**blank, "team_name": team, "role_name": role, "headcount": headcount, "cases": cases,
                "workers_holding_cases": holding, "mean_caseload": round(cases / headcount, 1), "workers_over_20": 0}

    rows = [row("Child in Need 1", "Social worker", 10, 10, 260),
            row("Child in Need 1", "Senior practitioner", 2, 2, 32),
            row("Child in Need 1", "Team manager", 2, 0, 0), row("Fostering", "Team manager", 1, 0, 0)]
    table = next(t for t in summaries(spec, rows) if t["title"] == "Caseload by team")
    shown = {r["group"]: fmt(r["caseload"], "decimal") for r in table["rows"]}
    assert shown == {"Child in Need 1": "24.3", "Fostering": "", "Total": "24.3"}


def test_cp_visits_by_month_and_team_are_worked_out_from_the_teams_counts_in_every_copy():
    """cp_visits_12_month_by_team, from rows of (team, month). Team A: Aug 8 of 10 visits within
    10 working days, Sep 5 of 5; team B: Aug 1 of 4, Sep no visits. The 'All teams' rows repeat
    the sums (Aug 9 of 14, Sep 5 of 5) and must not be counted twice.
    By month: Aug 9 / 14 = 64.29 -> 64.3%, Sep 5 / 5 = 100.0%, Total 14 / 19 = 73.68 -> 73.7%
    (the greatest month, 100.0%, and the greatest month's 14 visits were shown before).
    By team: A 13 / 15 = 86.67 -> 86.7%, B 1 / 4 = 25.0%, Total 14 / 19 = 73.7% of 19 visits
    (38 before: the 'All teams' rows counted again).
    Team B's copy: Aug 1 / 4 = 25.0%, Sep no figure (not drawn as 0%), Total 25.0% (every
    figure 'none' before: the copy has no 'All teams' rows)."""
    from reporting.definitions import load_catalogue
    from reporting.render.charts import line_summary

    spec = load_catalogue().get("cp_visits_12_month_by_team").spec

    def row(team, month, within, visits):
        everyone = team is None
        return {"team_id": team, "team_name": "All teams" if everyone else f"Team {team}", "month": month,
                "month_index": 0, "children_on_plan": 3, "visits": visits, "visits_within_standard": within,
                "pct_within_standard": round(100 * within / visits, 1) if visits else None,
                "is_all_teams": int(everyone), "is_team_row": int(not everyone)}

    rows = [row("A", "2026-08", 8, 10), row("A", "2026-09", 5, 5), row("B", "2026-08", 1, 4),
            row("B", "2026-09", 0, 0), row(None, "2026-08", 9, 14), row(None, "2026-09", 5, 5)]

    def shown(table):
        kinds = {c["name"]: c["type"] for c in table["columns"]}
        return {r["group"]: {k: fmt(r[k], kinds[k]) for k in kinds if k != "group"} for r in table["rows"]}

    by_month, by_team = summaries(spec, rows)
    assert shown(by_month) == {"Aug 2026": {"pct": "64.3%", "within": "9", "visits": "14"},
                               "Sep 2026": {"pct": "100.0%", "within": "5", "visits": "5"},
                               "Total": {"pct": "73.7%", "within": "14", "visits": "19"}}
    assert shown(by_team) == {"Team A": {"pct": "86.7%", "visits": "15"}, "Team B": {"pct": "25.0%", "visits": "4"},
                              "Total": {"pct": "73.7%", "visits": "19"}}
    assert dict(headline([by_month, by_team], len(rows)))["% within 10 working days"] == "73.7%"

    team_b = [r for r in rows if r["team_id"] == "B"]  # the copy's rows: the burst key's value
    by_month, _ = summaries(spec, team_b)
    assert shown(by_month) == {"Aug 2026": {"pct": "25.0%", "within": "1", "visits": "4"},
                               "Sep 2026": {"pct": "", "within": "0", "visits": "0"},
                               "Total": {"pct": "25.0%", "within": "1", "visits": "4"}}
    points = by_month["chart"]["points"]
    assert [(p["value"], p["display"]) for p in points] == [(25.0, "25.0%"), (None, "no figure")]
    assert line_summary(points, "% within 10 working days by month") == (
        "% within 10 working days by month: 25.0% (Aug 2026), the only point with a figure. "
        "No figure, not drawn: Sep 2026.")


@pytest.mark.parametrize("report_id", ["cypds_u18_review_timescales", "cypds_18plus_reviews_compliance"])
def test_reviews_held_on_time_are_a_share_of_the_months_reviews_not_of_the_backlog(report_id):
    """Seven reviews due this month: 4 held on time, 2 late, 1 not held; 3 more due earlier and
    still not held are listed too. % of those due this month held on time: 4 / 7 = 57.14 -> 57.1%
    (4 / 10 = 40.0% before: the backlog counted in the base, beside "Due this month: 7")."""
    from reporting.definitions import load_catalogue

    spec = load_catalogue().get(report_id).spec
    blank = {c.name: None for c in spec.columns}

    def review(due_in_period, on_time, overdue):
        return {**blank, "due_in_period": due_in_period, "on_time": on_time, "is_overdue": overdue}

    rows = ([review(1, 1, 0)] * 4 + [review(1, 0, 0)] * 2 + [review(1, 0, 1)] + [review(0, 0, 1)] * 3)
    [table] = summaries(spec, rows)
    assert dict(headline([table], len(rows))) == {
        "Due in the month": "7", "% of those due in the month held on time": "57.1%", "Overdue at month end": "4"}


def test_groups_come_in_natural_order_or_the_definitions_scale():
    """Year groups ran Reception, Year 1, Year 10, Year 11, Year 2 (sorted as text), and audit
    grades Good, Inadequate, Outstanding, Requires Improvement (alphabetical, not the scale)."""
    from reporting.definitions import load_catalogue

    pupils = load_catalogue().get("pupil_premium_allocation").spec
    blank = {c.name: None for c in pupils.columns}
    rows = [{**blank, "year_group": y, "allocation": 100} for y in ("Year 10", "Year 2", "Reception", "Year 1")]
    table = next(t for t in summaries(pupils, rows) if any(r["group"] == "Year 2" for r in t["rows"]))
    assert [r["group"] for r in table["rows"]] == ["Reception", "Year 1", "Year 2", "Year 10", "Total"]

    audits = load_catalogue().get("quality_audit_findings").spec
    blank = {c.name: None for c in audits.columns}
    rows = [{**blank, "grade": g, "is_development": 0, "is_strength": 1, "strength_score": 100}
            for g in ("Good", "Inadequate", "Outstanding", "Requires Improvement")]
    table = next(t for t in summaries(audits, rows) if t["title"] == "Findings by audit grade")
    assert [r["group"] for r in table["rows"]] == ["Outstanding", "Good", "Requires Improvement", "Inadequate", "Total"]


def test_a_month_is_written_as_its_name_and_year_and_kept_in_calendar_order(tmp_path: Path):
    """A `month` column holds "YYYY-MM" (it sorts and groups as the month it names). Readers see
    "Dec 2025", not "2025-12", in the table, the summary and the chart, ordered Nov 2025, Dec 2025,
    Jan 2026 (across the year end); the CSV keeps "2025-12" and the workbook a real date (1 Dec
    2025) shown as "Dec 2025". By month: Nov 1 + 2 = 3 cases, Dec 4, Jan 5."""
    from datetime import datetime

    import openpyxl

    from reporting.extract import typed_value
    from reporting.render.tabular import write_csv, write_xlsx

    definition = tmp_path / "by_month.yml"
    definition.write_text(
        "id: by_month\ntitle: Cases by month (month kind test)\ndescription: Cases worked each calendar month.\n"
        "cadence: monthly\nrecipients:\n  - {role: PERFORMANCE, scope: all}\ncolumns:\n"
        "  - {name: month, label: Month, type: month}\n  - {name: cases, label: Cases, type: int}\n"
        "summaries:\n  - title: Cases by month\n    group_by: month\n    chart: line\n"
        "    measures:\n      - {name: cases, label: Cases, agg: sum, column: cases}\n", encoding="utf-8")
    (tmp_path / "by_month.sql").write_text("select 1", encoding="utf-8")
    spec = load_definition(definition).spec
    rows = [{"month": typed_value(m, "month"), "cases": n}
            for m, n in (("2026-01", 5), ("2025-12", 4), ("2025-11", 1), ("2025-11", 2))]
    [table] = summaries(spec, rows)
    assert [(r["group"], r["cases"]) for r in table["rows"]] == [
        ("Nov 2025", 3), ("Dec 2025", 4), ("Jan 2026", 5), ("Total", 12)]
    assert [p["label"] for p in table["chart"]["points"]] == ["Nov 2025", "Dec 2025", "Jan 2026"]
    assert fmt("2025-12", "month") == "Dec 2025"

    columns = [c.model_dump() for c in spec.columns]
    write_csv(columns, rows, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[1] == "2026-01,5"
    write_xlsx(columns, rows, tmp_path / "out.xlsx", title="Cases by month", fixed_timestamp=datetime(2026, 1, 5))
    cell = openpyxl.load_workbook(tmp_path / "out.xlsx").active.cell(row=2, column=1)
    assert (cell.value.date().isoformat(), cell.number_format) == ("2026-01-01", "mmm yyyy")

    with pytest.raises(ValueError, match="expected YYYY-MM"):
        typed_value("2025-13", "month")
