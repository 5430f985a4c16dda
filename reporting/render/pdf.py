"""Render report HTML to a tagged (PDF/UA) PDF with WeasyPrint, and encrypt it.

Determinism: with the same HTML, title, ``created`` and WeasyPrint/pydyf/font
versions, the output bytes are identical. We pin the file identifier (first
``/ID`` entry, derived from the title; the second is pydyf's hash of the
content) and the info dates (taken from ``created``, or left out entirely when
``created`` is None: PDF/UA does not require them). What can still differ:
the ``/Producer`` string and layout across WeasyPrint versions, and glyph
subsets/metrics if the installed fonts change. Encrypted copies always differ
(AES uses random IVs and a random file key).

Font subsets: without the system library HarfBuzz-Subset >= 4.1 (Debian:
``libharfbuzz-subset0``) WeasyPrint falls back to fontTools and logs a warning;
fontTools stamps each subset's ``head.modified`` with the current time unless
``SOURCE_DATE_EPOCH`` is set, so we set it for the duration of the render.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

if TYPE_CHECKING:
    from pypdf.generic import DictionaryObject

from .html import TEMPLATE_DIR
from .tabular import atomic_write_bytes


def _w3c(created: dt.datetime | dt.date) -> str:
    """W3C date string, the format WeasyPrint's metadata fields expect."""
    if not isinstance(created, dt.datetime):
        created = dt.datetime(created.year, created.month, created.day)
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH (reproducible-builds convention) unless the caller set it."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def render_pdf_bytes(html: str, *, title: str, pdf_variant: str = "pdf/ua-1",
                     created: dt.datetime | dt.date | None = None) -> bytes:
    """Lay out ``html`` and return the PDF bytes (see :func:`write_pdf`)."""
    created_w3c = _w3c(created) if created is not None else None
    epoch = int(dt.datetime.fromisoformat(created_w3c).timestamp()) if created_w3c else 0
    with _source_date_epoch(epoch):
        return _render(html, title=title, pdf_variant=pdf_variant, created_w3c=created_w3c)


def _render(html: str, *, title: str, pdf_variant: str, created_w3c: str | None) -> bytes:
    """Lay out and write the PDF; SOURCE_DATE_EPOCH is already pinned."""
    document = HTML(string=html, base_url=str(TEMPLATE_DIR)).render()
    # Document.metadata is public API; setting it here overrides <title> and any
    # <meta name=dcterms.*> so the caller controls what ends up in /Info and XMP.
    document.metadata.title = title
    if created_w3c is not None:
        document.metadata.created = document.metadata.modified = created_w3c
    identifier = hashlib.md5(title.encode("utf-8")).hexdigest().encode("ascii")
    return document.write_pdf(pdf_variant=pdf_variant, pdf_identifier=identifier)


def write_pdf(html: str, path: Path, *, title: str, pdf_variant: str = "pdf/ua-1",
              created: dt.datetime | dt.date | None = None) -> None:
    """Write a tagged PDF atomically.

    :param html: complete document from :func:`reporting.render.html.render_html`.
    :param path: destination; a temp file in the same directory is renamed over it.
    :param title: document title for PDF metadata (and the file identifier).
    :param pdf_variant: WeasyPrint variant; ``pdf/ua-1`` turns on structure tags.
    :param created: optional fixed creation/modification date for metadata.
    :raises RuntimeError: if a ``pdf/ua`` variant came out without a structure tree.
    """
    data = render_pdf_bytes(html, title=title, pdf_variant=pdf_variant, created=created)
    if pdf_variant.startswith("pdf/ua"):
        # Tagging is what makes the PDF usable with a screen reader; fail loudly
        # rather than ship an untagged file if a WeasyPrint upgrade changes that.
        root = cast("DictionaryObject", PdfReader(io.BytesIO(data)).trailer["/Root"])  # the document catalog
        if "/StructTreeRoot" not in root or "/MarkInfo" not in root:
            raise RuntimeError(f"{pdf_variant} output for {title!r} is not tagged")
    atomic_write_bytes(Path(path), data)


def encrypt_pdf(src: Path, dst: Path, password: str) -> None:
    """Write an AES-256 encrypted copy of ``src`` to ``dst`` (atomically).

    The same password is used as user and owner password: recipients who can
    open the file can do anything with it, which matches how these files are
    shared (password sent separately). Needs the ``cryptography`` package.

    :param src: unencrypted PDF.
    :param dst: destination; may not be ``src``'s temp file.
    :param password: password required to open the file.
    """
    if not password:
        raise ValueError("refusing to encrypt with an empty password")
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    atomic_write_bytes(Path(dst), buf.getvalue())
