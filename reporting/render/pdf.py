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

import copy
import datetime as dt
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pikepdf
from weasyprint import Document

from . import pdf_writer
from .html import TEMPLATE_DIR
from .tabular import atomic_write_bytes
from .ua_stylesheet import ReportHTML

pdf_writer.install()


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
    with pinned_dates(created) as created_w3c:
        document = lay_out(html)
        return pdf_bytes(document, title=title, pdf_variant=pdf_variant, created_w3c=created_w3c)


@contextmanager
def pinned_dates(created: dt.datetime | dt.date | None) -> Iterator[str | None]:
    """The W3C date to write in the metadata (None: none), with SOURCE_DATE_EPOCH pinned to it
    while the PDF is laid out and written, so that font subsets carry no clock time."""
    created_w3c = _w3c(created) if created is not None else None
    epoch = int(dt.datetime.fromisoformat(created_w3c).timestamp()) if created_w3c else 0
    with _source_date_epoch(epoch):
        yield created_w3c


def lay_out(html: str) -> Document:
    """WeasyPrint's layout of a report document (the costly step)."""
    return ReportHTML(string=html, base_url=str(TEMPLATE_DIR)).render()


def pdf_bytes(document: Document, *, title: str, pdf_variant: str, created_w3c: str | None) -> bytes:
    """Write a laid-out document (or a page subset of one) as a PDF with its own title and dates.

    The metadata is the document's own copy: page subsets of one layout share the original's.
    """
    metadata = copy.copy(document.metadata)
    # Document.metadata is public API; setting it here overrides <title> and any
    # <meta name=dcterms.*> so the caller controls what ends up in /Info and XMP.
    metadata.title = title
    if created_w3c is not None:
        metadata.created = metadata.modified = created_w3c
    document.metadata = metadata
    identifier = hashlib.md5(title.encode("utf-8")).hexdigest().encode("ascii")
    finisher = _require_tags(title, pdf_variant) if pdf_variant.startswith("pdf/ua") else None
    return document.write_pdf(pdf_variant=pdf_variant, pdf_identifier=identifier, finisher=finisher)


def _require_tags(title: str, pdf_variant: str):
    """A check of the PDF's catalogue before it is written: tagging is what makes the PDF usable
    with a screen reader; fail loudly rather than ship an untagged file if a WeasyPrint upgrade
    changes that. (Reading the written file back to check took longer than writing it.)"""
    def check(_document: Document, pdf) -> None:
        if "StructTreeRoot" not in pdf.catalog or "MarkInfo" not in pdf.catalog:
            raise RuntimeError(f"{pdf_variant} output for {title!r} is not tagged")

    return check


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
    atomic_write_bytes(Path(path), render_pdf_bytes(html, title=title, pdf_variant=pdf_variant, created=created))


def encrypt_pdf(src: Path, dst: Path, password: str) -> None:
    """Write an AES-256 encrypted copy of ``src`` to ``dst`` (atomically), with qpdf (pikepdf).

    The same password is used as user and owner password: recipients who can
    open the file can do anything with it, which matches how these files are
    shared (password sent separately). The structure tree and metadata are kept.

    :param src: unencrypted PDF.
    :param dst: destination; may not be ``src``'s temp file.
    :param password: password required to open the file.
    """
    if not password:
        raise ValueError("refusing to encrypt with an empty password")
    buf = io.BytesIO()
    with pikepdf.open(src) as pdf:
        # R=6: AES-256 (PDF 2.0 / ISO 32000-2); qpdf writes each object once, without re-reading
        # it in Python (pypdf took ~0.13 s a copy).
        pdf.save(buf, encryption=pikepdf.Encryption(user=password, owner=password, R=6, aes=True))
    atomic_write_bytes(Path(dst), buf.getvalue())
