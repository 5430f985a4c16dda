"""Several copies of one report laid out once, each copy's PDF written as the pages of its section.

A report's recipients' copies (a team's slice, a service's or a partner's copy) are documents from
the same template and stylesheet. Laying each out as its own document repeats WeasyPrint's work
for every one of them: parsing, the cascade, fonts. Here the copies' bodies go into ONE burst
document, each in a section that starts on a new page; WeasyPrint lays it out once, and each
copy's PDF is written from the pages of its section (`Document.copy(pages)`), which keeps the
structure tree of those pages (tagged PDF/UA) and nothing of the others.

Each copy still reads as its own document:

* its own title and dates in the metadata (`pdf.pdf_bytes`);
* its own page numbers, "Page 2 of 5" counting its own pages: each section is a page group whose
  first page resets the page counter, and the total is the page number of a marker at the end of
  the section (`target-counter`), carried to the footer as a running string;
* its own running header: the section resets the strings a copy sets only when it has them (the
  slice's heading, the worker carried over from the last page of a list);
* its own protective marking, which is in its own heading.

A copy's section is the document's `<body>` as the template wrote it, inside an element that maps
to no structure (`NonStruct`, transparent to assistive technology), so its text and tags are those
of the copy rendered alone; `tests/test_burst.py` compares them for every copy of a weekly cycle.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reporting.errors import MIError

from .pdf import lay_out, pdf_bytes, pinned_dates

PDF_VARIANT = "pdf/ua-1"
# A burst document is laid out whole before its first copy is written, so its pages are all in
# memory at once: at most this many list rows (each copy's PDF rows, capped as it shows them) go
# into one. The saving is per document laid out, so it is nearly all there well before this.
MAX_ROWS = 1500
SECTION = "mi-copy"  # an element name no template uses; WeasyPrint tags it NonStruct
# The block elements a report's body can hold, by name: a universal selector (`mi-copy *`) would be
# tried against every element of the burst, and the cascade is a fifth of WeasyPrint's time.
BLOCKS = ("h1, h2, h3, h4, h5, h6, p, div, section, header, main, footer, article, aside, nav, figure, "
          "figcaption, details, summary, dl, dt, dd, ul, ol, li, blockquote, pre, hr, caption")
# Added to the burst document's stylesheet (after the template's own):
BURST_CSS = f"""
{SECTION} {{ display: block; page: {SECTION}; break-before: page; }}
/* WeasyPrint counts every page of a named page as after a forced break and keeps the top margin
   of what starts it; alone, a copy's pages break unforced and that margin goes. Discarded here as
   there (a copy has no forced break of its own; its first page starts with no top margin). */
{SECTION}, {BLOCKS} {{ margin-break: discard; }}
/* On an empty first element, not the section: WeasyPrint sets a box's strings again on each page
   the box continues on. A copy without a slice heading or a worker on its first page shows none
   (not the last copy's); the footer's total is the page number of the section's last element. */
{SECTION}-start {{
  display: block;
  string-set: slice "", worker "", copy-pages target-counter(attr(data-last url), page);
}}
/* Out of the flow: an empty line at the end of a copy that fills its last page would start a blank
   page of its own. */
{SECTION}-last {{ position: absolute; }}
@page {SECTION}:nth(1 of {SECTION}) {{ counter-reset: page 1; }}
@page {SECTION} {{
  @bottom-right {{ content: "Page " counter(page) " of " string(copy-pages); }}
}}
"""
_BODY = re.compile(r"<body[^>]*>")
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
# A forced page break in a copy (an overview's front page): alone, the margin above what follows it
# is kept; in a burst every page counts as after a forced break and those margins are dropped
# (BURST_CSS), so the two would differ. Such copies are laid out alone.
_FORCED_BREAK = re.compile(r"(?:page-)?break-(?:before|after)\s*:\s*(?:page|always|left|right|recto|verso)")
_ID = re.compile(r'(\sid=")([^"]+)(")')
# where our templates and the charts' SVG refer to an id: a link, a clip path or gradient, a label
_REFERENCES = re.compile(r'((?:\s(?:xlink:)?href="#)|(?:url\(#))([^")]+)|'
                         r'(\s(?:aria-labelledby|aria-describedby|headers|for)=")([^"]+)')


class BurstError(MIError, ValueError):
    """The documents cannot share one layout (different stylesheets), or the layout did not give
    each its own pages; the caller lays each out alone."""


@dataclass(frozen=True)
class Part:
    """One copy's document: the HTML of its PDF (complete, from the report's template), its
    title and how many list rows it shows (for the burst's size)."""

    html: str
    title: str
    rows: int = 0


def batches(sizes: Sequence[int], max_rows: int = MAX_ROWS) -> list[list[int]]:
    """Positions in bursts of at most `max_rows` list rows, given each copy's rows (a larger copy
    is a burst alone)."""
    groups: list[list[int]] = []
    rows = 0
    for i, size in enumerate(sizes):
        if not groups or rows + size > max_rows:
            groups.append([])
            rows = 0
        groups[-1].append(i)
        rows += size
    return groups


def burst_pdfs(parts: list[Part], *, created: dt.datetime | dt.date | None = None) -> list[bytes]:
    """Each part's PDF, from one layout of all of them (in order)."""
    if not parts:
        return []
    html = burst_document([p.html for p in parts])
    with pinned_dates(created) as created_w3c:
        document = lay_out(html)
        starts = section_starts(document, len(parts))
        ends = [*starts[1:], len(document.pages)]
        return [pdf_bytes(document.copy(document.pages[start:end]), title=part.title, pdf_variant=PDF_VARIANT,
                          created_w3c=created_w3c)
                for part, start, end in zip(parts, starts, ends)]


def burst_document(documents: list[str]) -> str:
    """One HTML document holding each document's body as a section, in order.

    Every document must have the same <head> but for its <title> (the template's stylesheet):
    the burst's is the first one's, with the section rules added.
    """
    heads, bodies = [], []
    for n, document in enumerate(documents):
        if _FORCED_BREAK.search(document):
            raise BurstError(f"document {n + 1} of the burst breaks a page itself: each is laid out alone")
        match = _BODY.search(document)
        end = document.rfind("</body>")
        if match is None or end < match.end():
            raise BurstError(f"document {n + 1} of the burst has no <body>")
        heads.append(document[:match.start()])
        bodies.append(document[match.end():end])
    first = heads[0]
    if any(_TITLE.sub("", head) != _TITLE.sub("", first) for head in heads[1:]):
        raise BurstError("the documents' heads differ (stylesheet or language): each is laid out alone")
    closing = first.rfind("</head>")
    if closing < 0:
        raise BurstError("the burst's first document has no </head>")
    sections = "".join(
        f'<{SECTION} id="{SECTION}-{n}"><{SECTION}-start data-last="#{SECTION}-last-{n}"></{SECTION}-start>'
        f'{own_ids(body, f"{SECTION}-{n}-")}<{SECTION}-last id="{SECTION}-last-{n}"></{SECTION}-last></{SECTION}>'
        for n, body in enumerate(bodies))
    return (f"{first[:closing]}<style>{BURST_CSS}</style>{first[closing:]}<body>{sections}</body>\n</html>\n")


def own_ids(body: str, prefix: str) -> str:
    """`body` with each id it defines, and each reference to one, prefixed: the copies of a report
    use the same ids (their headings, their charts' clip paths), which must not meet in one document."""
    ids = {m.group(2) for m in _ID.finditer(body)}
    if not ids:
        return body

    def rename(match: re.Match) -> str:
        if match.group(1) is not None:  # one id after # (a link, url(#...))
            return match.group(1) + (prefix + match.group(2) if match.group(2) in ids else match.group(2))
        names = " ".join(prefix + name if name in ids else name for name in match.group(4).split())
        return match.group(3) + names

    body = _ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}{m.group(3)}", body)
    return _REFERENCES.sub(rename, body)


def section_starts(document, count: int) -> list[int]:
    """The index of each section's first page (the page holding its start anchor)."""
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith(f"{SECTION}-") and not anchor.startswith(f"{SECTION}-last-"):
                found.setdefault(anchor, index)
    starts = [found.get(f"{SECTION}-{n}") for n in range(count)]
    if any(s is None for s in starts) or starts != sorted(starts) or len(set(starts)) != count:  # type: ignore[type-var]
        raise BurstError(f"the burst's {count} sections did not each start a page of their own")
    return [s for s in starts if s is not None]
