"""An overview's 48-month trend as an SVG (matplotlib, through reporting.render.plotting), and the
sentence that says what it shows.

The chart names everything it draws: the axes (month and unit), the indicator's line, the target
and each benchmark line in a legend, and the latest value beside its marker. `summary` is the
text alternative: the trend in one or two sentences (first and latest, lowest and highest, against
target and benchmarks), not the 48 figures, which are in the table beside the chart and the XLSX.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from reporting.indicators import run_figures

from .plotting import BLUE, GREEN, GREY, INK, PURPLE, RED, figure_svg

BENCHMARK_COLOURS = {"England": RED, "Inner London": PURPLE}
WIDTH_IN, HEIGHT_IN = 5.0, 1.45  # two to a row and four to a page on A4 landscape (with legend and axes)

X_LABELS = {"month": "Month", "rolling_12_months": "12 months ending in the month shown",
            "year_to_date": "Financial year to date, to the end of the month shown",
            "snapshot": "Position at the end of the month shown"}
Y_LABELS = {"percent": "%", "rate_per_10000": "Rate per 10,000 children", "count": "Number",
            "days": "Working days"}


def trend_svg(trend: Mapping) -> str:
    """The trend as an <svg> element to put inline, role="img" and described by `summary`; drawn
    once per run when several overviews of the run show the same trend (run_figures)."""
    key = hashlib.sha256(json.dumps(trend, sort_keys=True, default=str).encode()).hexdigest()
    drawn = run_figures.drawn_chart(key)
    if drawn is None:
        drawn = _draw(trend)
        run_figures.remember_chart(key, drawn)
    return drawn


def _draw(trend: Mapping) -> str:
    points = trend["points"]

    def draw(figure) -> None:
        xs = [i for i, p in enumerate(points) if p["value"] is not None]
        ys = [p["value"] for p in points if p["value"] is not None]
        axes = figure.add_subplot()
        axes.plot(xs, ys, color=BLUE, linewidth=1.6, label=trend.get("population", "This authority"))
        if xs:  # the latest value marked, written in the margin beside it and named in the legend
            latest = points[xs[-1]]
            axes.plot([xs[-1]], [ys[-1]], "o", color=BLUE, markersize=4,
                      label=f"Latest, {latest['long_label']}: {latest['display']}")
            axes.annotate(latest["display"], (xs[-1], ys[-1]), xytext=(5, 0), textcoords="offset points",
                          ha="left", va="center", color=INK, fontweight="bold", annotation_clip=False)
        if trend.get("target") is not None:
            axes.axhline(trend["target"], color=GREEN, linestyle=(0, (5, 3)), linewidth=1.1,
                         label=f"Target {trend.get('target_display', trend['target'])}")
        for mark in trend.get("benchmarks", ()):
            axes.axhline(mark["value"], color=BENCHMARK_COLOURS.get(mark["name"], GREY),
                         linestyle=(0, (1.5, 1.5)), linewidth=1.1, label=mark["display"])
        _axes_labels(axes, trend, points)
        axes.legend(loc="upper left", bbox_to_anchor=(0, -0.42), ncol=2, frameon=False, fontsize=7,
                    handlelength=2.4, borderaxespad=0)

    return figure_svg(draw, size=(WIDTH_IN, HEIGHT_IN), salt=trend["id"],
                      label=f"{trend['title']}: line chart of the last {len(points)} months",
                      described_by=f"trend-{trend['id']}-summary")


def _axes_labels(axes, trend: Mapping, points: Sequence[Mapping]) -> None:
    low = min([0.0, *(p["value"] for p in points if p["value"] is not None)])
    axes.set_ylim(bottom=low)
    axes.set_ylabel(Y_LABELS.get(trend.get("unit_id", ""), trend.get("unit") or "Value"))
    axes.set_xlabel(X_LABELS.get(trend.get("basis", "month"), "Month"))
    # a tick each 12 months back from the latest, so the latest month is always labelled
    ticks = list(range(len(points) - 1, -1, -12))[::-1]
    axes.set_xticks(ticks, [points[i]["long_label"] for i in ticks])
    axes.set_xlim(-0.5, len(points) - 0.5)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.tick_params(length=3)


def summary(trend: Mapping) -> str:
    """The trend in words: where it started and is now, its lowest and highest, and the latest
    against the target and the benchmarks, better or worse by the indicator's polarity."""
    points = [p for p in trend["points"] if p["value"] is not None]
    title = trend["title"]
    if not points:
        return f"{title}: no month has a figure to show."
    first, last = points[0], points[-1]
    if last["value"] > first["value"]:
        move = f"rose from {first['display']} in {first['long_label']} to {last['display']} in {last['long_label']}"
    elif last["value"] < first["value"]:
        move = f"fell from {first['display']} in {first['long_label']} to {last['display']} in {last['long_label']}"
    else:
        move = f"was {last['display']} in both {first['long_label']} and {last['long_label']}"
    low = min(points, key=lambda p: p["value"])
    high = max(points, key=lambda p: p["value"])
    words = [f"{title}, {len(trend['points'])} months: {move}; lowest {low['display']} ({low['long_label']}), "
             f"highest {high['display']} ({high['long_label']})."]
    against = []
    if trend.get("target") is not None:
        against.append(_against(last["value"], trend["target"], f"the target of {trend.get('target_display')}",
                                trend.get("polarity", "neutral")))
    for mark in trend.get("benchmarks", ()):
        against.append(_against(last["value"], mark["value"], mark["display"], trend.get("polarity", "neutral")))
    if against:
        words.append("The latest is " + "; ".join(against) + ".")
    withheld = len(trend["points"]) - len(points)
    if withheld:
        words.append(f"{withheld} month{'s' if withheld > 1 else ''} withheld (small numbers) and not drawn.")
    return " ".join(words)


def _against(value: float, other: float, name: str, polarity: str) -> str:
    if value == other:
        return f"level with {name}"
    side = "above" if value > other else "below"
    if polarity == "neutral":
        return f"{side} {name}"
    better = (value > other) == (polarity == "high_is_good")
    return f"{side} {name} ({'better' if better else 'worse'})"
