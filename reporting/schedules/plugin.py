"""Airflow plugin registering the reporting timetables.

Declared in pyproject.toml as the ``airflow.plugins`` entry point
``mi_reporting = "reporting.schedules.plugin:ReportingTimetablesPlugin"`` so the
scheduler, dag-processor and API server can deserialise DAGs using
:class:`~reporting.schedules.timetables.ReportingPeriodTimetable` (the report DAGs) and
:class:`~reporting.schedules.timetables.CollectionTimetable` /
:class:`~reporting.schedules.timetables.FirstWorkingDayMonthlyTimetable` (the statutory returns).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from reporting.schedules.timetables import (
    CollectionTimetable,
    FirstWorkingDayMonthlyTimetable,
    ReportingPeriodTimetable,
)


class ReportingTimetablesPlugin(AirflowPlugin):
    name = "mi_reporting_timetables"
    timetables = [ReportingPeriodTimetable, CollectionTimetable, FirstWorkingDayMonthlyTimetable]
