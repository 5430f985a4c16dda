"""Shared helpers for the returns: the collection year, reading rows, dates, UPNs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, text

LA_CODE = "202"  # Camden's DfE LA number (the synthetic authority is modelled on it)


@dataclass(frozen=True)
class CollectionYear:
    """A DfE collection year: `year` is the year ending 31 March (2026 = 1 Apr 2025 to 31 Mar 2026)."""

    year: int

    @property
    def start(self) -> date:
        return date(self.year - 1, 4, 1)

    @property
    def end(self) -> date:
        return date(self.year, 3, 31)


@dataclass
class ReturnResult:
    name: str
    files: list[Path]
    summary: dict[str, int] = field(default_factory=dict)
    findings: list = field(default_factory=list)  # data-quality findings, counts only (Annex A)


def rows(conn: Connection, sql: str, **params) -> list[dict]:
    return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def iso(value) -> str:
    d = as_date(value)
    return d.isoformat() if d else ""


def dmy(value) -> str:
    """903 dates are written dd/mm/YYYY."""
    d = as_date(value)
    return d.strftime("%d/%m/%Y") if d else ""


def upns(conn: Connection) -> dict[str, str]:
    """The latest Unique Pupil Number of each person (ssd_linked_identifiers)."""
    out: dict[str, str] = {}
    for r in rows(conn, "select link_person_id as p, link_identifier_value as v from ssd_linked_identifiers "
                        "where link_identifier_type = 'Unique Pupil Number' order by link_valid_from_date"):
        out[r["p"]] = r["v"]
    return out


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
