"""Tests for reporting.schedules: periods, due dates, the Airflow timetable, year schedule."""

from __future__ import annotations

import os
import tempfile
from datetime import date, timedelta

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="mi_airflow_home_"))

import pendulum
import pytest
from airflow.exceptions import AirflowTimetableInvalid
from airflow.timetables.base import DataInterval, TimeRestriction, Timetable

from reporting.schedules import CADENCES, Cadence, Period, timetables
from reporting.schedules import periods as per
from reporting.schedules.timetables import ReportingPeriodTimetable
from reporting.schedules.year import year_schedule

D = date
LONDON = pendulum.timezone("Europe/London")
UTC = pendulum.UTC


def london(*args) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=LONDON)


def utc(*args) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=UTC)


def first_infos(tt, n, earliest, catchup=True, last=None):
    restriction = TimeRestriction(earliest=earliest, latest=None, catchup=catchup)
    out = []
    for _ in range(n):
        info = tt.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None:
            break
        out.append(info)
        last = info.data_interval
    return out


def as_period(interval: DataInterval) -> Period:
    return Period(
        interval.start.in_timezone(LONDON).date(),
        interval.end.in_timezone(LONDON).date() - timedelta(days=1),
    )


@pytest.fixture
def frozen_now(monkeypatch):
    """Set the timetable's notion of 'now' (used only when catchup is False)."""

    def _freeze(dt: pendulum.DateTime) -> None:
        monkeypatch.setattr(timetables, "utcnow", lambda: dt.in_timezone(UTC))

    return _freeze


# ---------------------------------------------------------------------------
# Cadences and periods
# ---------------------------------------------------------------------------


def test_cadences():
    assert CADENCES == (
        "weekly", "fortnightly", "monthly", "every_2_months", "quarterly",
        "twice_termly", "every_6_months", "annual",
    )  # fmt: skip
    assert Cadence("every_2_months") is Cadence.EVERY_2_MONTHS
    assert Cadence.ANNUAL == "annual"
    with pytest.raises(ValueError, match="unknown cadence"):
        per.period_containing("daily", D(2026, 1, 1))


@pytest.mark.parametrize(
    ("cadence", "d", "start", "end"),
    [
        ("weekly", D(2026, 12, 31), D(2026, 12, 28), D(2027, 1, 3)),
        ("weekly", D(2027, 1, 3), D(2026, 12, 28), D(2027, 1, 3)),
        ("fortnightly", D(2026, 1, 5), D(2026, 1, 5), D(2026, 1, 18)),
        ("fortnightly", D(2026, 11, 26), D(2026, 11, 23), D(2026, 12, 6)),
        ("fortnightly", D(2025, 12, 25), D(2025, 12, 22), D(2026, 1, 4)),  # before the anchor
        ("fortnightly", D(2027, 1, 1), D(2026, 12, 21), D(2027, 1, 3)),
        ("monthly", D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28)),
        ("monthly", D(2028, 2, 29), D(2028, 2, 1), D(2028, 2, 29)),
        ("every_2_months", D(2026, 1, 15), D(2025, 12, 1), D(2026, 1, 31)),
        ("every_2_months", D(2025, 12, 1), D(2025, 12, 1), D(2026, 1, 31)),
        ("every_2_months", D(2026, 3, 10), D(2026, 2, 1), D(2026, 3, 31)),
        ("every_2_months", D(2026, 4, 1), D(2026, 4, 1), D(2026, 5, 31)),
        ("every_2_months", D(2026, 11, 30), D(2026, 10, 1), D(2026, 11, 30)),
        ("quarterly", D(2026, 2, 1), D(2026, 1, 1), D(2026, 3, 31)),
        ("quarterly", D(2026, 4, 1), D(2026, 4, 1), D(2026, 6, 30)),
        ("quarterly", D(2026, 12, 31), D(2026, 10, 1), D(2026, 12, 31)),
        ("every_6_months", D(2026, 1, 1), D(2025, 10, 1), D(2026, 3, 31)),
        ("every_6_months", D(2026, 9, 30), D(2026, 4, 1), D(2026, 9, 30)),
        ("annual", D(2026, 3, 31), D(2025, 4, 1), D(2026, 3, 31)),
        ("annual", D(2026, 4, 1), D(2026, 4, 1), D(2027, 3, 31)),
        ("twice_termly", D(2026, 9, 3), D(2026, 9, 3), D(2026, 10, 30)),
        ("twice_termly", D(2026, 10, 28), D(2026, 9, 3), D(2026, 10, 30)),  # half-term week: first half
        ("twice_termly", D(2026, 11, 2), D(2026, 10, 31), D(2026, 12, 18)),
        ("twice_termly", D(2026, 12, 25), D(2027, 1, 4), D(2027, 2, 19)),  # holiday -> next period
        ("twice_termly", D(2027, 3, 1), D(2027, 2, 20), D(2027, 3, 25)),
    ],
)
def test_period_containing(cadence, d, start, end):
    assert per.period_containing(cadence, d) == Period(start, end)


@pytest.mark.parametrize("cadence", [c for c in CADENCES if c != "twice_termly"])
def test_contiguous_periods_across_year_ends(cadence):
    periods = per.periods_between(cadence, D(2024, 11, 15), D(2029, 2, 10))
    assert periods[0].start <= D(2024, 11, 15) <= periods[0].end
    assert periods[-1].start <= D(2029, 2, 10) <= periods[-1].end
    for a, b in zip(periods, periods[1:]):
        assert b.start == a.end + timedelta(days=1)
        assert per.next_period(cadence, a) == b
        assert per.previous_period(cadence, b) == a
    expected_len = {"weekly": {7}, "fortnightly": {14}, "monthly": set(range(28, 32)),
                    "every_2_months": set(range(59, 63)), "quarterly": set(range(90, 93)),
                    "every_6_months": {182, 183}, "annual": {365, 366}}[cadence]  # fmt: skip
    assert {p.days for p in periods} <= expected_len


def test_twice_termly_periods():
    periods = per.periods_between("twice_termly", D(2026, 9, 1), D(2027, 8, 31))
    assert periods == [
        Period(D(2026, 9, 3), D(2026, 10, 30)),
        Period(D(2026, 10, 31), D(2026, 12, 18)),
        Period(D(2027, 1, 4), D(2027, 2, 19)),
        Period(D(2027, 2, 20), D(2027, 3, 25)),
        Period(D(2027, 4, 12), D(2027, 6, 4)),
        Period(D(2027, 6, 5), D(2027, 7, 21)),
    ]
    assert per.next_period("twice_termly", periods[1]) == periods[2]  # across the Christmas holiday
    assert per.previous_period("twice_termly", periods[2]) == periods[1]
    all_halves = per.periods_between("twice_termly", D(2014, 9, 1), D(2036, 8, 31))
    assert len(all_halves) == 22 * 6
    assert all(a.end < b.start for a, b in zip(all_halves, all_halves[1:]))
    with pytest.raises(per.OutOfCalendarRange):
        per.next_period("twice_termly", all_halves[-1])


@pytest.mark.parametrize(
    ("cadence", "as_at", "start", "end"),
    [
        ("monthly", D(2026, 12, 1), D(2026, 11, 1), D(2026, 11, 30)),
        ("monthly", D(2026, 11, 30), D(2026, 10, 1), D(2026, 10, 31)),
        ("weekly", D(2026, 11, 26), D(2026, 11, 16), D(2026, 11, 22)),
        ("weekly", D(2026, 11, 23), D(2026, 11, 16), D(2026, 11, 22)),
        ("fortnightly", D(2026, 11, 26), D(2026, 11, 9), D(2026, 11, 22)),
        ("quarterly", D(2027, 1, 1), D(2026, 10, 1), D(2026, 12, 31)),
        ("annual", D(2026, 11, 26), D(2025, 4, 1), D(2026, 3, 31)),
        ("every_2_months", D(2026, 11, 26), D(2026, 8, 1), D(2026, 9, 30)),
        ("twice_termly", D(2026, 11, 26), D(2026, 9, 3), D(2026, 10, 30)),
        ("twice_termly", D(2026, 12, 25), D(2026, 10, 31), D(2026, 12, 18)),
    ],
)
def test_latest_complete_period(cadence, as_at, start, end):
    assert per.latest_complete_period(cadence, as_at) == Period(start, end)


@pytest.mark.parametrize(
    ("cadence", "period", "n", "expected"),
    [
        ("monthly", Period(D(2026, 11, 1), D(2026, 11, 30)), None, D(2026, 12, 3)),
        ("monthly", Period(D(2025, 12, 1), D(2025, 12, 31)), None, D(2026, 1, 6)),  # 1 Jan BH
        ("monthly", Period(D(2027, 3, 1), D(2027, 3, 31)), None, D(2027, 4, 5)),
        ("weekly", Period(D(2026, 3, 30), D(2026, 4, 5)), None, D(2026, 4, 7)),  # Easter Monday
        ("weekly", Period(D(2026, 12, 21), D(2026, 12, 27)), None, D(2026, 12, 29)),  # substitute BH
        ("weekly", Period(D(2027, 12, 20), D(2027, 12, 26)), None, D(2027, 12, 29)),  # 27, 28 BHs
        ("quarterly", Period(D(2027, 1, 1), D(2027, 3, 31)), None, D(2027, 4, 7)),
        ("annual", Period(D(2025, 4, 1), D(2026, 3, 31)), None, D(2026, 4, 16)),  # WD10 over Easter
        ("monthly", Period(D(2026, 11, 1), D(2026, 11, 30)), 0, D(2026, 11, 30)),
        ("monthly", Period(D(2026, 10, 1), D(2026, 10, 31)), 0, D(2026, 11, 2)),  # Sat -> Mon
        ("monthly", Period(D(2026, 11, 1), D(2026, 11, 30)), 7, D(2026, 12, 9)),
    ],
)
def test_due_date(cadence, period, n, expected):
    assert per.due_date(cadence, period, n) == expected


def test_reports_due_on():
    schedules = [
        ("m", "monthly", None),
        ("e2", "every_2_months", None),
        ("w", "weekly", None),
        ("q", "quarterly", None),
        ("m7", "monthly", 7),
    ]
    assert per.reports_due_on(D(2026, 12, 3), schedules) == [
        ("e2", Period(D(2026, 10, 1), D(2026, 11, 30))),
        ("m", Period(D(2026, 11, 1), D(2026, 11, 30))),
    ]
    assert per.reports_due_on(D(2026, 4, 7), schedules) == [
        ("e2", Period(D(2026, 2, 1), D(2026, 3, 31))),
        ("m", Period(D(2026, 3, 1), D(2026, 3, 31))),
        ("w", Period(D(2026, 3, 30), D(2026, 4, 5))),
    ]
    assert per.reports_due_on(D(2026, 12, 9), schedules) == [("m7", Period(D(2026, 11, 1), D(2026, 11, 30)))]
    assert per.reports_due_on(D(2026, 12, 28), schedules) == []  # bank holiday: nothing due
    # Every period in a span is due exactly once.
    days = [D(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    weekly_due = [p for d in days for _, p in per.reports_due_on(d, [("w", "weekly", None)])]
    assert len(weekly_due) == len(set(weekly_due)) == 52


# ---------------------------------------------------------------------------
# Timetable basics
# ---------------------------------------------------------------------------


def test_timetable_is_airflow_timetable_and_validates():
    tt = ReportingPeriodTimetable("monthly")
    assert isinstance(tt, Timetable)
    assert tt.effective_due_working_day == 3
    assert ReportingPeriodTimetable("monthly", 5).effective_due_working_day == 5
    with pytest.raises(AirflowTimetableInvalid):
        ReportingPeriodTimetable("daily")
    with pytest.raises(AirflowTimetableInvalid):
        ReportingPeriodTimetable("monthly", -1)
    tt.validate()


def test_summary_and_description():
    tt = ReportingPeriodTimetable("monthly")
    assert tt.summary == "monthly (WD3 07:00 Europe/London)"
    assert tt.description == (
        "Monthly periods (calendar month); runs at 07:00 Europe/London on the 3rd working day "
        "after the period closes"
    )
    assert "11th working day" in ReportingPeriodTimetable("annual", 11).description
    assert "21st working day" in ReportingPeriodTimetable("annual", 21).description


def test_info_is_period_interval_and_due_run_after():
    tt = ReportingPeriodTimetable("monthly")
    info = tt.info_for(Period(D(2026, 11, 1), D(2026, 11, 30)))
    assert info.data_interval == DataInterval(utc(2026, 11, 1), utc(2026, 12, 1))
    assert info.run_after == utc(2026, 12, 3, 7)
    assert info.logical_date == london(2026, 11, 1)
    for dt in (*info.data_interval, info.run_after):
        assert dt.tzinfo is not None


# ---------------------------------------------------------------------------
# DST: 07:00 London in both GMT and BST
# ---------------------------------------------------------------------------


def test_dst_spring_forward_2026():
    tt = ReportingPeriodTimetable("weekly")
    infos = first_infos(tt, 3, london(2026, 3, 16))
    # Week 16-22 Mar (GMT) due Mon 23 Mar; week 23-29 Mar (clocks change Sun 29 Mar) due Mon 30 Mar (BST).
    assert [i.run_after.in_timezone(LONDON).hour for i in infos] == [7, 7, 7]
    assert [i.run_after.in_timezone(UTC).hour for i in infos] == [7, 6, 6]
    assert infos[0].run_after == utc(2026, 3, 23, 7)
    assert infos[1].run_after == utc(2026, 3, 30, 6)
    assert infos[1].data_interval.start == utc(2026, 3, 23, 0)
    assert infos[1].data_interval.end == utc(2026, 3, 29, 23)  # 00:00 BST on Mon 30 Mar
    assert (infos[1].data_interval.end - infos[1].data_interval.start).in_hours() == 167
    assert infos[2].data_interval == DataInterval(utc(2026, 3, 29, 23), utc(2026, 4, 5, 23))
    assert infos[2].run_after == utc(2026, 4, 7, 6)  # week ending Easter Sunday: Easter Monday skipped


def test_dst_fall_back_2026():
    tt = ReportingPeriodTimetable("weekly")
    infos = first_infos(tt, 2, london(2026, 10, 12))
    # Week 12-18 Oct due Mon 19 Oct 07:00 BST; week 19-25 Oct (clocks back Sun 25 Oct) due 26 Oct 07:00 GMT.
    assert infos[0].run_after.isoformat() == "2026-10-19T07:00:00+01:00"
    assert infos[1].run_after.isoformat() == "2026-10-26T07:00:00+00:00"
    assert (infos[1].data_interval.end - infos[1].data_interval.start).in_hours() == 169


def test_monthly_intervals_are_london_midnights_across_dst():
    tt = ReportingPeriodTimetable("monthly")
    infos = first_infos(tt, 12, london(2026, 1, 1))
    for info in infos:
        s = info.data_interval.start.in_timezone(LONDON)
        e = info.data_interval.end.in_timezone(LONDON)
        assert (s.hour, s.minute, s.day) == (0, 0, 1)
        assert (e.hour, e.minute, e.day) == (0, 0, 1)
        assert info.run_after.in_timezone(LONDON).hour == 7
    march = infos[2]
    assert march.data_interval == DataInterval(utc(2026, 3, 1), utc(2026, 3, 31, 23))
    assert march.run_after.isoformat() == "2026-04-07T07:00:00+01:00"
    october = infos[9]
    assert october.data_interval == DataInterval(utc(2026, 9, 30, 23), utc(2026, 11, 1))
    assert october.run_after.isoformat() == "2026-11-04T07:00:00+00:00"


# ---------------------------------------------------------------------------
# next_dagrun_info: catch-up, restrictions, catchup=False
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("cadence", CADENCES)
def test_catchup_runs_are_contiguous(cadence):
    tt = ReportingPeriodTimetable(cadence)
    infos = first_infos(tt, 30, london(2024, 1, 1))
    assert len(infos) == 30
    for a, b in zip(infos, infos[1:]):
        assert b.data_interval.start >= a.data_interval.end  # no overlap
        if cadence != "twice_termly":
            assert b.data_interval.start == a.data_interval.end  # no gaps
        assert b.run_after > a.run_after
    for info in infos:
        assert info.run_after > info.data_interval.end
        assert info.run_after.in_timezone(LONDON).strftime("%H:%M") == "07:00"
        period = as_period(info.data_interval)
        assert period == per.period_containing(cadence, period.start)
        assert info.run_after.in_timezone(LONDON).date() == per.due_date(cadence, period)


def test_catchup_first_run_respects_earliest():
    tt = ReportingPeriodTimetable("monthly")
    # Earliest mid-month -> first whole period starting on/after it.
    [info] = first_infos(tt, 1, london(2026, 1, 15))
    assert as_period(info.data_interval) == Period(D(2026, 2, 1), D(2026, 2, 28))
    # Earliest exactly at a London midnight period start -> that period.
    [info] = first_infos(tt, 1, london(2026, 1, 1))
    assert as_period(info.data_interval) == Period(D(2026, 1, 1), D(2026, 1, 31))
    # UTC midnight in summer is 01:00 BST: the period starting that day is excluded
    # (logical date must be >= start_date, as Airflow requires for task creation).
    [info] = first_infos(tt, 1, utc(2026, 6, 1))
    assert as_period(info.data_interval) == Period(D(2026, 7, 1), D(2026, 7, 31))


def test_latest_restriction_is_inclusive_on_logical_date():
    tt = ReportingPeriodTimetable("monthly")
    restriction = TimeRestriction(earliest=london(2026, 1, 1), latest=london(2026, 3, 1), catchup=True)
    last = None
    starts = []
    while (info := tt.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)) is not None:
        starts.append(info.logical_date.in_timezone(LONDON).date())
        last = info.data_interval
    assert starts == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]


def test_catchup_false_runs_latest_due_period_only(frozen_now):
    tt = ReportingPeriodTimetable("monthly")
    frozen_now(utc(2026, 11, 26, 10))
    restriction = TimeRestriction(earliest=london(2025, 1, 1), latest=None, catchup=False)
    # First ever run: October 2026 (due 4 Nov, already passed) runs now; nothing older.
    info = tt.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert as_period(info.data_interval) == Period(D(2026, 10, 1), D(2026, 10, 31))
    assert info.run_after == utc(2026, 11, 4, 7)
    # After that: November, due 3 Dec 07:00.
    info2 = tt.next_dagrun_info(last_automated_data_interval=info.data_interval, restriction=restriction)
    assert as_period(info2.data_interval) == Period(D(2026, 11, 1), D(2026, 11, 30))
    assert info2.run_after == utc(2026, 12, 3, 7)
    # Scheduler was off since June's run: skip Jul-Sep, run October.
    june = timetables.period_data_interval(Period(D(2026, 6, 1), D(2026, 6, 30)))
    info3 = tt.next_dagrun_info(last_automated_data_interval=june, restriction=restriction)
    assert as_period(info3.data_interval) == Period(D(2026, 10, 1), D(2026, 10, 31))
    # Same situation with catchup=True: July is next.
    info4 = tt.next_dagrun_info(
        last_automated_data_interval=june, restriction=restriction._replace(catchup=True)
    )
    assert as_period(info4.data_interval) == Period(D(2026, 7, 1), D(2026, 7, 31))


def test_catchup_false_just_before_run_time(frozen_now):
    tt = ReportingPeriodTimetable("monthly")
    restriction = TimeRestriction(earliest=london(2025, 1, 1), latest=None, catchup=False)
    september = timetables.period_data_interval(Period(D(2026, 9, 1), D(2026, 9, 30)))
    frozen_now(utc(2026, 12, 3, 6, 59))  # November not yet due
    info = tt.next_dagrun_info(last_automated_data_interval=september, restriction=restriction)
    assert as_period(info.data_interval) == Period(D(2026, 10, 1), D(2026, 10, 31))
    frozen_now(utc(2026, 12, 3, 7, 0))  # November due now: October is skipped
    info = tt.next_dagrun_info(last_automated_data_interval=september, restriction=restriction)
    assert as_period(info.data_interval) == Period(D(2026, 11, 1), D(2026, 11, 30))


def test_catchup_false_future_start_date(frozen_now):
    frozen_now(utc(2026, 11, 26, 10))
    tt = ReportingPeriodTimetable("quarterly")
    restriction = TimeRestriction(earliest=london(2027, 2, 1), latest=None, catchup=False)
    info = tt.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert as_period(info.data_interval) == Period(D(2027, 4, 1), D(2027, 6, 30))


def test_no_start_date_uses_latest_due(frozen_now):
    frozen_now(utc(2026, 11, 26, 10))
    tt = ReportingPeriodTimetable("weekly")
    info = tt.next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(None, None, catchup=True)
    )
    assert as_period(info.data_interval) == Period(D(2026, 11, 16), D(2026, 11, 22))
    assert info.run_after == utc(2026, 11, 23, 7)


@pytest.mark.parametrize(
    "now",
    [utc(2026, 1, 7, 12), utc(2026, 11, 26, 10), utc(2027, 3, 10, 9), utc(2025, 6, 18, 3)],
)
def test_fortnightly_anchoring_independent_of_first_seen(frozen_now, now):
    frozen_now(now)
    tt = ReportingPeriodTimetable("fortnightly")
    anchor = D(2026, 1, 5)
    infos = first_infos(tt, 6, earliest=None, catchup=False)
    assert len(infos) >= 1
    restriction = TimeRestriction(None, None, catchup=False)
    last = infos[0].data_interval
    for _ in range(5):
        period = as_period(last)
        assert (period.start - anchor).days % 14 == 0
        assert period.start.weekday() == 0 and period.days == 14
        # Advance the clock to each run time, as the scheduler would.
        info = tt.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        frozen_now(info.run_after)
        last = info.data_interval
        assert as_period(last).start == period.end + timedelta(days=1)


def test_fortnightly_from_arbitrary_start_date():
    tt = ReportingPeriodTimetable("fortnightly")
    infos = first_infos(tt, 3, london(2026, 2, 11))  # a Wednesday
    assert [as_period(i.data_interval) for i in infos] == [
        Period(D(2026, 2, 16), D(2026, 3, 1)),
        Period(D(2026, 3, 2), D(2026, 3, 15)),
        Period(D(2026, 3, 16), D(2026, 3, 29)),
    ]
    assert [i.run_after.isoformat() for i in infos] == [
        "2026-03-02T07:00:00+00:00",
        "2026-03-16T07:00:00+00:00",
        "2026-03-30T07:00:00+01:00",
    ]


def test_twice_termly_runs_and_end_of_calendar():
    tt = ReportingPeriodTimetable("twice_termly")
    infos = first_infos(tt, 3, london(2026, 9, 1))
    assert [(as_period(i.data_interval), i.run_after.isoformat()) for i in infos] == [
        (Period(D(2026, 9, 3), D(2026, 10, 30)), "2026-11-03T07:00:00+00:00"),
        (Period(D(2026, 10, 31), D(2026, 12, 18)), "2026-12-22T07:00:00+00:00"),
        (Period(D(2027, 1, 4), D(2027, 2, 19)), "2027-02-23T07:00:00+00:00"),
    ]
    last_half = timetables.period_data_interval(Period(D(2036, 5, 31), D(2036, 7, 21)))
    restriction = TimeRestriction(earliest=london(2035, 1, 1), latest=None, catchup=True)
    assert tt.next_dagrun_info(last_automated_data_interval=last_half, restriction=restriction) is None


def test_infer_manual_data_interval():
    assert ReportingPeriodTimetable("monthly").infer_manual_data_interval(
        run_after=london(2026, 11, 26, 10)
    ) == DataInterval(london(2026, 10, 1), london(2026, 11, 1))
    assert ReportingPeriodTimetable("weekly").infer_manual_data_interval(
        run_after=london(2026, 11, 26, 10)
    ) == DataInterval(london(2026, 11, 16), london(2026, 11, 23))
    # On the first day of a month, the previous month has closed.
    assert ReportingPeriodTimetable("monthly").infer_manual_data_interval(
        run_after=utc(2026, 6, 30, 23, 30)  # 00:30 BST on 1 July
    ) == DataInterval(london(2026, 6, 1), london(2026, 7, 1))
    assert ReportingPeriodTimetable("annual").infer_manual_data_interval(
        run_after=london(2026, 11, 26)
    ) == DataInterval(london(2025, 4, 1), london(2026, 4, 1))


# ---------------------------------------------------------------------------
# Serialisation and plugin
# ---------------------------------------------------------------------------


def test_serialize_deserialize_direct():
    tt = ReportingPeriodTimetable("fortnightly", 2)
    assert tt.serialize() == {"cadence": "fortnightly", "due_working_day": 2}
    assert ReportingPeriodTimetable.deserialize(tt.serialize()) == tt
    assert ReportingPeriodTimetable("fortnightly") != tt
    assert hash(ReportingPeriodTimetable("fortnightly", 2)) == hash(tt)


def test_plugin_declares_timetable():
    from reporting.schedules.plugin import ReportingTimetablesPlugin

    assert ReportingTimetablesPlugin.name == "mi_reporting_timetables"
    assert ReportingTimetablesPlugin.timetables == [
        ReportingPeriodTimetable, timetables.CollectionTimetable, timetables.FirstWorkingDayMonthlyTimetable]


@pytest.fixture
def registered(monkeypatch):
    """Make sure Airflow's plugin registry knows the timetable.

    With the package installed (entry point ``airflow.plugins``) the real
    registry already has it; otherwise fall back to patching the lookup.
    """
    from airflow import plugins_manager

    ours = {f"reporting.schedules.timetables.{cls.__name__}": cls
            for cls in (ReportingPeriodTimetable, timetables.CollectionTimetable,
                        timetables.FirstWorkingDayMonthlyTimetable)}
    try:
        found = plugins_manager.get_timetables_plugins()
    except Exception:  # noqa: BLE001 - a broken plugin environment: fall back to patching  # pragma: no cover
        found = {}
    if not ours.keys() <= found.keys():
        monkeypatch.setattr(plugins_manager, "get_timetables_plugins", lambda: {**found, **ours})


@pytest.mark.parametrize(("cadence", "n"), [("monthly", None), ("fortnightly", 2), ("twice_termly", None)])
def test_encode_decode_timetable_round_trip(registered, cadence, n):
    from airflow.serialization.serialized_objects import decode_timetable, encode_timetable

    tt = ReportingPeriodTimetable(cadence, n)
    encoded = encode_timetable(tt)
    assert encoded["__type"] == "reporting.schedules.timetables.ReportingPeriodTimetable"
    assert encoded["__var"] == {"cadence": cadence, "due_working_day": n}
    decoded = decode_timetable(encoded)
    assert isinstance(decoded, ReportingPeriodTimetable)
    assert decoded == tt
    restriction = TimeRestriction(earliest=london(2026, 1, 1), latest=None, catchup=True)
    a = first_infos(tt, 5, restriction.earliest)
    b = first_infos(decoded, 5, restriction.earliest)
    assert a == b and len(a) == 5


def test_dag_serialization_round_trip(registered):
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    with DAG(
        "mi_test_monthly",
        schedule=ReportingPeriodTimetable("monthly", 4),
        start_date=london(2026, 1, 1),
        catchup=True,
    ) as dag:
        EmptyOperator(task_id="noop")
    restored = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    assert restored.timetable == ReportingPeriodTimetable("monthly", 4)
    assert restored.timetable.summary == "monthly (WD4 07:00 Europe/London)"
    [info] = first_infos(restored.timetable, 1, london(2026, 1, 1))
    assert info.run_after == utc(2026, 2, 5, 7)  # 4th working day after 31 Jan 2026


# ---------------------------------------------------------------------------
# Statutory returns' timetables (dates: tests/test_returns_dags.py)
# ---------------------------------------------------------------------------


def test_collection_timetable_validates_its_close_date():
    assert isinstance(timetables.CollectionTimetable((7, 31)), Timetable)
    assert timetables.CollectionTimetable([6, 30]).close == (6, 30)
    for bad in [(3, 31), (2, 29), (6, 31), (13, 1), "june", (6,)]:
        with pytest.raises(AirflowTimetableInvalid):
            timetables.CollectionTimetable(bad)


def test_return_timetables_summary_and_description():
    tt = timetables.CollectionTimetable((7, 31))
    assert tt.summary == "April, then weekly to 31 Jul"
    assert tt.description.startswith("First working day of April, then the first working day of each week to 31 July")
    assert timetables.FirstWorkingDayMonthlyTimetable().description.startswith("First working day of each month")


def test_return_timetables_serialize_deserialize_direct():
    tt = timetables.CollectionTimetable((6, 30))
    assert tt.serialize() == {"close": [6, 30]}
    assert timetables.CollectionTimetable.deserialize(tt.serialize()) == tt
    assert timetables.CollectionTimetable((7, 31)) != tt
    assert hash(timetables.CollectionTimetable((6, 30))) == hash(tt)
    monthly = timetables.FirstWorkingDayMonthlyTimetable()
    assert monthly.serialize() == {}
    assert timetables.FirstWorkingDayMonthlyTimetable.deserialize({}) == monthly


@pytest.mark.parametrize("tt", [timetables.CollectionTimetable((6, 30)), timetables.CollectionTimetable((7, 31)),
                                timetables.FirstWorkingDayMonthlyTimetable()], ids=repr)
def test_return_timetables_encode_decode_round_trip(registered, tt):
    from airflow.serialization.serialized_objects import decode_timetable, encode_timetable

    encoded = encode_timetable(tt)
    assert encoded["__type"] == f"reporting.schedules.timetables.{type(tt).__name__}"
    assert encoded["__var"] == tt.serialize()
    decoded = decode_timetable(encoded)
    assert decoded == tt and decoded.description == tt.description and decoded.summary == tt.summary
    a = first_infos(tt, 15, london(2026, 1, 1))
    assert first_infos(decoded, 15, london(2026, 1, 1)) == a and len(a) == 15


def test_return_timetable_in_a_dag_round_trip(registered):
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    with DAG("mi_test_collection", schedule=timetables.CollectionTimetable((6, 30)), start_date=london(2026, 1, 1),
             catchup=False) as dag:
        EmptyOperator(task_id="noop")
    restored = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    assert restored.timetable == timetables.CollectionTimetable((6, 30))
    [info] = first_infos(restored.timetable, 1, london(2026, 1, 1))
    assert info.run_after == london(2026, 4, 1, 7) and info.data_interval == DataInterval.exact(info.run_after)


def test_return_timetables_run_on_past_the_old_2035_list():
    """EventsTimetable stopped where its list did (2035); these go on."""
    [info] = first_infos(timetables.CollectionTimetable((6, 30)), 1, london(2036, 1, 1))
    assert info.run_after == london(2036, 4, 1, 7)
    [info] = first_infos(timetables.FirstWorkingDayMonthlyTimetable(), 1, london(2040, 1, 1))
    assert info.run_after == london(2040, 1, 3, 7)  # Sun 1 Jan 2040, substitute bank holiday Mon 2 -> Tue 3


def test_manual_runs_of_return_timetables_are_for_the_trigger_time():
    when = london(2026, 11, 18, 14, 30)
    assert (timetables.FirstWorkingDayMonthlyTimetable().infer_manual_data_interval(run_after=when)
            == DataInterval.exact(when))
    assert (timetables.CollectionTimetable((7, 31)).infer_manual_data_interval(run_after=when)
            == DataInterval.exact(when))


# ---------------------------------------------------------------------------
# Year schedule (mi schedule)
# ---------------------------------------------------------------------------


def test_year_schedule_2026():
    rows = year_schedule(
        2026, [("mi_monthly", "monthly", None), ("mi_annual", "annual", None), ("mi_wk", "weekly", None)]
    )
    assert [r["run_at"] for r in rows] == sorted(
        (r["run_at"] for r in rows), key=lambda s: pendulum.parse(s)
    )
    monthly = [r for r in rows if r["report_id"] == "mi_monthly"]
    assert len(monthly) == 12
    assert monthly[0] == {
        "report_id": "mi_monthly",
        "cadence": "monthly",
        "run_at": "2026-01-06T07:00:00+00:00",
        "period_start": "2025-12-01",
        "period_end": "2025-12-31",
    }
    assert monthly[3]["run_at"] == "2026-04-07T07:00:00+01:00"
    assert monthly[-1]["period_start"] == "2026-11-01" and monthly[-1]["run_at"] == "2026-12-03T07:00:00+00:00"
    annual = [r for r in rows if r["report_id"] == "mi_annual"]
    assert annual == [{
        "report_id": "mi_annual",
        "cadence": "annual",
        "run_at": "2026-04-16T07:00:00+01:00",
        "period_start": "2025-04-01",
        "period_end": "2026-03-31",
    }]  # fmt: skip
    weekly = [r for r in rows if r["report_id"] == "mi_wk"]
    # Week 22-28 Dec 2025 was due Mon 29 Dec 2025; the first 2026 run is week 29 Dec-4 Jan (due 5 Jan).
    # The last is week 21-27 Dec 2026, due Tue 29 Dec (28 Dec is the substitute Boxing Day).
    assert weekly[0]["period_start"] == "2025-12-29" and weekly[0]["run_at"] == "2026-01-05T07:00:00+00:00"
    assert weekly[-1]["period_end"] == "2026-12-27" and weekly[-1]["run_at"] == "2026-12-29T07:00:00+00:00"
    assert len(weekly) == 52
    assert all("T07:00:00+0" in r["run_at"] for r in rows)
    # Same day: sorted by report_id.
    same_day = [r["report_id"] for r in rows if r["run_at"].startswith("2026-04-07")]
    assert same_day == sorted(same_day) == ["mi_monthly", "mi_wk"]


def test_year_schedule_matches_reports_due_on():
    schedules = [(f"r_{c}", c, None) for c in CADENCES]
    rows = year_schedule(2027, schedules)
    from_timetable = sorted(
        (D.fromisoformat(r["run_at"][:10]), r["report_id"], r["period_start"], r["period_end"]) for r in rows
    )
    from_periods = sorted(
        (d, rid, p.start.isoformat(), p.end.isoformat())
        for d in (D(2027, 1, 1) + timedelta(days=i) for i in range(365))
        for rid, p in per.reports_due_on(d, schedules)
    )
    assert from_timetable == from_periods
    assert len({(r["report_id"]) for r in rows}) == len(CADENCES)
