"""Reporting cadences, periods and the Airflow timetable built on them.

``periods`` and ``collections`` (the statutory returns' build dates) are pure
Python; ``timetables``/``plugin``/``year`` import Airflow and are loaded lazily
(``from reporting.schedules import ReportingPeriodTimetable`` still works).
``reporting.working_calendar`` imports the ``holidays`` package only when bank holidays
are first needed, so DAG files parse without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reporting.schedules.periods import (
    CADENCES,
    Cadence,
    OutOfCalendarRange,
    Period,
    due_date,
    latest_complete_period,
    next_period,
    period_containing,
    periods_between,
    previous_period,
    reports_due_on,
)

if TYPE_CHECKING:
    from reporting.schedules.timetables import ReportingPeriodTimetable
    from reporting.schedules.year import year_schedule

__all__ = [
    "CADENCES",
    "Cadence",
    "OutOfCalendarRange",
    "Period",
    "ReportingPeriodTimetable",
    "due_date",
    "latest_complete_period",
    "next_period",
    "period_containing",
    "periods_between",
    "previous_period",
    "reports_due_on",
    "year_schedule",
]


def __getattr__(name: str) -> Any:
    if name == "ReportingPeriodTimetable":
        from reporting.schedules.timetables import ReportingPeriodTimetable

        return ReportingPeriodTimetable
    if name == "year_schedule":
        from reporting.schedules.year import year_schedule

        return year_schedule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
