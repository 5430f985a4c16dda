"""The trimmed user-agent stylesheet (reporting.render.ua_stylesheet): the same PDFs as WeasyPrint's
own, without the pseudo-element rules that matched every element."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_render import TITLE, sample_context
from weasyprint import HTML
from weasyprint.html import UA

from reporting.render import render_html
from reporting.render.burst import burst_document
from reporting.render.html import TEMPLATE_DIR
from reporting.render.pdf import lay_out, pdf_bytes, pinned_dates
from reporting.render.ua_stylesheet import trimmed_ua_css

LISTS = """<!doctype html><html lang="en"><head><title>Lists</title></head><body>
<h1>Indicators</h1>
<ol><li>Re-referrals within 12 months</li><li>Repeat CP plans</li></ol>
<ul><li>Assessments in 45 working days</li></ul>
<table><thead><tr><th>Area</th><th>Indicators</th></tr></thead>
<tbody><tr><td>Front door</td><td><ul><li>Contacts</li><li>Referrals</li></ul></td></tr></tbody></table>
<details><summary>The 12 monthly figures</summary><p>Oct 2026: 48</p></details>
</body></html>"""

CREATED = datetime(2026, 11, 1, 6, 5, tzinfo=UTC)  # the PDFs' dates, pinned so two PDFs compare byte for byte


def stock_pdf(html: str) -> bytes:
    """The PDF WeasyPrint makes with its own user-agent stylesheet."""
    with pinned_dates(CREATED) as created:  # as the runner does: no clock time in the fonts either
        return pdf_bytes(HTML(string=html, base_url=str(TEMPLATE_DIR)).render(), title=TITLE,
                         pdf_variant="pdf/ua-1", created_w3c=created)


def our_pdf(html: str) -> bytes:
    with pinned_dates(CREATED) as created:
        return pdf_bytes(lay_out(html), title=TITLE, pdf_variant="pdf/ua-1", created_w3c=created)


def report(n: int, label: str) -> str:
    return render_html("table_report.html.j2", {**sample_context(n), "slice_label": label})


@pytest.mark.parametrize("name", ["report", "burst", "lists"])
def test_pdfs_are_byte_for_byte_those_of_weasyprints_own_stylesheet(name):
    """A report (summaries, charts, RAG cells, a data-quality note over several pages), a burst of
    two copies and a document of numbered and bulleted lists, tables and a details box."""
    html = {
        "report": lambda: report(60, "Team: CIN 2"),
        "burst": lambda: burst_document([report(30, "Team: CIN 1"), report(45, "Team: CIN 2")]),
        "lists": lambda: LISTS,
    }[name]()
    ours = our_pdf(html)
    assert ours == stock_pdf(html)
    if name == "lists":  # list items still get their markers: the one rule kept, narrowed to <li>
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(ours)).pages)
        markers = re.findall(r"^(\d\.|•) *$", text, re.MULTILINE)  # WeasyPrint writes them after the text
        assert markers == ["1.", "2.", "•", "•", "•"], text


def test_no_rule_is_left_that_styles_a_pseudo_element_of_every_element():
    rules = [line for line in trimmed_ua_css().splitlines() if line.startswith("::")]
    assert rules == []
    assert "li::marker {" in trimmed_ua_css()
    assert [line for line in UA.splitlines() if line.startswith("::")], "the stock stylesheet has them"


def test_a_weasyprint_whose_stylesheet_changed_is_reported_not_silently_used():
    with pytest.raises(RuntimeError, match=r"html5_ua\.css.*ua_stylesheet\.py"):
        trimmed_ua_css(UA.replace("::note-callback", "::note-back-link"))


def test_our_templates_use_no_footnotes_notes_or_other_list_items():
    """What the trim relies on: a template (ours, or a report definition's own) that starts to use
    them needs the rules back."""
    definitions = Path(__file__).resolve().parents[1] / "sql"
    templates = [*Path(TEMPLATE_DIR).iterdir(), *definitions.rglob("*.j2")]
    assert len(templates) > 5
    for path in templates:
        text = path.read_text()
        for feature in ("footnote", "float: note", "list-item", "::marker"):
            assert feature not in text, f"{path.name} uses {feature!r}: see reporting/render/ua_stylesheet.py"


def test_our_stylesheet_is_read_without_a_warning(caplog):
    """The stylesheet's counter styles are read into a dict of their own: read into WeasyPrint's,
    disc and decimal were refused as defined twice, a warning in the log of every process."""
    import importlib
    import logging

    import reporting.render.ua_stylesheet as module

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        importlib.reload(module)
    assert [r.getMessage() for r in caplog.records] == []
