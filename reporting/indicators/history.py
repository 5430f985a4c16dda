"""Indicator history: every month of the last 4 years, computed from the case database.

Nothing is stored between runs: the trend is recomputed from the records (which carry their
dates), so a re-run of a past period draws the same chart. One connection serves all the
months of all the indicators of an overview.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from reporting.casedb import readonly
from reporting.indicators.compute import IndicatorSession, IndicatorValue, month_period
from reporting.indicators.loader import IndicatorDefinition
from reporting.schedules.periods import Period

HISTORY_MONTHS = 48


def last_complete_month(day: date) -> Period:
    """The month ending on `day`, or the month before when `day` is not a month end."""
    if (day + timedelta(days=1)).day == 1:
        return month_period(day.year, day.month)
    first = day.replace(day=1) - timedelta(days=1)
    return month_period(first.year, first.month)


def history_months(end: date, months: int = HISTORY_MONTHS) -> list[Period]:
    """The `months` calendar months ending with the last complete month at `end`, oldest first."""
    last = last_complete_month(end)
    index = last.start.year * 12 + last.start.month - 1
    return [month_period((i) // 12, i % 12 + 1) for i in range(index - months + 1, index + 1)]


def history(session: IndicatorSession, indicator: IndicatorDefinition, end: date,
            months: int = HISTORY_MONTHS) -> list[IndicatorValue]:
    return [session.compute(indicator, month) for month in history_months(end, months)]


def history_for(indicators: list[IndicatorDefinition], engine: Engine, end: date,
                months: int = HISTORY_MONTHS) -> dict[str, list[IndicatorValue]]:
    """History of several indicators on one connection: {indicator id: 48 monthly values}."""
    with readonly.reading(engine) as connection:
        session = IndicatorSession(connection)
        return {i.id: history(session, i, end, months) for i in indicators}
