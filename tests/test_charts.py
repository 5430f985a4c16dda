"""Chart labels are never clipped: "Foster care with relative or friend" read "oster care
with relative or friend" when a right-aligned label ran off the left edge of the SVG.

The charts are drawn by matplotlib (reporting.render.charts); checked here from the SVG's own
text (every label whole, every figure written, the axes named, a sentence saying what the chart
shows) and in headless Chromium, which draws the report's HTML with the real font and measures
every text's box (getBBox, through any transform) against its chart's viewBox.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from in_chromium import measure_in_chromium
from sqlalchemy import create_engine

from reporting.definitions import load_catalogue
from reporting.render import render_html
from reporting.render.charts import bar_summary, bar_svg, line_summary, line_svg
from reporting.runner import run_report
from reporting.schedules.periods import latest_complete_period

FOSTER = "Foster care with relative or friend"
SIXTY = "Placed with own parents or other person with parental rights"  # 60 characters
NO_SPACES = "Residential-accommodation-not-subject-to-childrens-homes-reg"  # 60, one word
assert len(SIXTY) == len(NO_SPACES) == 60

LABELS = [FOSTER, SIXTY, NO_SPACES, "Adoption", "Other placement"]
SERIES = [{"label": label, "value": value, "display": f"{value:,}"}
          for label, value in zip(LABELS, [1234, 56, 7, 3000, 12])]
SERIES.append({"label": "Hidden count of a very long placement type name indeed", "value": None, "display": "c"})
POINTS = [{"label": label, "value": value, "display": f"{value:,}"}
          for label, value in [("Apr 2026", 123456.5), ("May 2026", 98000), ("Jun 2026", 101000),
                               ("Month with a long label that must wrap", 99999)]]


def context() -> dict:
    return {
        "report": {"id": "placements", "title": "Looked-after placements", "description": "Placements by type.",
                   "classification": "OFFICIAL-SENSITIVE", "standard": None, "counting_note": None},
        "period": {"start": dt.date(2026, 9, 1), "end": dt.date(2026, 9, 30), "as_at": dt.date(2026, 10, 1)},
        "generated_at": "01 Oct 2026 06:05",
        "columns": [{"name": "placement", "label": "Placement", "type": "text"}],
        "rows": [{"placement": s["label"]} for s in SERIES],
        "summaries": [
            {"title": "Children by placement type",
             "columns": [{"name": "group", "label": "Placement type", "type": "text"},
                         {"name": "n", "label": "Children", "type": "int"}],
             "rows": [{"group": s["label"], "n": s["value"]} for s in SERIES],
             "chart": {"kind": "bar", "series": SERIES, "axis": "Children", "kind_of_measure": "int"}},
            {"title": "Children by month",
             "columns": [{"name": "group", "label": "Month", "type": "text"},
                         {"name": "n", "label": "Children", "type": "int"}],
             "rows": [{"group": p["label"], "n": p["value"]} for p in POINTS],
             "chart": {"kind": "line", "points": POINTS, "axis": "Children", "kind_of_measure": "int"}},
        ],
        "data_quality": [],
        "slice_label": None,
    }


# ---- from the SVG's own text ------------------------------------------------------------------------
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_bar_chart_draws_every_label_whole_every_figure_and_names_its_axis():
    svg = bar_svg(SERIES, "Children by placement type", "Children", "chart-1")
    words = texts(svg)
    joined = "".join(words).replace(" ", "")
    for s in SERIES:  # wrapped onto more lines at spaces, or inside one long word; nothing dropped
        assert s["label"].replace(" ", "") in joined, s["label"]
    assert FOSTER in words  # short enough for one line
    assert [w for w in words if w in {s["display"] for s in SERIES}] == [s["display"] for s in SERIES]
    assert "Children" in words  # the value axis names what it counts
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-describedby") == "chart-1-summary"
    assert root.find(f"{SVG}title").text == "Children by placement type: bar chart of 6 groups"
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("chart-1-") for i in ids) and len(ids) == len(set(ids))
    # highest 3,000 (Adoption), lowest 7 (the 60-character word); the withheld one named, not drawn
    assert bar_summary(SERIES, "Children by placement type") == (
        f"Children by placement type: 6 groups; highest Adoption (3,000), lowest {NO_SPACES} (7). Withheld to "
        "protect small numbers (c), not drawn: Hidden count of a very long placement type name indeed. "
        "The table below gives every figure.")


def test_line_chart_writes_each_point_and_says_how_it_moved():
    svg = line_svg(POINTS, "Children by month", "Children", "chart-2", "int")
    words = texts(svg)
    assert {p["display"] for p in POINTS} <= set(words) and "Children" in words
    assert "".join(words).replace(" ", "").count("Monthwithalonglabelthatmustwrap") == 1
    # from 123,456.5 (Apr 2026) to 99,999 (the long month): fell; lowest May's 98,000
    assert line_summary(POINTS, "Children by month") == (
        "Children by month: fell from 123,456.5 (Apr 2026) to 99,999 (Month with a long label that must wrap); "
        "lowest 98,000 (May 2026), highest 123,456.5 (Apr 2026). The table below gives every figure.")
    percent = line_svg([{"label": "Q1", "value": 50.0, "display": "50.0%"}], "Seen", "Seen", "c3", "percent")
    assert "Seen (%)" in texts(percent)


def test_a_line_breaks_at_a_month_without_a_figure_instead_of_joining_across_it():
    """Jan 10, Feb no figure (no visits), Mar 12, Apr 14: three markers and one stretch of line,
    Mar to Apr. Drawn before as a line from Jan straight to Mar, which showed a figure for February."""
    points = [{"label": "Jan 2026", "value": 10, "display": "10"},
              {"label": "Feb 2026", "value": None, "display": "no figure"},
              {"label": "Mar 2026", "value": 12, "display": "12"}, {"label": "Apr 2026", "value": 14, "display": "14"}]
    svg = line_svg(points, "Visits by month", "Visits", "chart-9", "int")
    line = re.search(r'<g id="chart-9-points">\s*<path d="([^"]*)"', svg).group(1)
    assert line.count("M") == 2 and line.count("L") == 1  # Jan alone, then Mar to Apr
    group = svg.split('<g id="chart-9-points">')[1].split("</g>\n   </g>")[0]
    assert group.count("<use ") == 3  # a marker on each month with a figure
    assert "no figure" in texts(svg)


def test_counts_that_are_all_zero_have_an_axis_of_whole_numbers():
    """The MASH team's copy of front_door_monthly: one team, 0 open cases; its bar chart's axis read
    0.000, 0.006 ... 0.054 for a count of cases. Now 0 to 1 in whole numbers; a line of zeros too."""
    bars = bar_svg([{"label": "MASH and Contact Service 1", "value": 0, "display": "0"}], "Open cases by team",
                   "Open cases", "chart-z", "int")
    line = line_svg([{"label": "Sep 2026", "value": 0, "display": "0"}, {"label": "Oct 2026", "value": 0,
                                                                          "display": "0"}], "Cases", "Cases", "chart-y")
    for svg in (bars, line):
        ticks = [w for w in texts(svg) if re.fullmatch(r"[\d.,]+", w)]
        assert ticks and all(re.fullmatch(r"\d+", w) for w in ticks), ticks


def test_small_counts_have_whole_number_ticks_and_ties_are_all_named():
    """A count axis up to 2 once read 0.00, 0.25 ... 2.00 children; a chart sentence named one of
    three teams at 0 as "lowest"."""
    series = [{"label": label, "value": value, "display": str(value)}
              for label, value in [("MASH", 0), ("Team A", 2), ("Team B", 0), ("Team C", 1), ("Team D", 0)]]
    words = texts(bar_svg(series, "Children missing by team", "Children", "chart-4"))
    ticks = [w for w in words if re.fullmatch(r"[\d.,]+", w) and w not in {"0", "1", "2"}]
    assert ticks == [], "only whole-number ticks (and the figures 0, 1, 2)"
    line = texts(line_svg([{"label": m, "value": v, "display": str(v)} for m, v in (("Jan", 1), ("Feb", 2))],
                          "Children by month", "Children", "chart-5"))
    assert not [w for w in line if "." in w and re.fullmatch(r"[\d.]+", w)]
    # a percent axis keeps its fractions
    percent = texts(bar_svg([{"label": "A", "value": 0.5, "display": "0.5%"}], "Seen", "Seen", "c6", "percent"))
    assert any("." in w for w in percent if re.fullmatch(r"[\d.]+", w))
    assert bar_summary(series, "Children missing by team") == (
        "Children missing by team: 5 groups; highest Team A (2), lowest MASH, Team B and Team D (0). "
        "The table below gives every figure.")
    many = [{"label": f"Team {n}", "value": 0, "display": "0"} for n in range(5)] + [
        {"label": "Team 9", "value": 4, "display": "4"}]
    assert "lowest Team 0, Team 1, Team 2 and 2 more (0)" in bar_summary(many, "Children")


# ---- in a real browser ---------------------------------------------------------------------------
# Each chart's text boxes, measured once the page has its fonts, written into the page for --dump-dom.
MEASURE = """<script>
const out = [];
for (const svg of document.querySelectorAll('figure svg')) {  // bar, line and overview trend charts
  const box = svg.viewBox.baseVal;
  for (const t of svg.querySelectorAll('text')) {
    // the box in the chart's own units, through any transform (a rotated axis title)
    const b = t.getBBox(), m = svg.getScreenCTM().inverse().multiply(t.getScreenCTM());
    const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]]
      .map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
    const xs = corners.map(p => p.x), ys = corners.map(p => p.y);
    out.push({chart: svg.getAttribute('aria-label').split(':')[0], cls: t.getAttribute('class'),
              text: t.textContent, lines: Array.from(t.querySelectorAll('tspan'), s => s.textContent),
              x: Math.min(...xs) - box.x, y: Math.min(...ys) - box.y, right: Math.max(...xs) - box.x,
              bottom: Math.max(...ys) - box.y, width: box.width, height: box.height});
  }
}
const pre = document.createElement('pre');
pre.id = 'measured';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def measured_in_chromium(page: str, tmp_path) -> list[dict]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed (make setup installs Debian's chromium)"
    path = tmp_path / "report.html"
    path.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'chromium'}",
             "--window-size=1280,900"]  # as tests/test_board.py drives it
    dom = subprocess.run([chromium, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html_lib.unescape(found.group(1)))


@pytest.mark.parametrize("screen", [True, False], ids=["screen", "narrow-window"])
def test_every_chart_label_is_whole_and_inside_its_viewbox_in_chromium(screen, tmp_path):
    page = render_html("table_report.html.j2", context())
    if not screen:  # the SVG scales down with the page; its text must still be inside the viewBox
        page = page.replace("<head>", '<head><style>body { width: 320px; }</style>', 1)
    boxes = measured_in_chromium(page, tmp_path)
    drawn = "".join(b["text"] for b in boxes).replace(" ", "")
    for s in SERIES:  # every label is drawn whole (wrapped at spaces or, for one long word, inside it)
        assert s["label"].replace(" ", "") in drawn, s["label"]
    assert {b["text"] for b in boxes} >= {s["display"] for s in SERIES} | {"Apr 2026", "May 2026", "Jun 2026"}
    assert len(boxes) >= 20
    for b in boxes:
        assert b["x"] >= 0 and b["right"] <= b["width"], f"{b['text']!r} runs off the {b['chart']} chart: {b}"
        assert b["y"] >= 0 and b["bottom"] <= b["height"], f"{b['text']!r} runs off the {b['chart']} chart: {b}"


@pytest.mark.xdist_group("sqlite_seed")
@pytest.mark.parametrize("report_id", ["lac_ceased_last_6_months", "cssw_performance_overview"])
def test_a_real_reports_charts_are_inside_their_viewboxes_in_chromium(report_id, seeded_sqlite_url, tmp_path):
    """The seeded authority's reasons care ceased ("Left care to live with parent(s) or relative(s)")
    and an overview's 48-month trends, whose last month's label ran past the right edge."""
    definition = load_catalogue().get(report_id)
    period = latest_complete_period(definition.spec.cadence, dt.date(2026, 10, 26))
    engine = create_engine(seeded_sqlite_url)
    try:
        result = run_report(definition, engine, period, period.end, formats=["html"], archive_root=tmp_path / "a")
    finally:
        engine.dispose()
    page = open(result.outputs["html"], encoding="utf-8").read()
    boxes = measured_in_chromium(page, tmp_path)
    assert len(boxes) > 10, "the report should draw charts with labels"
    for b in boxes:
        assert b["x"] >= 0 and b["right"] <= b["width"], f"{b['text']!r} runs off the {b['chart']} chart: {b}"
        assert b["y"] >= 0 and b["bottom"] <= b["height"], f"{b['text']!r} runs off the {b['chart']} chart: {b}"
    if report_id == "cssw_performance_overview":  # the overview as a manager opens it: fits, no axe violations
        measured = measure_in_chromium(Path(result.outputs["html"]), tmp_path)
        assert measured["scrollWidth"] <= 1280 and measured["violations"] == [], measured
