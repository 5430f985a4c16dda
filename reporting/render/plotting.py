"""matplotlib figures as inline SVG: the one house style and the plumbing every chart shares.

matplotlib lays out axes, ticks, wrapped labels and a legend that fit (no text runs off the
figure: `bbox_inches="tight"` grows it to hold every artist), and measured here it draws a chart
in about 45 ms where Vega-Lite through vl-convert took about 190 ms plus 4 s to start
(docs/decisions.md). Text stays text (`svg.fonttype: none`, DejaVu Sans, which the PDF renderer
and the browser both have), so the PDF can be searched and read out, and the same SVG goes into
the HTML and the PDF.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from html import escape
from typing import Any

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit; chosen before the figure module is imported
from matplotlib.figure import Figure  # after matplotlib.use: the backend is chosen first

# GOV.UK palette, as the rest of the report.
BLUE, GREEN, RED, PURPLE, INK, GREY = "#1d70b8", "#00703c", "#d4351c", "#912b88", "#0b0c0c", "#505a5f"

STYLE: dict[str, Any] = {"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 7.5,
                         "axes.edgecolor": INK, "axes.labelcolor": INK, "xtick.color": GREY,
                         "ytick.color": GREY, "axes.spines.top": False, "axes.spines.right": False}
# matplotlib's settings are process-wide and savefig reads them (the id salt), so one figure at a
# time: a render thread must not draw with another chart's salt.
_LOCK = threading.Lock()


def figure_svg(draw: Callable[[Figure], None], *, size: tuple[float, float], salt: str, label: str,
               described_by: str | None = None) -> str:
    """Draw a figure with `draw` and return it as an inline <svg>: role="img", named by `label`
    (also its <title>), described by the element with id `described_by`. `salt` makes the SVG's
    ids unique to the chart (many share one HTML page) and the output repeatable."""
    style = dict(STYLE)
    style["svg.hashsalt"] = salt
    with _LOCK, matplotlib.rc_context(style):  # type: ignore[arg-type]  # its keys are typed as literals
        figure = Figure(figsize=size)
        draw(figure)
        out = io.StringIO()
        figure.savefig(out, format="svg", bbox_inches="tight", pad_inches=0.03, metadata={"Date": None})
    return _inline(out.getvalue(), label, described_by, salt)


def _inline(document: str, label: str, described_by: str | None, salt: str) -> str:
    """matplotlib's standalone SVG file made an inline element: no XML prolog or metadata, and its
    ids ("figure_1", "axes_1", the same in every chart) made unique to the chart, since many
    charts share one HTML page and an id must be unique in it."""
    svg = document[document.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", salt)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    # matplotlib styles its elements with style="fill: ...; stroke-width: ...". Inline in HTML that
    # is CSS to the PDF renderer, which knows no SVG painting properties and warns about each one;
    # the same settings as presentation attributes (fill="...") mean the same to every SVG reader.
    svg = re.sub(r' style="([^"]*)"', _attributes, svg)
    # its <style>*{stroke-linejoin: round; stroke-linecap: butt}</style> would style the whole
    # HTML page; on the <svg> element the same two settings are inherited by the chart alone
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = svg.replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1)
    name = escape(label, quote=True)
    described = f' aria-describedby="{escape(described_by, quote=True)}"' if described_by else ""
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{name}"{described} ', 1)
    return svg.replace(">", f"><title>{name}</title>", 1)


def _attributes(style: re.Match) -> str:
    pairs = (part.split(":", 1) for part in style.group(1).split(";") if ":" in part)
    return "".join(f' {name.strip()}="{escape(value.strip(), quote=True)}"' for name, value in pairs)
