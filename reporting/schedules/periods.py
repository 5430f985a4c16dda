"""Reporting periods per cadence, and when each period's report is due.

Pure Python: no Airflow import. All dates are ``datetime.date``; a
:class:`Period` is closed (``end`` is the last day *in* the period).

Period rules
------------
* ``weekly``         Monday-Sunday ISO weeks.
* ``fortnightly``    14-day blocks counted from ``fortnightly_anchor`` in
                     config/calendar.yml (a Monday), in both directions; the
                     blocks never drift and do not depend on when a DAG was
                     first scheduled.
* ``monthly``        calendar months.
* ``every_2_months`` fiscal-aligned pairs: Apr-May, Jun-Jul, Aug-Sep, Oct-Nov,
                     Dec-Jan, Feb-Mar.
* ``quarterly``      April-start fiscal quarters (Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar).
* ``every_6_months`` Apr-Sep and Oct-Mar.
* ``annual``         fiscal year Apr-Mar.
* ``twice_termly``   each school term (config/calendar.yml) split in two:
                     first half = term start .. last day of half-term
                     (``half_term_end``, so the half-term week belongs to the
                     first half); second half = the day after ``half_term_end``
                     .. term end. School holidays *between* terms belong to no
                     twice-termly period; for a date in such a gap,
                     :func:`period_containing` returns the next period (the one
                     that starts after the date). Dates outside the configured
                     terms raise :class:`OutOfCalendarRange`.

The report for a period is due on the Nth working day after ``period.end``
(:func:`due_date`), N defaulting per cadence from ``due_working_day`` in the
calendar config.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from reporting import working_calendar as cal
from reporting.errors import MIError

__all__ = [
    "CADENCES",
    "Cadence",
    "OutOfCalendarRange",
    "Period",
    "default_due_working_day",
    "due_date",
    "first_period_starting_on_or_after",
    "latest_complete_period",
    "next_period",
    "period_containing",
    "periods_between",
    "previous_period",
    "reports_due_on",
]


class Cadence(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    EVERY_2_MONTHS = "every_2_months"
    QUARTERLY = "quarterly"
    TWICE_TERMLY = "twice_termly"
    EVERY_6_MONTHS = "every_6_months"
    ANNUAL = "annual"


CADENCES: tuple[str, ...] = tuple(c.value for c in Cadence)

# Month-block cadences: number of months per block; blocks are aligned to April.
_MONTH_BLOCKS = {
    Cadence.MONTHLY: 1,
    Cadence.EVERY_2_MONTHS: 2,
    Cadence.QUARTERLY: 3,
    Cadence.EVERY_6_MONTHS: 6,
    Cadence.ANNUAL: 12,
}

_ONE_DAY = timedelta(days=1)


class OutOfCalendarRange(MIError, ValueError):
    """The requested period lies outside the configured calendar (school terms)."""


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period, ``start`` .. ``end`` inclusive (``end`` = last day)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _cadence(cadence: str | Cadence) -> Cadence:
    try:
        return Cadence(cadence)
    except ValueError:
        raise ValueError(f"unknown cadence {cadence!r}; expected one of {CADENCES}") from None


# ---------------------------------------------------------------------------
# Month blocks
# ---------------------------------------------------------------------------


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _date_from_month_index(i: int) -> date:
    return date(i // 12, i % 12 + 1, 1)


def _month_block(months: int, d: date) -> Period:
    rel = _month_index(d) - 3  # months since April of year 0
    start_idx = (rel // months) * months + 3
    return Period(_date_from_month_index(start_idx), _date_from_month_index(start_idx + months) - _ONE_DAY)


# ---------------------------------------------------------------------------
# Twice-termly halves
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _term_halves_for(terms: tuple[cal.SchoolTerm, ...]) -> tuple[Period, ...]:
    halves: list[Period] = []
    for t in terms:
        halves.append(Period(t.start, t.half_term_end))
        halves.append(Period(t.half_term_end + _ONE_DAY, t.end))
    return tuple(halves)


def _term_halves() -> tuple[Period, ...]:
    return _term_halves_for(tuple(cal.school_terms()))


def _half_index_on_or_after(d: date) -> int:
    """Index of the first half whose end >= d (the half containing d, or the next one)."""
    halves = _term_halves()
    ends = [h.end for h in halves]
    i = bisect.bisect_left(ends, d)
    if i >= len(halves):
        raise OutOfCalendarRange(f"{d} is outside the configured school terms")
    return i


def _half_at(i: int) -> Period:
    halves = _term_halves()
    if not 0 <= i < len(halves):
        raise OutOfCalendarRange("no further configured school terms")
    return halves[i]


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def period_containing(cadence: str | Cadence, d: date) -> Period:
    """The period of ``cadence`` containing ``d`` (see module docs for twice_termly gaps)."""
    c = _cadence(cadence)
    if c is Cadence.WEEKLY:
        start = d - timedelta(days=d.weekday())
        return Period(start, start + timedelta(days=6))
    if c is Cadence.FORTNIGHTLY:
        anchor = cal.config().fortnightly_anchor
        start = anchor + timedelta(days=((d - anchor).days // 14) * 14)
        return Period(start, start + timedelta(days=13))
    if c is Cadence.TWICE_TERMLY:
        return _half_at(_half_index_on_or_after(d))
    return _month_block(_MONTH_BLOCKS[c], d)


def next_period(cadence: str | Cadence, period: Period) -> Period:
    """The period immediately after ``period``."""
    c = _cadence(cadence)
    if c is Cadence.TWICE_TERMLY:
        return _half_at(_half_index_on_or_after(period.end + _ONE_DAY))
    return period_containing(c, period.end + _ONE_DAY)


def previous_period(cadence: str | Cadence, period: Period) -> Period:
    """The period immediately before ``period``."""
    c = _cadence(cadence)
    if c is Cadence.TWICE_TERMLY:
        halves = _term_halves()
        i = bisect.bisect_left([h.end for h in halves], period.start) - 1
        return _half_at(i)
    return period_containing(c, period.start - _ONE_DAY)


def first_period_starting_on_or_after(cadence: str | Cadence, d: date) -> Period:
    """The earliest period whose ``start >= d``."""
    p = period_containing(cadence, d)
    return p if p.start >= d else next_period(cadence, p)


def latest_complete_period(cadence: str | Cadence, as_at: date) -> Period:
    """The most recent period whose ``end < as_at``."""
    c = _cadence(cadence)
    if c is Cadence.TWICE_TERMLY:
        halves = _term_halves()
        i = bisect.bisect_left([h.end for h in halves], as_at) - 1
        return _half_at(i)
    p = period_containing(c, as_at - _ONE_DAY)
    return p if p.end < as_at else previous_period(c, p)


def default_due_working_day(cadence: str | Cadence) -> int:
    """Configured default N (due on the Nth working day after the period closes)."""
    return cal.config().due_working_day[_cadence(cadence).value]


def due_date(cadence: str | Cadence, period: Period, due_working_day: int | None = None) -> date:
    """The Nth working day after ``period.end`` (N from config when None).

    N = 0 means the period's last day if that is a working day, else the next
    working day.
    """
    n = default_due_working_day(cadence) if due_working_day is None else due_working_day
    return cal.add_working_days(period.end, n)


def periods_between(cadence: str | Cadence, start: date, end: date) -> list[Period]:
    """All periods overlapping ``start..end`` (inclusive), in order.

    The first period may start before ``start`` and the last may end after
    ``end``. For twice_termly, only halves overlapping the range are returned
    (none for a range wholly inside a school holiday).
    """
    c = _cadence(cadence)
    if end < start:
        return []
    out: list[Period] = []
    p = period_containing(c, start)
    while p.start <= end:
        out.append(p)
        try:
            p = next_period(c, p)
        except OutOfCalendarRange:
            break
    return out


def _iter_back(c: Cadence, p: Period) -> Iterator[Period]:
    while True:
        yield p
        try:
            p = previous_period(c, p)
        except OutOfCalendarRange:
            return


def reports_due_on(
    d: date, schedules: Iterable[tuple[str, str, int | None]]
) -> list[tuple[str, Period]]:
    """Reports whose due date is ``d``, as ``(report_id, period)``, sorted.

    ``schedules`` are ``(report_id, cadence, due_working_day)`` with
    ``due_working_day`` None meaning the cadence default.
    """
    out: list[tuple[str, Period]] = []
    for report_id, cadence, n in schedules:
        c = _cadence(cadence)
        try:
            # Latest period that has ended on or before d (due date >= period end).
            p = latest_complete_period(c, d + _ONE_DAY)
        except OutOfCalendarRange:
            continue
        for q in _iter_back(c, p):
            due = due_date(c, q, n)
            if due < d:
                break
            if due == d:
                out.append((report_id, q))
    return sorted(out, key=lambda t: (t[0], t[1]))
