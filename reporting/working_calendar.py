"""Reporting calendar: England bank holidays, working days and school terms.

Pure Python (no database). Configuration comes from ``config/calendar.yml`` at
the repository root, or from the file named by the ``MI_CALENDAR_FILE``
environment variable. Bank holidays come from the ``holidays`` package
(``holidays.country_holidays("GB", subdiv="ENG")``, i.e. England and Wales).

Working day = Monday to Friday and not an England bank holiday.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from reporting import settings
from reporting.errors import ConfigError

__all__ = [
    "CALENDAR_START",
    "CALENDAR_END",
    "CalendarConfig",
    "CalendarConfigError",
    "SchoolTerm",
    "add_working_days",
    "bank_holidays",
    "calendar_file",
    "calendar_rows",
    "config",
    "fiscal_quarter",
    "fiscal_year",
    "is_working_day",
    "reload_config",
    "school_terms",
    "covered",
    "check_covered",
    "school_year",
    "working_days_between",
]

CALENDAR_START = date(2015, 1, 1)
CALENDAR_END = date(2035, 12, 31)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CALENDAR_FILE = REPO_ROOT / "config" / "calendar.yml"

# Range covered by the precomputed working-day index (anything outside falls
# back to a day-by-day walk, which is correct but slower).
_INDEX_START = date(2000, 1, 1)
_INDEX_END = date(2070, 12, 31)

# Kept in sync with reporting.schedules.periods.CADENCES (checked in tests).
_CADENCE_NAMES = (
    "weekly",
    "fortnightly",
    "monthly",
    "every_2_months",
    "quarterly",
    "twice_termly",
    "every_6_months",
    "annual",
)

TermName = Literal["autumn", "spring", "summer"]


class CalendarConfigError(ConfigError):
    """The calendar configuration file is missing or invalid."""


# ---------------------------------------------------------------------------
# Configuration models
# ---------------------------------------------------------------------------


class _TermModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    school_year: int
    name: TermName
    start: date
    half_term_start: date
    half_term_end: date
    end: date
    source: Literal["rule", "published"] = "rule"

    @model_validator(mode="after")
    def _ordered(self) -> _TermModel:
        if not (self.start < self.half_term_start <= self.half_term_end < self.end):
            raise ValueError(
                "term dates must satisfy start < half_term_start <= half_term_end < end "
                f"(got {self.start}, {self.half_term_start}, {self.half_term_end}, {self.end})"
            )
        expected_year = self.start.year if self.name == "autumn" else self.start.year - 1
        if self.school_year != expected_year:
            raise ValueError(
                f"{self.name} term starting {self.start} belongs to school_year {expected_year}, "
                f"not {self.school_year}"
            )
        return self


class CalendarConfig(BaseModel):
    """Validated contents of ``config/calendar.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    run_time: time
    fortnightly_anchor: date
    due_working_day: dict[str, int]
    terms: list[_TermModel]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {v!r}") from exc
        return v

    @field_validator("run_time", mode="before")
    @classmethod
    def _run_time(cls, v: object) -> object:
        if isinstance(v, int):  # YAML 1.1 reads unquoted 07:00 as sexagesimal 420
            raise ValueError('run_time must be a quoted "HH:MM" string')
        if isinstance(v, str) and not re.fullmatch(r"\d{2}:\d{2}", v):
            raise ValueError('run_time must be "HH:MM"')
        return v

    @field_validator("fortnightly_anchor")
    @classmethod
    def _anchor_monday(cls, v: date) -> date:
        if v.weekday() != 0:
            raise ValueError(f"fortnightly_anchor must be a Monday, {v} is not")
        return v

    @field_validator("due_working_day")
    @classmethod
    def _due(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(v) - set(_CADENCE_NAMES))
        missing = [c for c in _CADENCE_NAMES if c not in v]
        if unknown:
            raise ValueError(f"unknown cadence(s) {unknown}; expected {list(_CADENCE_NAMES)}")
        if missing:
            raise ValueError(f"missing cadence(s) {missing}")
        bad = {k: n for k, n in v.items() if not 0 <= n <= 60}
        if bad:
            raise ValueError(f"due working day must be between 0 and 60: {bad}")
        return v

    @model_validator(mode="after")
    def _terms_ordered(self) -> CalendarConfig:
        order = {"autumn": 0, "spring": 1, "summer": 2}
        keys = [(t.school_year, order[t.name]) for t in self.terms]
        if len(set(keys)) != len(keys):
            raise ValueError("terms: duplicate (school_year, name)")
        terms = sorted(self.terms, key=lambda t: t.start)
        for a, b in zip(terms, terms[1:]):
            if b.start <= a.end:
                raise ValueError(f"terms: {a.name} {a.school_year} overlaps {b.name} {b.school_year}")
        return self


def calendar_file() -> Path:
    """Path of the calendar YAML (``MI_CALENDAR_FILE`` overrides the default)."""
    return settings.current().calendar_file or DEFAULT_CALENDAR_FILE


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> CalendarConfig:
    try:
        # the C loader when PyYAML has it: this file is read on every DAG file parse
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise CalendarConfigError(f"{path}: cannot read calendar file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CalendarConfigError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CalendarConfigError(f"{path}: expected a mapping at top level")
    try:
        return CalendarConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        raise CalendarConfigError(f"{path}: invalid calendar config: {problems}") from exc


def config() -> CalendarConfig:
    """The loaded (and cached) calendar configuration."""
    # abspath, not resolve(): this runs for every DAG at parse time and must not touch the disk
    return _load(Path(os.path.abspath(calendar_file())))


def reload_config() -> CalendarConfig:
    """Drop cached config and derived tables (e.g. after changing MI_CALENDAR_FILE)."""
    _load.cache_clear()
    _terms_cached.cache_clear()
    _term_day_index.cache_clear()
    return config()


# ---------------------------------------------------------------------------
# Bank holidays and working days
# ---------------------------------------------------------------------------


@functools.cache
def _bank_holidays_for_year(year: int) -> frozenset[date]:
    # Imported here, not at the top: every DAG file imports this module (through the report
    # cadences and timetables) but only scheduling needs bank holidays, so parsing a DAG file
    # need not pay for the package's country tables.
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def bank_holidays(start: date, end: date) -> set[date]:
    """England and Wales bank holidays in ``start..end`` (both inclusive)."""
    out: set[date] = set()
    for year in range(start.year, end.year + 1):
        out.update(d for d in _bank_holidays_for_year(year) if start <= d <= end)
    return out


def _is_working_day_slow(d: date) -> bool:
    return d.weekday() < 5 and d not in _bank_holidays_for_year(d.year)


@functools.lru_cache(maxsize=1)
def _working_day_index() -> tuple[list[int], list[bool]]:
    """Running working-day numbers (cumulative, inclusive) from ``_INDEX_START``."""
    n_days = (_INDEX_END - _INDEX_START).days + 1
    hols = {d.toordinal() for d in bank_holidays(_INDEX_START, _INDEX_END)}
    base = _INDEX_START.toordinal()
    wd0 = _INDEX_START.weekday()
    numbers: list[int] = [0] * n_days
    flags: list[bool] = [False] * n_days
    running = 0
    for i in range(n_days):
        w = (wd0 + i) % 7 < 5 and (base + i) not in hols
        if w:
            running += 1
        numbers[i] = running
        flags[i] = w
    return numbers, flags


def _in_index(d: date) -> bool:
    return _INDEX_START <= d <= _INDEX_END


def is_working_day(d: date) -> bool:
    """True if ``d`` is Monday-Friday and not an England bank holiday."""
    if _in_index(d):
        return _working_day_index()[1][(d - _INDEX_START).days]
    return _is_working_day_slow(d)


def working_days_between(start: date, end: date) -> int:
    """Number of working days after ``start`` up to and including ``end``.

    Convention: the count is ``wdn(end) - wdn(start)`` where ``wdn`` is the
    running working-day number (see ``cal_working_day_number`` in
    :func:`calendar_rows`). So the same day gives 0, Friday -> next Monday
    gives 1 (if the Monday is not a bank holiday), and the result is negative
    when ``end < start`` (``working_days_between(a, b) == -working_days_between(b, a)``).
    """
    if end < start:
        return -working_days_between(end, start)
    if _in_index(start) and _in_index(end):
        numbers = _working_day_index()[0]
        return numbers[(end - _INDEX_START).days] - numbers[(start - _INDEX_START).days]
    count = 0
    d = start
    while d < end:
        d += timedelta(days=1)
        count += _is_working_day_slow(d)
    return count


def add_working_days(d: date, n: int) -> date:
    """The ``n``-th working day after ``d``.

    ``n == 0`` returns ``d`` itself if it is a working day, otherwise the next
    working day. ``n`` must be >= 0.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        while not is_working_day(d):
            d += timedelta(days=1)
        return d
    remaining = n
    while remaining:
        d += timedelta(days=1)
        if is_working_day(d):
            remaining -= 1
    return d


# ---------------------------------------------------------------------------
# Fiscal and school years
# ---------------------------------------------------------------------------


def fiscal_year(d: date) -> int:
    """Year in which the April-start fiscal year containing ``d`` begins."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_quarter(d: date) -> int:
    """Fiscal quarter 1-4 (Apr-Jun = 1, ..., Jan-Mar = 4)."""
    return (d.month - 4) % 12 // 3 + 1


def school_year(d: date) -> int:
    """Academic year start year (September start)."""
    return d.year if d.month >= 9 else d.year - 1


# ---------------------------------------------------------------------------
# School terms
# ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class SchoolTerm:
    """One school term. All dates inclusive; half-term is a holiday within the term."""

    start: date
    half_term_start: date
    half_term_end: date
    end: date
    name: str  # 'autumn' | 'spring' | 'summer'
    school_year: int  # academic year start year

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def in_half_term(self, d: date) -> bool:
        return self.half_term_start <= d <= self.half_term_end


@functools.lru_cache(maxsize=1)
def _terms_cached() -> tuple[SchoolTerm, ...]:
    cfg = config()
    return tuple(
        sorted(
            SchoolTerm(
                start=t.start,
                half_term_start=t.half_term_start,
                half_term_end=t.half_term_end,
                end=t.end,
                name=t.name,
                school_year=t.school_year,
            )
            for t in cfg.terms
        )
    )


def school_terms() -> list[SchoolTerm]:
    """All configured school terms, sorted by start date."""
    return list(_terms_cached())


def covered() -> tuple[date, date]:
    """The dates the reporting calendar can schedule: the school years whose terms are configured
    (1 September of the first to 31 August of the last). Outside them a termly period cannot be
    worked out, so a run date there is refused rather than answered with the nearest term."""
    terms = _terms_cached()
    return date(terms[0].school_year, 9, 1), date(terms[-1].school_year + 1, 8, 31)


def check_covered(d: date, what: str = "the run date") -> date:
    """`d` unchanged, or ValueError naming the calendar's range and how to extend it."""
    first, last = covered()
    if not first <= d <= last:
        raise ValueError(f"{what} {d.isoformat()} is outside the reporting calendar ({first:%d %b %Y} to "
                         f"{last:%d %b %Y}: the school years in {calendar_file()}); add that year's term "
                         "dates to use it")
    return d


@functools.lru_cache(maxsize=1)
def _term_day_index() -> tuple[list[date], tuple[SchoolTerm, ...]]:
    terms = _terms_cached()
    return [t.start for t in terms], terms


def term_for(d: date) -> SchoolTerm | None:
    """The school term containing ``d`` (half-term counts as in the term), else None."""
    starts, terms = _term_day_index()
    i = bisect.bisect_right(starts, d) - 1
    if i >= 0 and terms[i].contains(d):
        return terms[i]
    return None


# ---------------------------------------------------------------------------
# Calendar table
# ---------------------------------------------------------------------------


def calendar_rows(start: date = CALENDAR_START, end: date = CALENDAR_END) -> list[dict]:
    """One dict per date in ``start..end`` (inclusive) for the calendar dimension.

    ``cal_working_day_number`` is the running count of working days from
    ``CALENDAR_START`` up to and including the date (a non-working day carries
    the previous working day's number; a date before ``CALENDAR_START`` gets a
    number <= 0). ``cal_school_term`` is None outside terms (holidays between
    terms); half-term days belong to their term and have ``cal_is_half_term``.
    """
    if end < start:
        return []
    hols = bank_holidays(start, end)
    # Running number of the day before ``start`` (wdn(CALENDAR_START) is 1 or 0).
    running = (
        working_days_between(CALENDAR_START, start)
        + is_working_day(CALENDAR_START)
        - is_working_day(start)
    )
    terms = _terms_cached()
    starts = [t.start for t in terms]
    ti = max(bisect.bisect_right(starts, start) - 1, 0)
    rows: list[dict] = []
    one = timedelta(days=1)
    d = start
    while d <= end:
        is_bh = d in hols
        wd = d.weekday() < 5 and not is_bh
        if wd:
            running += 1
        while ti + 1 < len(terms) and terms[ti + 1].start <= d:
            ti += 1
        term = terms[ti] if terms and terms[ti].start <= d <= terms[ti].end else None
        iso = d.isocalendar()
        m = d.month
        rows.append(
            {
                "cal_date": d,
                "cal_is_working_day": wd,
                "cal_working_day_number": running,
                "cal_iso_year": iso[0],
                "cal_iso_week": iso[1],
                "cal_month": m,
                "cal_year": d.year,
                "cal_fiscal_year": d.year if m >= 4 else d.year - 1,
                "cal_fiscal_quarter": (m - 4) % 12 // 3 + 1,
                "cal_school_year": d.year if m >= 9 else d.year - 1,
                "cal_school_term": term.name if term else None,
                "cal_is_half_term": bool(term and term.half_term_start <= d <= term.half_term_end),
                "cal_is_bank_holiday": is_bh,
            }
        )
        d += one
    return rows
