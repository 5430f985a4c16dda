"""Airflow 3.3 timetables: one run per reporting period, and the statutory returns' build dates.

The statutory returns' timetables (``CollectionTimetable``, ``FirstWorkingDayMonthlyTimetable``)
are described at :class:`_WorkingDayEventsTimetable`; the rest of this docstring is about
``ReportingPeriodTimetable``.

``ReportingPeriodTimetable(cadence, due_working_day=None)``:

* data interval = the reporting period, half-open in Europe/London:
  ``[period.start 00:00, (period.end + 1 day) 00:00)``; the logical date is the
  period start.
* ``run_after`` = the due date (Nth working day after the period closes,
  :func:`reporting.schedules.periods.due_date`) at ``run_time`` (config,
  07:00) Europe/London, so runs stay at 07:00 local time in both GMT and BST
  and never fall on weekends or England bank holidays.

Scheduling rules (same shape as Airflow's own timetables):

* ``restriction.earliest`` (DAG ``start_date``) and ``restriction.latest``
  (``end_date``) bound the *logical date* (period start 00:00 London), as for
  Airflow's data-interval timetables. Tasks are only created when
  ``task.start_date <= logical_date``, so give ``start_date`` in Europe/London
  (``pendulum.datetime(2026, 1, 1, tz="Europe/London")``): a UTC midnight start
  in summer is 01:00 BST and would skip the period starting that day.
* After a previous automated run: the first period starting on or after the
  previous interval's end (contiguous, no overlaps, no gaps except the
  school holidays for ``twice_termly``).
* ``catchup=True``: every period from ``earliest`` on is scheduled in turn.
* ``catchup=False`` (Airflow 3 default), or no ``start_date`` at all: nothing
  older than the most recent period whose run time has already passed is
  scheduled. Like ``CronTriggerTimetable``/``CronDataIntervalTimetable``, that
  most recent due run *is* still created (it runs immediately), so a report
  whose 07:00 slot was missed because the scheduler was down still goes out;
  older missed periods are skipped.
* ``twice_termly`` returns None once past the configured school terms.
"""

from __future__ import annotations

from calendar import month_abbr, month_name
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pendulum
from airflow._shared.timezones.timezone import coerce_datetime, utcnow
from airflow.exceptions import AirflowTimetableInvalid
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable

from reporting import working_calendar as cal
from reporting.schedules import collections, periods
from reporting.schedules.periods import Cadence, OutOfCalendarRange, Period

if TYPE_CHECKING:
    from airflow.timetables.base import TimeRestriction
    from pendulum import DateTime

__all__ = [
    "CollectionTimetable",
    "FirstWorkingDayMonthlyTimetable",
    "ReportingPeriodTimetable",
    "local_tz",
    "period_data_interval",
    "period_run_after",
]

_ONE_DAY = timedelta(days=1)

_ORDINAL = {1: "st", 2: "nd", 3: "rd"}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else _ORDINAL.get(n % 10, "th")
    return f"{n}{suffix}"


def local_tz() -> pendulum.Timezone:
    """The reporting timezone (config ``timezone``, Europe/London)."""
    return pendulum.timezone(cal.config().timezone)


def _local_midnight(d: date) -> DateTime:
    return pendulum.datetime(d.year, d.month, d.day, tz=local_tz())


def _local_date(dt: datetime) -> date:
    return pendulum.instance(dt).in_timezone(local_tz()).date()


def _ceil_local_date(dt: datetime) -> date:
    """First local date whose midnight is >= ``dt``."""
    d = _local_date(dt)
    return d if _local_midnight(d) >= dt else d + _ONE_DAY


def period_data_interval(period: Period) -> DataInterval:
    """Half-open London-midnight interval covering ``period``."""
    return DataInterval(_local_midnight(period.start), _local_midnight(period.end + _ONE_DAY))


def period_run_after(cadence: str, period: Period, due_working_day: int | None = None) -> DateTime:
    """Due date of ``period`` at the configured run time, Europe/London."""
    d = periods.due_date(cadence, period, due_working_day)
    rt = cal.config().run_time
    return pendulum.datetime(d.year, d.month, d.day, rt.hour, rt.minute, tz=local_tz())


class ReportingPeriodTimetable(Timetable):
    """One DAG run per reporting period of ``cadence``, due N working days after it closes."""

    periodic = True

    def __init__(self, cadence: str, due_working_day: int | None = None) -> None:
        try:
            self.cadence = Cadence(cadence)
        except ValueError:
            raise AirflowTimetableInvalid(
                f"unknown cadence {cadence!r}; expected one of {periods.CADENCES}"
            ) from None
        if due_working_day is not None and (
            isinstance(due_working_day, bool) or not isinstance(due_working_day, int) or due_working_day < 0
        ):
            raise AirflowTimetableInvalid(f"due_working_day must be an int >= 0, got {due_working_day!r}")
        self.due_working_day = due_working_day
        self.description = self._describe()

    # -- identity -------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReportingPeriodTimetable):
            return NotImplemented
        return (self.cadence, self.due_working_day) == (other.cadence, other.due_working_day)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.cadence, self.due_working_day))

    def __repr__(self) -> str:
        return f"ReportingPeriodTimetable({self.cadence.value!r}, due_working_day={self.due_working_day!r})"

    @property
    def effective_due_working_day(self) -> int:
        if self.due_working_day is not None:
            return self.due_working_day
        return periods.default_due_working_day(self.cadence)

    # -- serialisation ----------------------------------------------------------

    def serialize(self) -> dict[str, Any]:
        return {"cadence": self.cadence.value, "due_working_day": self.due_working_day}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> ReportingPeriodTimetable:
        return cls(data["cadence"], data.get("due_working_day"))

    def validate(self) -> None:
        try:
            self.effective_due_working_day  # noqa: B018 - property read for its side effect: raises on bad config
        except (KeyError, cal.CalendarConfigError) as exc:  # pragma: no cover - config errors
            raise AirflowTimetableInvalid(str(exc)) from exc

    # -- UI text ----------------------------------------------------------------

    @property
    def summary(self) -> str:
        n = self.effective_due_working_day
        return f"{self.cadence.value} (WD{n} {cal.config().run_time:%H:%M} {cal.config().timezone})"

    def _describe(self) -> str:
        rules = {
            Cadence.WEEKLY: "Weekly periods (Mon-Sun)",
            Cadence.FORTNIGHTLY: f"Fortnightly periods (Mon-Sun x2, anchored {cal.config().fortnightly_anchor})",
            Cadence.MONTHLY: "Monthly periods (calendar month)",
            Cadence.EVERY_2_MONTHS: "Two-monthly periods (Apr-May, Jun-Jul, ..., Feb-Mar)",
            Cadence.QUARTERLY: "Quarterly periods (fiscal quarters from April)",
            Cadence.TWICE_TERMLY: "Half-termly periods (each school term split at half-term)",
            Cadence.EVERY_6_MONTHS: "Six-monthly periods (Apr-Sep, Oct-Mar)",
            Cadence.ANNUAL: "Annual periods (fiscal year Apr-Mar)",
        }
        n = self.effective_due_working_day
        cfg = cal.config()
        return (
            f"{rules[self.cadence]}; runs at {cfg.run_time:%H:%M} {cfg.timezone} on the "
            f"{_ordinal(n)} working day after the period closes"
            if n
            else f"{rules[self.cadence]}; runs at {cfg.run_time:%H:%M} {cfg.timezone} on the period's "
            "last day (or the next working day)"
        )

    # -- scheduling ---------------------------------------------------------------

    def info_for(self, period: Period) -> DagRunInfo:
        """The DagRunInfo this timetable produces for ``period``."""
        return DagRunInfo(
            run_after=period_run_after(self.cadence, period, self.due_working_day),
            data_interval=period_data_interval(period),
        )

    def _latest_due_period(self, now: DateTime) -> Period | None:
        """Most recent period whose run time is <= now."""
        today = _local_date(now)
        try:
            p = periods.latest_complete_period(self.cadence, today + _ONE_DAY)
            while period_run_after(self.cadence, p, self.due_working_day) > now:
                p = periods.previous_period(self.cadence, p)
        except OutOfCalendarRange:
            return None
        return p

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        candidates: list[Period] = []
        try:
            if last_automated_data_interval is not None:
                candidates.append(
                    periods.first_period_starting_on_or_after(
                        self.cadence, _ceil_local_date(last_automated_data_interval.end)
                    )
                )
            elif restriction.earliest is not None:
                candidates.append(
                    periods.first_period_starting_on_or_after(self.cadence, _ceil_local_date(restriction.earliest))
                )
            if not restriction.catchup or (last_automated_data_interval is None and restriction.earliest is None):
                latest_due = self._latest_due_period(coerce_datetime(utcnow()))
                if latest_due is not None:
                    candidates.append(latest_due)
                elif not candidates:
                    candidates.append(
                        periods.first_period_starting_on_or_after(self.cadence, _local_date(coerce_datetime(utcnow())))
                    )
        except OutOfCalendarRange:
            return None
        if not candidates:
            return None
        period = max(candidates)
        if restriction.earliest is not None and _local_midnight(period.start) < restriction.earliest:
            # Only possible via the "latest due" candidate; respect start_date.
            try:
                period = periods.first_period_starting_on_or_after(self.cadence, _ceil_local_date(restriction.earliest))
            except OutOfCalendarRange:
                return None
        if restriction.latest is not None and _local_midnight(period.start) > restriction.latest:
            return None
        return self.info_for(period)

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        """Manual runs report on the latest period that had closed before ``run_after``."""
        try:
            period = periods.latest_complete_period(self.cadence, _local_date(run_after))
        except OutOfCalendarRange:
            return DataInterval.exact(coerce_datetime(run_after))
        return period_data_interval(period)


# ---------------------------------------------------------------------------
# Statutory returns: runs on listed working days, worked out a year at a time
# ---------------------------------------------------------------------------

class _WorkingDayEventsTimetable(Timetable):
    """Runs at ``run_time`` (config, 07:00) Europe/London on the dates ``dates(year)`` gives.

    Schedules exactly as Airflow's ``EventsTimetable`` would with those dates listed (each run's
    data interval is its own instant; ``start_date``/``end_date`` bound the run time; without
    catch-up nothing before now; manual runs are for the moment they are triggered), but the
    dates are worked out when the scheduler asks, for the one or two years it needs: listing
    ten years of them (with England's bank holidays) at DAG parse time cost most of the DAG
    file's parse time, and the list had to stop somewhere. No end year here.
    """

    periodic = True

    def dates(self, year: int) -> list[date]:
        raise NotImplementedError

    def runs_in(self, year: int) -> list[DateTime]:
        """This year's run times, in order."""
        rt = cal.config().run_time
        tz = local_tz()  # once: a timezone lookup per date is most of the cost
        return [pendulum.datetime(d.year, d.month, d.day, rt.hour, rt.minute, tz=tz) for d in self.dates(year)]

    def first_run(self, bound: datetime, *, inclusive: bool) -> DateTime | None:
        """The first run time at (``inclusive``) or after ``bound``."""
        year = _local_date(bound).year
        # Every year has runs (the first working day of April exists), so the next one is in
        # this year or the next; a third year is only a guard against a rule that skips a year.
        for y in range(year, year + 3):
            for run in self.runs_in(y):
                if run > bound or (inclusive and run == bound):
                    return run
        return None

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        # EventsTimetable's rule: the first run >= earliest (now, without catch-up, if later)
        # and > the last automated run. With neither bound (catch-up and no start_date) there
        # is no first listed date to fall back on, so start from now.
        earliest = restriction.earliest
        now = coerce_datetime(utcnow())
        if not restriction.catchup and (earliest is None or now > earliest):
            earliest = now
        last_end = last_automated_data_interval.end if last_automated_data_interval is not None else None
        if last_end is not None and (earliest is None or last_end >= earliest):
            run = self.first_run(last_end, inclusive=False)
        else:
            run = self.first_run(earliest if earliest is not None else now, inclusive=True)
        if run is None or (restriction.latest is not None and run > restriction.latest):
            return None
        return DagRunInfo.exact(run)

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        """A manual run is for the moment it is triggered (EventsTimetable's default)."""
        return DataInterval.exact(run_after)

    # Fixed text, set in __init__: the DAG's isinstance(schedule, Timetable) check reads every
    # attribute of the protocol, so one that read the calendar config (run time, timezone) would
    # read config/calendar.yml at every DAG parse.
    _RUN_TIME_TEXT = "at the run time in config/calendar.yml (07:00 Europe/London as shipped)"


class CollectionTimetable(_WorkingDayEventsTimetable):
    """A DfE collection: the first working day of April, then weekly to the close date.

    ``collections.collection_run_dates``: the first working day of April, then the first
    working day of each following week (Monday, or Tuesday after a bank holiday Monday) up to
    and including ``close`` (month, day) of the same year.
    """

    def __init__(self, close: tuple[int, int] | list[int]) -> None:
        try:
            month, day = (int(x) for x in close)
            last = date(2001, month, day)  # not a leap year: 29 February is no fixed close date
        except (TypeError, ValueError):
            raise AirflowTimetableInvalid(f"close must be (month, day), got {close!r}") from None
        if last < date(2001, 4, 1):
            raise AirflowTimetableInvalid(f"close {day}/{month} is before the collection opens on 1 April")
        self.close = (month, day)
        self.description = (f"First working day of April, then the first working day of each week to "
                            f"{day} {month_name[month]}, {self._RUN_TIME_TEXT}")

    def dates(self, year: int) -> list[date]:
        return collections.collection_run_dates(year, self.close)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CollectionTimetable):
            return NotImplemented
        return self.close == other.close

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.close))

    def __repr__(self) -> str:
        return f"CollectionTimetable(close={self.close!r})"

    def serialize(self) -> dict[str, Any]:
        return {"close": list(self.close)}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> CollectionTimetable:
        return cls(tuple(data["close"]))

    @property
    def summary(self) -> str:
        month, day = self.close
        return f"April, then weekly to {day} {month_abbr[month]}"


class FirstWorkingDayMonthlyTimetable(_WorkingDayEventsTimetable):
    """The first working day of every month (``collections.monthly_run_dates``)."""

    def __init__(self) -> None:
        self.description = f"First working day of each month, {self._RUN_TIME_TEXT}"

    def dates(self, year: int) -> list[date]:
        return collections.monthly_run_dates(year)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FirstWorkingDayMonthlyTimetable):
            return NotImplemented
        return True

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __repr__(self) -> str:
        return "FirstWorkingDayMonthlyTimetable()"

    def serialize(self) -> dict[str, Any]:
        return {}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> FirstWorkingDayMonthlyTimetable:
        return cls()

    @property
    def summary(self) -> str:
        return "1st working day, monthly"

