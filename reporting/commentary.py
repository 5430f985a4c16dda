"""The period's commentary, written by the performance team as Markdown, in any report.

A data officer writes `<MI_COMMENTARY_DIR>/<report_id>/<period_end YYYY-MM-DD>.md` (default folder
var/commentary); the report for that period shows it as a "Commentary" section near the top (an
overview's after its front page). No file, or an empty one, and there is no section at all.

The text is untrusted input that goes into an e-mailed HTML file and a PDF, so it is rendered with
markdown-it-py's CommonMark rules with raw HTML off (`<script>` comes out as text), no images
(WeasyPrint would fetch them) and links as text: the link's words followed by its address in
brackets, so a printed copy shows where it points and nothing in the e-mail is a live link.
Headings start at level 3, under the section's own heading.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from reporting import settings

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")


def path_for(report_id: str, period_end: date) -> Path:
    """Where the commentary for a report's period is written."""
    return settings.commentary_dir() / report_id / f"{period_end.isoformat()}.md"


def commentary_html(report_id: str, period_end: date) -> Markup | None:
    """The commentary for the report's period as safe HTML, or None when there is none."""
    path = path_for(report_id, period_end)
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    return render_markdown(text) if text.strip() else None


def render_markdown(text: str) -> Markup:
    """Markdown to HTML with no raw HTML, no images, links as text and headings from level 3."""
    tokens = _MARKDOWN.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        if token.children:
            token.children = _links_as_text(token.children)
    # markdown-it escapes every text token and, with html off, every tag written in the text
    return Markup(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))


def _links_as_text(children: list[Token]) -> list[Token]:
    out: list[Token] = []
    href, start = "", 0
    for child in children:
        if child.type == "link_open":
            href, start = _MARKDOWN.normalizeLinkText(str(child.attrGet("href") or "")), len(out)
        elif child.type == "link_close":
            words = "".join(c.content for c in out[start:] if c.type in ("text", "code_inline"))
            if href and href not in (words, f"mailto:{words}"):
                out.append(Token("text", "", 0, content=f" ({href})"))
        else:
            out.append(child)
    return out
