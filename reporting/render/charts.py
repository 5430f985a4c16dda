"""A summary table's chart, bar or line, as an SVG (matplotlib, through reporting.render.plotting),
and the sentence that says what it shows.

Every bar or point carries its figure as the table shows it (a withheld one, `c`, is written where
its bar would be and not drawn), long category labels are wrapped rather than cut, the value axis
is named by the measure it plots, and the figure grows to hold every label: nothing runs off the
chart ("Foster care with relative or friend" once read "oster care with relative or friend").
The summary table under each chart is its data as a table.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

from matplotlib.ticker import MaxNLocator

from .plotting import BLUE, GREY, INK, figure_svg

BAR_LABEL_CHARACTERS = 40  # a category label longer than this wraps onto more lines
LINE_LABEL_CHARACTERS = 14
CROWDED = 6  # more points than this and the line chart's labels are slanted
WITHHELD = "c"


def _wrapped(label: object, width: int) -> str:
    # break_long_words: a 60-character word (a code, a hyphenated name) still wraps
    return "\n".join(textwrap.wrap(str(label), width, break_long_words=True) or [""])


def _axis(axis: str, kind: str) -> str:
    return f"{axis} (%)" if kind == "percent" and "%" not in axis else axis


def bar_svg(series: Sequence[Mapping], title: str, axis: str, chart_id: str, kind: str = "int") -> str:
    """Horizontal bars, one per group in the table's order, each with its figure at its end."""
    labels = [_wrapped(s["label"], BAR_LABEL_CHARACTERS) for s in series]
    lines = sum(label.count("\n") + 1 for label in labels)

    def draw(figure) -> None:
        axes = figure.add_subplot()
        ys = range(len(series))
        # each bar, label and figure carries its row's number in its id (bar-2, label-2, value-2):
        # a withheld value has a label and a figure (`c`) but no bar
        for y, s in zip(ys, series):
            if s["value"] is not None:
                axes.barh([y], [s["value"]], color=BLUE, height=0.65)[0].set_gid(f"bar-{y}")
            axes.annotate(str(s.get("display", s["value"])), (s["value"] or 0, y), xytext=(3, 0),
                          textcoords="offset points", va="center", color=INK,
                          annotation_clip=False).set_gid(f"value-{y}")
        axes.set_yticks(list(ys), labels)
        for y, tick in zip(ys, axes.get_yticklabels()):
            tick.set_gid(f"label-{y}")
        axes.set_ylim(len(series) - 0.5, -0.5)  # the table's first row at the top
        axes.set_xlabel(_axis(axis, kind))
        if kind == "int":  # a count has no 0.25 of a child: whole-number ticks only
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(left=0)
        if kind == "int" and axes.get_xlim()[1] < 1:  # every count 0: an axis to 1, not 0.000 to 0.054
            axes.set_xlim(0, 1)
        axes.tick_params(axis="y", length=0)
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)

    groups = f"{len(series)} group{'s' * (len(series) != 1)}"
    return figure_svg(draw, size=(6.0, 0.45 + 0.17 * lines + 0.08 * len(series)), salt=chart_id,
                      label=f"{title}: bar chart of {groups}", described_by=f"{chart_id}-summary")


def line_svg(points: Sequence[Mapping], title: str, axis: str, chart_id: str, kind: str = "int") -> str:
    """A line through the points in order, each marked and written above. A point without a figure
    (withheld, `c`, or none to work out) is not drawn and its word sits on the axis; the line breaks
    there rather than join its neighbours, which would draw a figure for the month between them."""
    labels = [_wrapped(p["label"], LINE_LABEL_CHARACTERS) for p in points]

    def draw(figure) -> None:
        axes = figure.add_subplot()
        shown = [(i, p["value"]) for i, p in enumerate(points) if p["value"] is not None]
        # NaN, not a dropped point: matplotlib ends the line at it and starts again after it
        line = axes.plot(range(len(points)), [math.nan if p["value"] is None else p["value"] for p in points],
                         color=BLUE, linewidth=1.8, marker="o", markersize=3.5)[0]
        line.set_gid("points")  # one marker a plotted point
        for i, p in enumerate(points):
            at = 0 if p["value"] is None else p["value"]
            axes.annotate(str(p.get("display", p["value"])), (i, at), xytext=(0, 5), textcoords="offset points",
                          ha="center", color=INK if p["value"] is not None else GREY, annotation_clip=False,
                          fontsize=7 if len(points) <= CROWDED else 6).set_gid(f"value-{i}")
        if len(points) > CROWDED:  # side by side they would run into each other: slanted instead
            axes.set_xticks(range(len(points)), [str(p["label"]) for p in points], rotation=40, ha="right",
                            rotation_mode="anchor")
        else:
            axes.set_xticks(range(len(points)), labels)
        axes.set_xlim(-0.5, len(points) - 0.5)
        axes.set_ylim(bottom=min([0.0, *(v for _, v in shown)]))
        if kind == "int" and axes.get_ylim()[1] < 1:  # every count 0 (or none): an axis to 1
            axes.set_ylim(top=1)
        axes.set_ylabel(_axis(axis, kind))
        if kind == "int":
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)

    return figure_svg(draw, size=(6.0, 2.2), salt=chart_id, label=f"{title}: line chart of {len(points)} points",
                      described_by=f"{chart_id}-summary")


def bar_summary(series: Sequence[Mapping], title: str) -> str:
    """"Children by team: 9 groups; highest Team A (120), lowest Team C (4)." and what is withheld."""
    shown = [s for s in series if s["value"] is not None]
    words = f"{title}: {len(series)} group{'s' * (len(series) != 1)}"
    if shown:
        high = max(s["value"] for s in shown)
        low = min(s["value"] for s in shown)
        words += f"; highest {_groups_at(shown, high)}"
        if low != high:
            words += f", lowest {_groups_at(shown, low)}"
    return words + "." + _withheld(series) + " The table below gives every figure."


def _groups_at(shown: Sequence[Mapping], value) -> str:
    """Every group at `value`, not the first of them: "Team A and Team B (0)"; beyond three,
    "Team A, Team B, Team C and 2 more (0)"."""
    at = [s for s in shown if s["value"] == value]
    names = [str(s["label"]) for s in at]
    if len(names) > 3:
        names = [*names[:3], f"{len(names) - 3} more"]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed} ({at[0].get('display', at[0]['value'])})"


def line_summary(points: Sequence[Mapping], title: str) -> str:
    """"Visits by month: rose from 12 (Apr 2026) to 20 (Jul 2026); lowest ..., highest ...."."""
    shown = [p for p in points if p["value"] is not None]
    if not shown:
        return f"{title}: no point has a figure to show." + _withheld(points)
    first, last = shown[0], shown[-1]

    def said(p: Mapping) -> str:
        return f"{p.get('display', p['value'])} ({p['label']})"

    if len(shown) == 1:
        return f"{title}: {said(first)}, the only point with a figure." + _withheld(points)

    move = ("rose from" if last["value"] > first["value"] else "fell from" if last["value"] < first["value"]
            else "was the same at")
    words = f"{title}: {move} {said(first)} to {said(last)}"
    if len(shown) > 2:
        words += (f"; lowest {said(min(shown, key=lambda p: p['value']))}, "
                  f"highest {said(max(shown, key=lambda p: p['value']))}")
    return words + "." + _withheld(points) + " The table below gives every figure."


def _withheld(items: Sequence[Mapping]) -> str:
    """What is not drawn, and why: withheld (`c`), or no figure to draw (nothing to count)."""
    hidden = [str(i["label"]) for i in items if i["value"] is None and i.get("display") == WITHHELD]
    blank = [str(i["label"]) for i in items if i["value"] is None and i.get("display") != WITHHELD]
    words = f" Withheld to protect small numbers ({WITHHELD}), not drawn: {'; '.join(hidden)}." if hidden else ""
    return words + (f" No figure, not drawn: {'; '.join(blank)}." if blank else "")
