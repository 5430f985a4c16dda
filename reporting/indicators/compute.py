"""Compute an indicator for a period from the case database: numerator, denominator, value.

Each indicator's SQL returns one row (`numerator`, `denominator`) for the window its basis
gives (`window`), with the usual bound parameters; nothing is stored, so any period can be
recomputed. `IndicatorSession` runs many (indicator, window) pairs on one connection and
remembers results for the life of the session (one overview render), because a tile's
"previous month" and "same month last year" are also points of its trend; within one `mi run`
the reports also share figures through `run_figures`.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from reporting.casedb import readonly
from reporting.extract import ReportSQLError, expand_sql
from reporting.indicators import population, run_figures
from reporting.indicators.loader import IndicatorDefinition
from reporting.schedules.periods import Period


@dataclass(frozen=True)
class IndicatorValue:
    indicator_id: str
    window: Period
    numerator: float
    denominator: float | None
    value: float | None  # None when the denominator is 0: "no cases", not 0 %


def add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def window(indicator: IndicatorDefinition, period: Period) -> Period:
    """The dates an indicator counts over for a reporting period, by its basis."""
    basis = indicator.spec.basis
    if basis == "month":
        return period
    if basis == "snapshot":
        return Period(period.end, period.end)
    if basis == "rolling_12_months":
        return Period(add_months(period.end + timedelta(days=1), -12), period.end)
    fiscal_start = date(period.end.year if period.end.month >= 4 else period.end.year - 1, 4, 1)
    return Period(fiscal_start, period.end)


def value_of(indicator: IndicatorDefinition, numerator, denominator, day: date) -> float | None:
    """The indicator's value for figures counted over a window ending on `day` (a rate's population
    is the ONS estimate for that day's reporting year: `population.denominator_for`)."""
    spec = indicator.spec
    numerator = float(numerator or 0)
    if spec.denominator_is_population:
        denominator = population.denominator_for(day).value
    denominator = None if denominator is None else float(denominator)
    if spec.unit == "count" and denominator is None:
        return numerator
    if not denominator:
        return None
    scale = {"percent": 100.0, "rate_per_10000": 10000.0}.get(spec.unit, 1.0)
    return round(scale * numerator / denominator, spec.decimals)


class IndicatorSession:
    """Computes indicators on one open connection (from `readonly.reading`: indicator SQL is a data
    officer's, like a report's), memoising (indicator, window) results."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self._database = connection.engine.url.render_as_string(hide_password=False)
        self._memo: dict[tuple[str, Period], IndicatorValue] = {}
        self._sql: dict[str, str] = {}
        self.queries = 0
        self.seconds = 0.0

    def statement(self, indicator: IndicatorDefinition) -> str:
        if indicator.id not in self._sql:
            # Same expansion and house rules as a report (blocks, bound parameters, no clock).
            self._sql[indicator.id] = expand_sql(indicator)  # type: ignore[arg-type]
        return self._sql[indicator.id]

    def compute(self, indicator: IndicatorDefinition, period: Period) -> IndicatorValue:
        span = window(indicator, period)
        key = (indicator.id, span)
        if key not in self._memo:
            statement = self.statement(indicator)
            shared = run_figures.figure_key(self._database, statement, span)
            figures = run_figures.lookup(shared)  # another report of this `mi run` may have it
            if figures is None:
                figures = self._query(indicator, statement, span)
                run_figures.remember(shared, *figures)
            numerator, denominator = figures
            self._memo[key] = IndicatorValue(indicator.id, span, numerator, denominator,
                                             value_of(indicator, numerator, denominator, span.end))
        return self._memo[key]

    def _query(self, indicator: IndicatorDefinition, statement: str, span: Period) -> tuple[float, float | None]:
        params = {"period_start": span.start, "period_end": span.end, "as_at": span.end}
        started = time.perf_counter()
        try:
            row = readonly.fetch(self.connection, statement, params).mappings().one()
        except SQLAlchemyError as error:
            fault = readonly.source_fault(error, indicator.sql_path.name)
            if fault is not None:
                raise fault from None
            raise ReportSQLError(f"{indicator.sql_path}: the query failed: "
                                 f"{readonly.reason(error, statement)}") from None
        except KeyError:
            raise ReportSQLError(f"{indicator.sql_path}: expected columns numerator and denominator") from None
        self.seconds += time.perf_counter() - started
        self.queries += 1
        if "numerator" not in row or "denominator" not in row:
            raise ReportSQLError(f"{indicator.sql_path}: expected one row with columns numerator and "
                                 f"denominator; it returns {', '.join(row.keys())}")
        return float(row["numerator"] or 0), None if row["denominator"] is None else float(row["denominator"])


def compute(indicator: IndicatorDefinition, engine: Engine, period: Period) -> IndicatorValue:
    """One indicator for one reporting period (its window by basis ending at the period end)."""
    with readonly.reading(engine) as connection:
        return IndicatorSession(connection).compute(indicator, period)
