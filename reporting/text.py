"""Text from the case database made safe to publish: every output format and an e-mail header.

Values are someone else's data entry. A control character (a pasted `\\x01`, a form feed) cannot be
written to XLSX or PDF metadata and a line break in an e-mail header would end it; rather than
fail a whole report for every team, the character is replaced in that one cell by U+FFFD, which
the reader sees and the data-quality section counts (`quality.report_checks.unreadable_text`).
"""

from __future__ import annotations

import re
from datetime import date

REPLACEMENT = "\ufffd"
# The C0 controls other than tab and line breaks, DEL, and lone surrogates (invalid UTF-8 decoded
# leniently): characters XML 1.0 (XLSX, PDF metadata) cannot hold.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\s\x00-\x1f\x7f]+")
_YEAR_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


# English month abbreviations, not the locale's (%b): a report must not change with the server.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def written_date(day: date) -> str:
    """A date as every table, header, e-mail and digest writes it: "1 Oct 2026" (no leading zero)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def written_month(value: date | str) -> str:
    """A calendar month as tables and charts write it: "Oct 2025", from a date in it or "2025-10"."""
    month = year_month(value)
    return f"{MONTHS[month.month - 1]} {month.year}"


def month_key(value: date | str) -> str:
    """A month as a `month` column holds it, and the CSV writes it: "2025-10"."""
    return year_month(value).isoformat()[:7]


def year_month(value: date | str) -> date:
    """The first day of a month given as a date in it or as "YYYY-MM" (a `month` column's value);
    ValueError for anything else."""
    if isinstance(value, date):
        return value.replace(day=1)
    if not _YEAR_MONTH.fullmatch(str(value)):
        raise ValueError("not a month: expected YYYY-MM")
    return date(int(str(value)[:4]), int(str(value)[5:7]), 1)


def readable(text: str) -> str:
    """`text` with unreadable characters replaced by U+FFFD."""
    return _UNREADABLE.sub(REPLACEMENT, text)


def one_line(text: str) -> str:
    """`text` for an e-mail header or a log line: any run of whitespace or control characters
    (a line break in a team name) becomes one space."""
    return _LINE_BREAKS.sub(" ", readable(str(text))).strip()


# The services name themselves by these initials; "Cypds" or "Gosh" in a heading is a typo to them.
_AS_THE_SERVICE_WRITES_IT = {"cypds": "CYPDS", "gosh": "GOSH", "cin": "CIN", "cp": "CP", "lac": "LAC", "mash": "MASH",
                             "qau": "QAU", "iro": "IRO", "sw": "SW"}


def area_name(area: str) -> str:
    """An area id as a heading: `child_protection` -> "Child protection", `cypds` -> "CYPDS",
    `cin_cp` -> "CIN CP" (initials as the service writes them, other words in sentence case)."""
    words = area.replace("_", " ").split()
    shown = [_AS_THE_SERVICE_WRITES_IT.get(w.lower(), w.lower()) for w in words]
    if shown and shown[0] == words[0].lower():
        shown[0] = shown[0].capitalize()
    return " ".join(shown)


def lower_first(text: str) -> str:
    """A label inside a sentence: "Overdue" -> "overdue", "Team" -> "team"; a first word with
    another capital keeps its own ("DfE band", "CP plan ended", "ASYE")."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first[1:] == first[1:].lower() else text

