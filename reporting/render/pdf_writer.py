"""Two costs of pydyf, the PDF writer under WeasyPrint, that grow with the document: removed here.

1. **Page references.** `pydyf.PDF.page_references` builds a new tuple with a reference to every
   page each time it is read. WeasyPrint's tagging (PDF/UA) reads it once for each structure element
   (every table cell, every run of text) to name the element's page. So the cost is elements times
   pages: 2.2 million references for one burst of team copies (84 pages, 25,867 elements). Here the
   tuple is kept until a page is added. These are the same references, so the PDF has the same bytes.
2. **Compression level.** pydyf compresses every stream (each page's drawing, the object stream
   that holds the structure tree, the fonts) at zlib level 9. With level 6, zlib's own default, and
   the references kept, the 141 documents of a camden cycle took 19% less time to write and were
   2.9% larger. Each stream decodes to the same bytes, so the pages and tags are unchanged
   (`tests/test_pdf_writer.py`; docs/decisions.md 40).

pydyf is pinned (pyproject.toml) and both changes are checked against its source at import. If a
release changes either function, the import raises; it does not quietly drop the change or
apply it to code it was not written for.
"""

from __future__ import annotations

import inspect
import zlib

import pydyf

# zlib's own default: most of level 9's compression of these streams at a fraction of its time.
COMPRESSION_LEVEL = 6
_STOCK_LEVEL = 9

# kept on the class too: a second import of this module (a reload) must still find pydyf's own
_STOCK_PAGE_REFERENCES = pydyf.PDF.__dict__.get("_mi_stock_page_references", pydyf.PDF.page_references)
pydyf.PDF._mi_stock_page_references = _STOCK_PAGE_REFERENCES


def _expect(source_of, text: str, what: str) -> None:
    try:
        source = inspect.getsource(source_of)
    except (OSError, TypeError):  # installed without its source: nothing to check against
        source = ""
    if text not in source:
        raise RuntimeError(
            f"pydyf {pydyf.__version__}: {what} is no longer written as reporting/render/pdf_writer.py "
            f"expects (no {text!r} in its source): check the new release and update the module")


def _cached_page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """pydyf's `page_references`, built again only when a page has been added."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_mi_page_references")
    if cached is None or cached[0] is not kids or cached[1] != len(kids):
        cached = (kids, len(kids), _STOCK_PAGE_REFERENCES.fget(pdf))
        pdf.__dict__["_mi_page_references"] = cached
    return cached[2]


class _Zlib:
    """The `zlib` that pydyf sees: its streams' level 9 becomes COMPRESSION_LEVEL, the rest is zlib's."""

    def __getattr__(self, name: str):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = -1, *args, **kwargs):
        return zlib.compressobj(COMPRESSION_LEVEL if level == _STOCK_LEVEL else level, *args, **kwargs)


def install() -> None:
    """Apply both changes to pydyf (idempotent: every process that writes a PDF imports this)."""
    _expect(_STOCK_PAGE_REFERENCES.fget, "self.pages['Kids'][::3]", "PDF.page_references")
    _expect(pydyf.Stream.data.fget, f"zlib.compressobj(level={_STOCK_LEVEL})", "Stream.data")
    pydyf.PDF.page_references = property(_cached_page_references)
    pydyf.zlib = _Zlib()


def uninstall() -> None:
    """pydyf as released (for the tests that compare the two)."""
    pydyf.PDF.page_references = _STOCK_PAGE_REFERENCES
    pydyf.zlib = zlib
