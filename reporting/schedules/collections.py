"""The statutory returns' build dates (DfE collections, Ofsted Annex A), as plain dates.

Pure Python, no Airflow: ``reporting.schedules.timetables.CollectionTimetable`` and
``FirstWorkingDayMonthlyTimetable`` turn these into run times when the scheduler asks, one year
at a time; ``reporting/orchestration/returns.py`` (the DAGs) and the tests use them directly.

Working day = Monday to Friday and not an England bank holiday (``reporting.working_calendar``).
"""

from __future__ import annotations

from datetime import date, timedelta

from reporting import working_calendar as cal

__all__ = ["collection_run_dates", "first_working_day", "monthly_run_dates"]


def first_working_day(d: date) -> date:
    """`d` if it is a working day, else the next working day.

    Reads only that year's bank holidays: the calendar's whole working-day index (seventy years
    of holidays) would cost more than the few dates a timetable asks for.
    """
    while d.weekday() >= 5 or d in cal.bank_holidays(d, d):
        d += timedelta(days=1)
    return d


def collection_run_dates(year: int, close: tuple[int, int]) -> list[date]:
    """Build dates for the collection of the year ending 31 March YEAR.

    The first working day of April, then the first working day of each following week (Monday,
    or Tuesday after a bank holiday Monday) up to and including the close date (month, day).
    """
    first = first_working_day(date(year, 4, 1))
    last = date(year, *close)
    dates = [first]
    monday = first - timedelta(days=first.weekday()) + timedelta(weeks=1)
    while monday <= last:
        day = first_working_day(monday)
        if day <= last and day - monday < timedelta(days=5):  # a week of bank holidays: no build
            dates.append(day)
        monday += timedelta(weeks=1)
    return dates


def monthly_run_dates(year: int) -> list[date]:
    """The first working day of each month of `year`."""
    return [first_working_day(date(year, month, 1)) for month in range(1, 13)]
