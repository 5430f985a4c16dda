"""Turn a report's rows into HTML, PDF, CSV and XLSX files.

See :mod:`reporting.render.html` for the template context contract.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .html import TEMPLATE_DIR, TemplateRenderError, fmt, longdate, render_html, template_environment, template_problems
from .pdf import encrypt_pdf, render_pdf_bytes, write_pdf
from .tabular import atomic_write_bytes, write_csv, write_xlsx

__all__ = [
    "TEMPLATE_DIR",
    "TemplateRenderError",
    "atomic_write_bytes",
    "content_hash",
    "encrypt_pdf",
    "fmt",
    "longdate",
    "render_html",
    "render_pdf_bytes",
    "template_environment",
    "template_problems",
    "write_csv",
    "write_pdf",
    "write_xlsx",
]


def content_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, as lowercase hex.

    :param path: file to hash (read in chunks; PDFs can be large).
    :returns: 64-character hex digest.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
