"""A year's run schedule, computed with the same timetable Airflow uses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import pendulum
from airflow.timetables.base import DataInterval, TimeRestriction

from reporting.schedules.timetables import ReportingPeriodTimetable, local_tz


def timetable_runs(
    timetable: ReportingPeriodTimetable, start: pendulum.DateTime, end: pendulum.DateTime
) -> list[tuple[pendulum.DateTime, DataInterval]]:
    """(run_after, data_interval) for every run with ``start <= run_after < end``.

    Uses ``next_dagrun_info`` with ``catchup=True`` and ``earliest`` two years
    before ``start`` (long enough for annual periods) so the result does not
    depend on the current time.
    """
    earliest = start.subtract(years=2)
    restriction = TimeRestriction(earliest=earliest, latest=None, catchup=True)
    out: list[tuple[pendulum.DateTime, DataInterval]] = []
    last: DataInterval | None = None
    while True:
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None or info.run_after >= end:
            break
        if info.run_after >= start:
            out.append((info.run_after, cast(DataInterval, info.data_interval)))  # info_for always sets one
        last = info.data_interval
    return out


def year_schedule(year: int, schedules: Iterable[tuple[str, str, int | None]]) -> list[dict]:
    """Every run whose run_at falls in calendar ``year`` (Europe/London).

    ``schedules`` are ``(report_id, cadence, due_working_day)``. Returns dicts
    ``{report_id, cadence, run_at, period_start, period_end}`` sorted by
    run_at then report_id; ``run_at`` is an ISO datetime with offset,
    ``period_start``/``period_end`` ISO dates (``period_end`` inclusive).
    """
    tz = local_tz()
    start = pendulum.datetime(year, 1, 1, tz=tz)
    end = pendulum.datetime(year + 1, 1, 1, tz=tz)
    rows: list[dict] = []
    for report_id, cadence, n in schedules:
        tt = ReportingPeriodTimetable(cadence, n)
        for run_after, interval in timetable_runs(tt, start, end):
            rows.append(
                {
                    "report_id": report_id,
                    "cadence": tt.cadence.value,
                    "run_at": run_after.in_timezone(tz).isoformat(),
                    "period_start": interval.start.in_timezone(tz).date().isoformat(),
                    "period_end": interval.end.in_timezone(tz).subtract(days=1).date().isoformat(),
                }
            )
    rows.sort(key=lambda r: (pendulum.parse(r["run_at"]), r["report_id"]))
    return rows
