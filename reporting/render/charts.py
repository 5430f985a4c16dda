"""Where a chart's text goes, worked out before the SVG is written, so no label is ever clipped.

An SVG does not flow text: a label drawn right-aligned at a fixed x simply runs off the left
edge when it is long ("Foster care with relative or friend" read "oster care with relative or
friend"). So the templates' charts are laid out here: every label and value is measured
with the widths of DejaVu Sans (the font the templates name and the PDF renderer uses), long
labels are wrapped onto more lines, and the label column, the bars and the chart's own width are
sized so the widest text fits inside the viewBox.

The widths are a table, not the font file read at run time: the layout (and so the report's
bytes) must not depend on which fonts the host happens to have.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

# Advance widths of DejaVu Sans, in thousandths of an em, for the printable ASCII characters
# " " (32) to "~" (126); read from DejaVuSans.ttf (2048 units per em) with fontTools.
_DEJAVU_SANS = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)
# Any other character (an accented letter, a dash, an ellipsis) is taken as a full em, which is
# at least its width in DejaVu Sans for nearly every character a label could hold.
_OTHER = 1000
# Room for a reader whose browser draws the HTML in a wider fallback font than DejaVu Sans.
_SLACK = 1.1


def text_width(text: object, size: float) -> float:
    """Width in SVG units of `text` drawn at font size `size` (DejaVu Sans, plus slack)."""
    units = sum(_DEJAVU_SANS[ord(ch) - 32] if 32 <= ord(ch) <= 126 else _OTHER for ch in str(text))
    return units * size / 1000 * _SLACK


def wrap(text: object, width: float, size: float) -> list[str]:
    """`text` as lines no wider than `width`, broken at spaces; a word wider than a whole line
    (a long reference, a name with no spaces) is broken after a hyphen or slash, else between
    characters. Nothing is dropped: the lines hold every character but the spaces broken at."""
    lines: list[str] = []
    current = ""
    for word in str(text).split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for part in re.findall(r"[^-/]*[-/]|[^-/]+$", word):
            if current and text_width(current + part, size) > width:
                lines.append(current)
                current = ""
            for ch in part:
                if current and text_width(current + ch, size) > width:
                    lines.append(current)
                    current = ""
                current += ch
    if current or not lines:
        lines.append(current)
    return lines


def centred_inside(x: float, text: object, size: float, width: float) -> float:
    """The x of a centred (text-anchor: middle) text moved just enough to keep all of it inside a
    chart `width` wide: the last month's label under a line's right end, say."""
    half = text_width(text, size) / 2
    return round(min(max(x, _EDGE + half), width - _EDGE - half), 1)


# ---- horizontal bar chart ------------------------------------------------------------------------
BAR_FONT = 12
_LINE = 14  # one line of 12-unit text: DejaVu Sans' ascent + descent is 1.164 em
_ASCENT = 12  # first baseline below the top of a label's block (the ascent, 11.1, rounded up)
_EDGE = 4  # blank margin kept inside the viewBox on every side
_GAP = 8  # between a label and the axis, and between a bar and its value
_LABEL_MAX = 250  # a label column wider than this wraps instead (most of the width stays bars)
_BARS_MIN = 160  # the bars never get less room than this: the chart widens instead
_WIDTH = 640  # the usual width (it scales down with the page: `.chart svg { max-width: 100% }`)


def bar_chart_layout(series: Sequence[Mapping]) -> dict:
    """Positions for a horizontal bar chart of `series` ([{label, value, display?}]; a value of
    None is a suppressed figure: no bar, its display (`c`) still shown).

    Returns ``{width, height, axis_x, label_x, rows}``, each row ``{label, lines: [{text, y}],
    bar: {x, y, width, height}, value: {text, x, y}}``: labels right-aligned at
    ``label_x``, each line of a wrapped label at its own baseline ``y``.
    """
    values = [s["value"] for s in series if s.get("value") is not None]
    top = max([*values, 0])
    displays = [str(s.get("display", s.get("value"))) for s in series]
    # the label column: as wide as the longest label, up to _LABEL_MAX; longer ones are wrapped
    widest = max((text_width(s["label"], BAR_FONT) for s in series), default=0)
    label_room = math.ceil(min(widest, _LABEL_MAX))
    wrapped = [wrap(s["label"], label_room, BAR_FONT) for s in series]
    # a single character wider than the column (hardly possible at 250) still widens it
    label_room = max([label_room, *(math.ceil(text_width(line, BAR_FONT)) for ls in wrapped for line in ls)])
    label_x = _EDGE + label_room
    axis_x = label_x + _GAP
    value_room = _GAP + math.ceil(max((text_width(d, BAR_FONT) for d in displays), default=0))
    width = max(_WIDTH, axis_x + _BARS_MIN + value_room + _EDGE)
    bars = width - _EDGE - value_room - axis_x
    scale = bars / top if top > 0 else 0

    rows = []
    y = _EDGE
    for s, lines, display in zip(series, wrapped, displays):
        row_h = max(24, len(lines) * _LINE + 10)
        block_top = y + (row_h - len(lines) * _LINE) / 2
        bar_y = y + (row_h - 18) / 2
        value = s.get("value")
        bar_w = max(value * scale, 0) if value is not None else 0
        rows.append({
            "label": s["label"],
            "lines": [{"text": text, "y": round(block_top + i * _LINE + _ASCENT, 1)} for i, text in enumerate(lines)],
            # a hidden value's bar is drawn 0 wide: nothing shows, its display (`c`) does
            "bar": {"x": axis_x, "y": round(bar_y, 1), "width": round(bar_w, 1), "height": 18},
            "value": {"text": display, "x": round(axis_x + bar_w + _GAP - 2, 1), "y": round(bar_y + 13, 1)},
        })
        y += row_h
    return {"width": width, "height": round(y + _EDGE), "axis_x": axis_x, "label_x": label_x, "rows": rows}


# ---- line chart ----------------------------------------------------------------------------------
LINE_FONT = 11
_LINE_LINE = 13  # one line of 11-unit text


def line_chart_layout(points: Sequence[Mapping]) -> dict:
    """Positions for a line chart of `points` ([{label, value, display?}] in order; a value of None
    is not plotted: its display sits on the axis).

    The left margin fits the axis figures; each point's label is wrapped to the room between
    points (at least 60 units) and, like the value above the point, kept inside the viewBox.
    Returns ``{width, height, left, right, plot_top, plot_bottom, top_label, bottom_label, coords,
    points: [{x, y or None, value: {text, x, y}, lines: [{text, x, y}]}]}``.
    """
    values = [p["value"] for p in points if p.get("value") is not None]
    top = max([*values, 0])
    bottom = min([*values, 0])
    span = (top - bottom) if top > bottom else 1
    width, plot_top, plot_bottom = _WIDTH, 20, 170
    left = max(50, math.ceil(max(text_width(top, LINE_FONT), text_width(bottom, LINE_FONT))) + _EDGE + 6)
    right = width - 20
    step = (right - left) / (len(points) - 1 if len(points) > 1 else 1)
    room = max(step - 4, 60)

    laid = []
    most_lines = 1
    for i, p in enumerate(points):
        x = left + i * step
        value = p.get("value")
        y = None if value is None else plot_bottom - (value - bottom) / span * (plot_bottom - plot_top)
        display = str(p.get("display", "" if value is None else value))
        lines = wrap(p["label"], room, LINE_FONT)
        most_lines = max(most_lines, len(lines))
        laid.append({
            "x": round(x, 1), "y": None if y is None else round(y, 1),
            "value": {"text": display, "x": centred_inside(x, display, LINE_FONT, width),
                      "y": round(plot_bottom - 8 if y is None else y - 8, 1)},
            "lines": [{"text": text, "x": centred_inside(x, text, LINE_FONT, width),
                       "y": plot_bottom + 18 + j * _LINE_LINE} for j, text in enumerate(lines)],
        })
    return {"width": width, "height": plot_bottom + 18 + (most_lines - 1) * _LINE_LINE + 22,
            "left": left, "right": right, "plot_top": plot_top, "plot_bottom": plot_bottom,
            "top_label": top, "bottom_label": bottom,
            "coords": " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in laid if p["y"] is not None),
            "points": laid}
