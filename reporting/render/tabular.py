"""CSV and XLSX output with byte-identical results for identical inputs.

Reproducible bytes let the pipeline skip re-sending unchanged reports (compare
``content_hash``) and make golden-file tests possible. ``columns``/``rows``
follow the contract in :mod:`reporting.render.html`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from reporting.text import month_key, readable, year_month

from .html import as_date, as_datetime, col_kind, fmt

if TYPE_CHECKING:
    from _typeshed import ConvertibleToFloat

# Earliest timestamp a zip entry can carry; any fixed value would do.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_EXCEL_FORMATS = {
    "date": "dd mmm yyyy",
    "datetime": "dd mmm yyyy hh:mm",
    "month": "mmm yyyy",
    "int": "#,##0",
    "decimal": "#,##0.0",
    "percent": "0.0%",
}
_MAX_WIDTH = 60


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half.

    The temp file sits in the same directory because ``os.replace`` is only
    atomic within one filesystem. It is created 0600, which suits files that
    hold personal data; callers that need wider access should chmod after.

    :param path: destination file.
    :param data: complete file contents.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# A spreadsheet program treats a cell starting with one of these as a formula (OWASP, "CSV
# Injection"): `=HYPERLINK(...)` in a child's address would run when a manager opens the file.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """Text for a CSV cell: a leading formula trigger is defused with a single quote (OWASP)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_value(value: object, kind: str) -> str:
    """Machine-readable value: ISO dates, plain numbers, no thousands separators; text defused."""
    if value is None:
        return ""
    if kind == "date":
        return as_date(value).isoformat()
    if kind == "datetime":
        return as_datetime(value).isoformat(sep=" ")
    if kind == "month":
        return month_key(cast("dt.date | str", value))
    if isinstance(value, (int, float)):
        return str(value)
    return neutralised(str(value))


def csv_row(values: Sequence[object]) -> list[str]:
    """Any row of free text for a CSV file (a header, an audit list), every cell defused."""
    return ["" if v is None else neutralised(str(v)) for v in values]


def shown_columns(columns: Sequence[Mapping]) -> list[Mapping]:
    """The columns a reader is shown, in order: a ``hidden`` column (a team ID for slicing, a RAG or
    flag column behind a summary, a partner's unshown name) never goes into a spreadsheet, as it never
    goes into the HTML or PDF."""
    return [c for c in columns if not c.get("hidden")]


def write_csv(columns: Sequence[Mapping], rows: Sequence[Mapping], path: Path) -> None:
    """Write rows as UTF-8 CSV (no BOM, CRLF line ends per RFC 4180).

    :param columns: column dicts; the header row uses their ``label``; ``hidden`` ones are left out.
    :param rows: row dicts keyed by column ``name``.
    :param path: destination, written atomically.
    """
    columns = shown_columns(columns)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(csv_row([c["label"] for c in columns]))
    kinds = [col_kind(c) for c in columns]
    for row in rows:
        writer.writerow([_csv_value(row[c["name"]], k) for c, k in zip(columns, kinds)])
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def _excel_value(value: object, kind: str) -> object:
    """Convert to the type Excel should store: real dates, fractions for percent."""
    if value is None:
        return None
    if kind == "date":
        return as_date(value)
    if kind == "datetime":
        return as_datetime(value).replace(tzinfo=None)
    if kind == "month":  # a real date (the month's first day), shown as "Oct 2026"
        return year_month(cast("dt.date | str", value))
    if value == "c":  # a count suppressed by disclosure control stays the DfE symbol
        return value
    if kind == "percent":
        # Rows hold 0-100; Excel's % format multiplies by 100.
        return float(cast("ConvertibleToFloat", value)) / 100
    if kind in ("int", "decimal"):
        return value
    return str(value)


def text_cell(ws, text: str):
    """A cell that holds `text` as text, never a formula, whatever it starts with: stored as a string
    (openpyxl would store "=..." as a formula) with Excel's quote prefix, so editing the cell in
    Excel keeps it text too (OWASP's rule for spreadsheets)."""
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def append_row(ws, values: Sequence[object]) -> None:
    """Append to a normal (not write-only) worksheet with the same rules as `write_xlsx`: unreadable
    characters replaced, text that looks like a formula kept as text."""
    ws.append([readable(v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
            cell.data_type = "s"
            cell.quotePrefix = True


def sheet_title(title: str) -> str:
    """Excel sheet names: max 31 chars, none of []:*?/\\ . A longer title is cut after its last
    whole word that fits ("Current CP plans with the last", not "... the last " or "... la")."""
    cleaned = " ".join(re.sub(r"[\[\]:*?/\\]", " ", title).split()) or "Report"
    if len(cleaned) <= 31:
        return cleaned
    cut = cleaned[:32].rsplit(" ", 1)[0] if " " in cleaned[:32] else cleaned[:31]
    return cut.rstrip(" -,;.")


def _normalised_zip(data: bytes) -> bytes:
    """Re-pack a zip with fixed timestamps and permissions, same entry order.

    openpyxl stamps each entry with the wall-clock time; that alone makes two
    otherwise identical files differ.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 3  # Unix: pin it so the host OS does not leak in.
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def write_xlsx(columns: Sequence[Mapping], rows: Sequence[Mapping], path: Path, *,
               title: str, fixed_timestamp: dt.datetime,
               sheets: Sequence[tuple[str, Sequence[Mapping], Sequence[Mapping]]] = ()) -> None:
    """Write rows to a workbook, byte-identical for identical inputs: one sheet of the rows,
    after any other `sheets` (an overview's Indicators and Trend sheets).

    Written in openpyxl's write-only mode: rows stream into the sheet instead of becoming cell
    objects first, so memory does not grow with the list (a london-scale list has hundreds of
    thousands of rows) and it takes about a quarter less time. Only cells that need a number
    format (or must be kept as text) get a cell object.

    :param columns: column dicts; header row uses ``label``, formats follow the kind; ``hidden``
        ones are left out.
    :param rows: row dicts keyed by column ``name``.
    :param path: destination, written atomically.
    :param title: document title and (trimmed) sheet name.
    :param fixed_timestamp: stored as created/modified so the bytes do not
        depend on when the file was written; use the report's as-at or run time.
    :param sheets: ``(sheet title, columns, rows)`` of sheets written first, in the same way.
    """
    wb = Workbook(write_only=True)
    for sheet_title, sheet_columns, sheet_rows in sheets:
        _write_sheet(wb, sheet_title, sheet_columns, sheet_rows)
    _write_sheet(wb, title, columns, rows)

    stamp = fixed_timestamp
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    wb.properties.title = title
    wb.properties.creator = "mi-reporting"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.lastModifiedBy = "mi-reporting"

    # ExcelWriter rather than wb.save(): save_workbook() overwrites
    # properties.modified with now() just before writing.
    # Stored, not deflated: _normalised_zip compresses every entry once when it re-packs.
    raw_zip = io.BytesIO()
    archive = zipfile.ZipFile(raw_zip, "w", zipfile.ZIP_STORED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # closes the archive
    atomic_write_bytes(path, _normalised_zip(raw_zip.getvalue()))


def _write_sheet(wb: Workbook, title: str, columns: Sequence[Mapping], rows: Sequence[Mapping]) -> None:
    """One sheet of a write-only workbook: the header, frozen and filtered, then the rows."""
    columns = shown_columns(columns)
    ws = wb.create_sheet(sheet_title(title))
    names = [c["name"] for c in columns]
    kinds = [col_kind(c) for c in columns]

    # Write-only sheets take their column widths before the first row, so measure first.
    widths = [len(str(c["label"])) for c in columns]
    for row in rows:
        for i, (name, kind) in enumerate(zip(names, kinds)):
            widths[i] = max(widths[i], len(fmt(row[name], kind)))
    for i, width in enumerate(widths, start=1):
        # +2 leaves room for the autofilter drop-down arrow in the header.
        ws.column_dimensions[get_column_letter(i)].width = min(width + 2, _MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{len(rows) + 1}"

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="F3F2F1")
    header_alignment = Alignment(vertical="top", wrap_text=False)
    header = []
    for col in columns:
        cell = text_cell(ws, str(col["label"]))
        cell.font, cell.fill, cell.alignment = header_font, header_fill, header_alignment
        header.append(cell)
    ws.append(header)

    for row in rows:
        values = []
        for name, kind in zip(names, kinds):
            value = _excel_value(row[name], kind)
            if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
                value = text_cell(ws, value)
            elif kind in _EXCEL_FORMATS:
                # types-openpyxl narrows `value` to str | float | datetime | None; openpyxl stores
                # any cell value here as Cell does (the date and Decimal values of these kinds).
                value = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
                value.number_format = _EXCEL_FORMATS[kind]
            values.append(value)
        ws.append(values)
