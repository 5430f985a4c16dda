"""Chart labels are never clipped: "Foster care with relative or friend" read "oster care
with relative or friend" when a right-aligned label ran off the left edge of the SVG.

The layout is checked twice: from its own numbers (reporting.render.charts' DejaVu Sans widths),
and in headless Chromium, which draws the report's HTML with the real font and measures every
label's and value's box (getBBox) against its chart's viewBox.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from in_chromium import measure_in_chromium
from sqlalchemy import create_engine

from reporting.definitions import load_catalogue
from reporting.render import render_html
from reporting.render.charts import BAR_FONT, LINE_FONT, bar_chart_layout, line_chart_layout, text_width, wrap
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
POINTS = [{"label": label, "value": value}
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
             "chart": {"kind": "bar", "series": SERIES}},
            {"title": "Children by month",
             "columns": [{"name": "group", "label": "Month", "type": "text"},
                         {"name": "n", "label": "Children", "type": "int"}],
             "rows": [{"group": p["label"], "n": p["value"]} for p in POINTS],
             "chart": {"kind": "line", "points": POINTS}},
        ],
        "data_quality": [],
        "slice_label": None,
    }


# ---- from the layout's own numbers -----------------------------------------------------------------
def test_wrapped_lines_keep_every_character_and_fit_their_width():
    for label in LABELS:
        lines = wrap(label, 250, BAR_FONT)
        assert all(text_width(line, BAR_FONT) <= 250 for line in lines), lines
        assert "".join(lines).replace(" ", "") == label.replace(" ", "")  # nothing dropped, no "…"
    assert wrap(FOSTER, 250, BAR_FONT) == [FOSTER]  # it fits on one line once there is room
    assert len(wrap(SIXTY, 250, BAR_FONT)) == 2 and len(wrap(NO_SPACES, 250, BAR_FONT)) == 2


def test_bar_chart_labels_and_values_lie_inside_the_chart():
    chart = bar_chart_layout(SERIES)
    for row, s in zip(chart["rows"], SERIES):
        assert " ".join(line["text"] for line in row["lines"]).replace(" ", "") == s["label"].replace(" ", "")
        for line in row["lines"]:  # right-aligned at label_x
            assert chart["label_x"] - text_width(line["text"], BAR_FONT) >= 0
        value = row["value"]
        assert value["x"] + text_width(value["text"], BAR_FONT) <= chart["width"]
        assert row["bar"]["x"] + row["bar"]["width"] <= value["x"]
    assert chart["rows"][-1]["lines"][-1]["y"] < chart["height"]


def test_a_label_too_long_for_any_column_widens_the_chart_rather_than_clip():
    huge = [{"label": "W" * 80, "value": 10 ** 12, "display": "1,000,000,000,000 (100.0% of all children)"}]
    chart = bar_chart_layout(huge)
    assert chart["width"] >= 640
    row = chart["rows"][0]
    assert all(chart["label_x"] - text_width(line["text"], BAR_FONT) >= 0 for line in row["lines"])
    assert row["value"]["x"] + text_width(row["value"]["text"], BAR_FONT) <= chart["width"]


def test_line_chart_labels_lie_inside_the_chart():
    chart = line_chart_layout(POINTS)
    assert chart["left"] - 6 - text_width(chart["top_label"], LINE_FONT) >= 0
    for p in chart["points"]:
        for text in [p["value"], *p["lines"]]:
            half = text_width(text["text"], LINE_FONT) / 2
            assert text["x"] - half >= 0 and text["x"] + half <= chart["width"], text


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
    labels = {" ".join(b["lines"]) if b["lines"] else b["text"]: b for b in boxes if b["cls"] == "bar-label"}
    for s in SERIES:  # every label is drawn whole (wrapped at spaces or, for one long word, inside it)
        assert any(k.replace(" ", "") == s["label"].replace(" ", "") for k in labels), s["label"]
    assert FOSTER in labels
    assert {b["text"] for b in boxes if b["cls"] == "bar-value"} == {s["display"] for s in SERIES}
    assert {b["text"] for b in boxes if b["cls"] == "point-label"} >= {"Apr 2026", "May 2026", "Jun 2026"}
    assert len([b for b in boxes if b["cls"] in ("bar-label", "bar-value", "point-label", "point-value")]) >= 16
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
