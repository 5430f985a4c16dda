"""What a report's rows, and so its headline figures, cover: said in words with exact dates.

A weekly list of "ICPCs in the 12 months to the end of the week" is run for a week; printed under
the week's dates its count read as the week's ICPCs. A definition says what its figures cover
(`figures_cover`), and the report header and the e-mail name that window with its own dates.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from reporting.schedules.periods import Period
from reporting.text import written_date

Cover = Literal["period", "period_end", "6_months_to_period_end", "12_months_to_period_end",
                "financial_year_to_period_end",
                "next_7_days", "next_14_days"]



def _months_back(day, months: int):
    """The day after the same date `months` calendar months earlier (a 12-month window's first day)."""
    import calendar

    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return (day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
            + timedelta(days=1))


def describe(cover: Cover, period: Period) -> str:
    """The window the figures cover, e.g. "the 12 months 26 Oct 2025 to 25 Oct 2026"."""
    end = period.end
    if cover == "period":
        return f"{written_date(period.start)} to {written_date(end)}" if period.start != end else written_date(end)
    if cover == "period_end":
        return f"the position at the end of {written_date(end)}"
    if cover in ("6_months_to_period_end", "12_months_to_period_end"):
        months = int(cover.split("_", 1)[0])
        return f"the {months} months {written_date(_months_back(end, months))} to {written_date(end)}"
    if cover == "financial_year_to_period_end":
        start = end.replace(month=4, day=1) if end.month >= 4 else end.replace(year=end.year - 1, month=4, day=1)
        return f"the financial year to date, {written_date(start)} to {written_date(end)}"
    days = 7 if cover == "next_7_days" else 14
    first, last = end + timedelta(days=1), end + timedelta(days=days)
    return (f"records overdue at {written_date(end)} or due in the {days} days after it "
            f"({written_date(first)} to {written_date(last)})")
