"""What a report's figures cover, in words with exact dates (reporting.coverage)."""

from __future__ import annotations

from datetime import date

from reporting.coverage import describe
from reporting.definitions import load_catalogue
from reporting.schedules.periods import Period

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))


def test_a_rolling_window_is_named_with_its_first_and_last_days():
    # 6 months to 30 Sep 2026: from the day after 30 Mar 2026 (the same date 6 months before), 31 Mar;
    # 12 months: from the day after 30 Sep 2025, 1 Oct 2025
    assert describe("6_months_to_period_end", SEPTEMBER) == "the 6 months 31 Mar 2026 to 30 Sep 2026"
    assert describe("12_months_to_period_end", SEPTEMBER) == "the 12 months 1 Oct 2025 to 30 Sep 2026"
    assert describe("period", SEPTEMBER) == "1 Sep 2026 to 30 Sep 2026"


def test_the_six_month_list_of_children_ceasing_care_says_it_covers_six_months():
    # run monthly for September, its rows are the periods of care ended in the 6 months to 30 Sep:
    # printed under "Period: 1 Sep 2026 to 30 Sep 2026" alone, its count read as September's
    assert load_catalogue().get("lac_ceased_last_6_months").spec.figures_cover == "6_months_to_period_end"
