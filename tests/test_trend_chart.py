"""An overview's trend chart (matplotlib) names what it draws, and its text alternative says what
the trend does, worked out by hand from a 13-month fixture."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reporting.render.trend_chart import summary, trend_svg

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Oct 2025", "Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026",
          "Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026"]
VALUES = [10.0, 11.0, 9.0, 8.0, None, 12.0, 12.5, 13.0, 14.5, 15.0, 13.5, 14.0, 14.0]  # Feb withheld


def fixture(polarity: str = "high_is_good") -> dict:
    points = [{"label": m[:4] + m[-2:], "long_label": m, "value": v,
               "display": "c" if v is None else f"{v:.1f}%"} for m, v in zip(MONTHS, VALUES)]
    return {"id": "ind_x", "title": "Visits in time", "unit": "%", "unit_id": "percent", "basis": "month",
            "polarity": polarity, "points": points, "target": 20.0, "target_display": "20.0%",
            "benchmarks": [{"name": "England", "value": 12.0, "display": "England 2024-25: 12.0%"},
                           {"name": "Inner London", "value": 14.0, "display": "Inner London 2024-25: 14.0%"}]}


def test_the_summary_says_what_the_trend_does_not_every_figure():
    # first drawn 10.0% (Oct 2025), latest 14.0% (Oct 2026): rose; lowest 8.0 (Jan 2026), highest
    # 15.0 (Jul 2026); high is good, so 14.0 < target 20.0 is worse, > England 12.0 better, = inner London
    assert summary(fixture()) == (
        "Visits in time, 13 months: rose from 10.0% in Oct 2025 to 14.0% in Oct 2026; lowest 8.0% (Jan 2026), "
        "highest 15.0% (Jul 2026). The latest is below the target of 20.0% (worse); above England 2024-25: 12.0% "
        "(better); level with Inner London 2024-25: 14.0%. 1 month withheld (small numbers) and not drawn.")
    # a volume has no better or worse
    neutral = summary(fixture("neutral"))
    assert "below the target of 20.0%;" in neutral and "better" not in neutral and "worse" not in neutral
    nothing = {**fixture(), "points": fixture()["points"][4:5]}  # only the withheld month
    assert summary(nothing) == "Visits in time: no month has a figure to show."


def test_the_chart_labels_its_axes_names_its_lines_and_marks_the_latest_value():
    svg = trend_svg(fixture())
    assert svg.startswith("<svg ") and "<?xml" not in svg and "dc:date" not in svg
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-describedby") == "trend-ind_x-summary"
    assert root.find(f"{SVG}title").text == root.get("aria-label") == "Visits in time: line chart of the last 13 months"
    words = [t.text for t in root.iter(f"{SVG}text")]
    assert "%" in words and "Month" in words  # both axes named, the value axis with its unit
    # a tick every 12 months back from the latest, so the last month is labelled (and not cut off)
    assert "Oct 2025" in words and "Oct 2026" in words
    # the legend names every line, the target and benchmarks with their values
    assert {"This authority", "Latest, Oct 2026: 14.0%", "Target 20.0%", "England 2024-25: 12.0%",
            "Inner London 2024-25: 14.0%"} <= set(words)
    assert "14.0%" in words  # the latest value written beside its marker
    assert trend_svg(fixture()) == svg  # no dates or random ids: the same figures give the same file


def test_a_trend_several_overviews_of_a_run_show_is_drawn_once(tmp_path, monkeypatch):
    from reporting.indicators import run_figures
    from reporting.render import trend_chart

    drawn = []
    real = trend_chart._draw
    monkeypatch.setattr(trend_chart, "_draw", lambda t: drawn.append(t["id"]) or real(t))
    other = {**fixture(), "id": "ind_y"}
    with run_figures.shared_for_this_run(tmp_path):
        first = [trend_svg(fixture()), trend_svg(other), trend_svg(fixture()), trend_svg(other)]
    assert drawn == ["ind_x", "ind_y"] and first[0] == first[2] and first[1] == first[3] != first[0]
    trend_svg(fixture())  # outside a run nothing is kept: drawn again
    assert drawn == ["ind_x", "ind_y", "ind_x"]
    assert list(tmp_path.iterdir()) == [], "the run's store is removed with it"
