"""WeasyPrint's user-agent stylesheet without the rules that style every element for features our
templates never use.

WeasyPrint's `html5_ua.css` has five rules for its footnotes and notes (`::footnote-call`,
`::footnote-marker`, `::note-call`, `::note-marker`, `::note-callback`) and one for `::marker`, each
with no element before the pseudo-element: they match every element of the document. For each match
WeasyPrint computes a style for the pseudo-element, so a list of 100 rows of nine cells paid for six
extra styles a cell, computed one by one (the cache WeasyPrint shares between alike elements does
not reach pseudo-elements). That was a quarter of the time to lay out and write a burst of team
lists (over a whole cycle, 7-14% of the PDFs' time: docs/performance.md), for boxes that are never
made: a footnote call exists only for an element with `float: footnote`, a marker only for a
`display: list-item` element.

Our templates (and the report definitions' own) use neither footnotes nor notes, and only `<li>` is
a list item (the stock stylesheet makes it one; ours makes nothing else one), so here the note rules
are dropped and `::marker` is `li::marker`. The PDFs come out byte for byte the same
(`tests/test_ua_stylesheet.py` checks a report, a burst of copies and lists against the stock
stylesheet). If a template ever uses footnotes, this module is where to put their rules back.

The stylesheet is WeasyPrint's own text with those lines changed, so a WeasyPrint upgrade brings its
other rules with it; if the lines are no longer there as written, this raises at import rather than
quietly lose the saving or the rules.
"""

from __future__ import annotations

import re

from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.html import UA, UA_FORM_STYLESHEET

_NOTE_RULES = re.compile(r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}\n",
                         re.MULTILINE)
_MARKER_RULE = "\n::marker {"
_EXPECTED_NOTE_RULES = 5


def trimmed_ua_css(stock: str = UA) -> str:
    """The stock user-agent stylesheet's text without the note rules and with `::marker` on `li`."""
    trimmed, dropped = _NOTE_RULES.subn("", stock)
    if dropped != _EXPECTED_NOTE_RULES or stock.count(_MARKER_RULE) != 1:
        raise RuntimeError(
            f"WeasyPrint's html5_ua.css no longer has the {_EXPECTED_NOTE_RULES} note rules and the one "
            f"'::marker' rule reporting/render/ua_stylesheet.py trims (found {dropped} and "
            f"{stock.count(_MARKER_RULE)}): check the new stylesheet and update the module")
    return trimmed.replace(_MARKER_RULE, "\nli::marker {")


# The counter styles this text defines (disc, decimal...) go into a dict of their own: documents
# use WeasyPrint's (`HTML._ua_counter_style`), which has the same ones from the stock stylesheet, and
# defining disc or decimal a second time in that dict is refused with a warning in every process.
UA_STYLESHEET = CSS(string=trimmed_ua_css(), counter_style=CounterStyle())


class ReportHTML(HTML):
    """`weasyprint.HTML` with the trimmed user-agent stylesheet.

    `_ua_stylesheets` is the hook WeasyPrint's own test suite overrides to choose the user-agent
    stylesheet; WeasyPrint is pinned (pyproject.toml), and the trim is checked at import.
    """

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [UA_STYLESHEET, UA_FORM_STYLESHEET] if forms else [UA_STYLESHEET]
