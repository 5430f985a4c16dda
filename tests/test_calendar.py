"""Tests for reporting.working_calendar: bank holidays, working days, calendar rows, terms."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from reporting import working_calendar as cal

D = date


# ---------------------------------------------------------------------------
# Bank holidays
# ---------------------------------------------------------------------------

EXPECTED_BANK_HOLIDAYS_2025_2027 = {
    D(2025, 1, 1), D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 5), D(2025, 5, 26), D(2025, 8, 25),
    D(2025, 12, 25), D(2025, 12, 26),
    D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25), D(2026, 8, 31),
    D(2026, 12, 25), D(2026, 12, 28),
    D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31), D(2027, 8, 30),
    D(2027, 12, 27), D(2027, 12, 28),
}  # fmt: skip


def test_bank_holidays_2025_2027_weekdays_match_gov_uk():
    got = cal.bank_holidays(D(2025, 1, 1), D(2027, 12, 31))
    # The holidays package also lists the actual Christmas/Boxing Day when they
    # fall at a weekend (e.g. Sat 26 Dec 2026); those are not working days anyway.
    assert {d for d in got if d.weekday() < 5} == EXPECTED_BANK_HOLIDAYS_2025_2027


def test_bank_holidays_range_is_inclusive_and_filtered():
    assert cal.bank_holidays(D(2026, 4, 3), D(2026, 4, 6)) == {D(2026, 4, 3), D(2026, 4, 6)}
    assert cal.bank_holidays(D(2026, 4, 7), D(2026, 5, 3)) == set()


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (D(2026, 4, 3), False),  # Good Friday
        (D(2026, 4, 6), False),  # Easter Monday
        (D(2026, 4, 7), True),
        (D(2026, 12, 28), False),  # substitute Boxing Day
        (D(2026, 12, 29), True),
        (D(2027, 12, 27), False),
        (D(2027, 12, 28), False),
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 29), False),  # Sunday
        (D(2026, 11, 26), True),
        (D(2041, 12, 25), False),  # beyond the precomputed index
        (D(1999, 12, 30), True),  # before the precomputed index
        (D(1999, 12, 31), False),  # Millennium special bank holiday
    ],
)
def test_is_working_day(d, expected):
    assert cal.is_working_day(d) is expected


# ---------------------------------------------------------------------------
# working_days_between / add_working_days
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 11, 26), D(2026, 11, 26), 0),  # same day
        (D(2026, 11, 20), D(2026, 11, 23), 1),  # Fri -> Mon
        (D(2026, 11, 21), D(2026, 11, 23), 1),  # Sat -> Mon
        # Wed 24 Dec 2025 -> Mon 29 Dec: 25, 26 bank holidays, 27/28 weekend; only the 29th counts.
        (D(2025, 12, 24), D(2025, 12, 29), 1),
        (D(2025, 12, 24), D(2026, 1, 2), 4),  # 29, 30, 31 Dec and 2 Jan (1 Jan is a BH)
        (D(2026, 12, 24), D(2026, 12, 31), 3),  # 25 BH, 26/27 weekend, 28 substitute BH
        (D(2027, 12, 24), D(2027, 12, 31), 3),  # 25/26 weekend, 27 & 28 substitute BHs
        (D(2026, 4, 2), D(2026, 4, 7), 1),  # Easter 2026: Good Friday + Easter Monday
        (D(2027, 3, 25), D(2027, 3, 30), 1),  # Easter 2027
        (D(2025, 12, 31), D(2026, 12, 31), 253),  # 261 weekdays in 2026 - 8 weekday BHs
        (D(2024, 12, 31), D(2025, 12, 31), 253),  # 261 weekdays in 2025 - 8 BHs
        (D(2025, 12, 29), D(2025, 12, 24), -1),  # negative when end < start
    ],
)
def test_working_days_between(start, end, expected):
    assert cal.working_days_between(start, end) == expected


def test_working_days_between_outside_index_matches_walk():
    # The range crosses the end of the precomputed index (2070-12-31): compare with a naive day walk.
    start, end = D(2070, 12, 20), D(2071, 1, 10)
    hols = cal.bank_holidays(start, end)
    walk = sum(
        1
        for i in range(1, (end - start).days + 1)
        if (start + timedelta(days=i)).weekday() < 5 and (start + timedelta(days=i)) not in hols
    )
    assert D(2070, 12, 25) in hols and D(2071, 1, 1) in hols
    assert cal.working_days_between(start, end) == walk == 12


def test_working_days_between_is_antisymmetric_and_additive():
    a, b, c = D(2025, 3, 14), D(2026, 7, 9), D(2027, 1, 2)
    assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)
    assert cal.working_days_between(a, c) == cal.working_days_between(a, b) + cal.working_days_between(b, c)


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (D(2026, 4, 2), 1, D(2026, 4, 7)),  # over Easter 2026
        (D(2026, 4, 3), 0, D(2026, 4, 7)),  # n=0 on a BH -> next working day
        (D(2026, 4, 7), 0, D(2026, 4, 7)),  # n=0 on a working day -> itself
        (D(2025, 12, 24), 2, D(2025, 12, 30)),
        (D(2026, 11, 30), 3, D(2026, 12, 3)),
        (D(2027, 3, 31), 5, D(2027, 4, 7)),
        (D(2026, 3, 31), 10, D(2026, 4, 16)),  # 10 working days with Easter in between
        (D(2026, 12, 24), 1, D(2026, 12, 29)),
    ],
)
def test_add_working_days(d, n, expected):
    assert cal.add_working_days(d, n) == expected
    if n > 0:
        assert cal.working_days_between(d, expected) == n


def test_add_working_days_rejects_negative():
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 1, 1), -1)


# ---------------------------------------------------------------------------
# calendar_rows
# ---------------------------------------------------------------------------

ROW_KEYS = {
    "cal_date", "cal_is_working_day", "cal_working_day_number", "cal_iso_year", "cal_iso_week",
    "cal_month", "cal_year", "cal_fiscal_year", "cal_fiscal_quarter", "cal_school_year",
    "cal_school_term", "cal_is_half_term", "cal_is_bank_holiday",
}  # fmt: skip


@pytest.fixture(scope="module")
def rows():
    return cal.calendar_rows()


@pytest.fixture(scope="module")
def by_date(rows):
    return {r["cal_date"]: r for r in rows}


def test_calendar_rows_shape(rows):
    assert cal.CALENDAR_START == D(2015, 1, 1) and cal.CALENDAR_END == D(2035, 12, 31)
    assert len(rows) == (cal.CALENDAR_END - cal.CALENDAR_START).days + 1 == 7670
    assert rows[0]["cal_date"] == cal.CALENDAR_START
    assert rows[-1]["cal_date"] == cal.CALENDAR_END
    assert all(set(r) == ROW_KEYS for r in rows)
    assert all((b["cal_date"] - a["cal_date"]).days == 1 for a, b in zip(rows, rows[1:]))


def test_calendar_rows_fast():
    cal.calendar_rows()  # warm caches (holidays, config)
    t0 = time.perf_counter()
    cal.calendar_rows()
    assert time.perf_counter() - t0 < 0.5


def test_working_day_numbers(rows, by_date):
    # 1 Jan 2015 is a bank holiday, so the running number starts at 0 and 2 Jan is day 1.
    assert by_date[D(2015, 1, 1)]["cal_working_day_number"] == 0
    assert by_date[D(2015, 1, 2)]["cal_working_day_number"] == 1
    assert by_date[D(2015, 1, 5)]["cal_working_day_number"] == 2
    prev = None
    for r in rows:
        assert r["cal_is_working_day"] == cal.is_working_day(r["cal_date"])
        if prev is not None:
            step = r["cal_working_day_number"] - prev["cal_working_day_number"]
            assert step == (1 if r["cal_is_working_day"] else 0)
        prev = r
    total_working = sum(r["cal_is_working_day"] for r in rows)
    assert rows[-1]["cal_working_day_number"] == total_working
    # Difference of running numbers == working_days_between.
    for a, b in [(D(2025, 12, 24), D(2025, 12, 29)), (D(2016, 2, 29), D(2031, 7, 4)), (D(2026, 4, 2), D(2026, 4, 7))]:
        diff = by_date[b]["cal_working_day_number"] - by_date[a]["cal_working_day_number"]
        assert diff == cal.working_days_between(a, b)


def test_calendar_rows_subrange_matches_full(by_date):
    sub = cal.calendar_rows(D(2026, 3, 25), D(2026, 4, 10))
    assert len(sub) == 17
    for r in sub:
        assert r == by_date[r["cal_date"]]
    assert cal.calendar_rows(D(2026, 1, 2), D(2026, 1, 1)) == []


def test_calendar_rows_attributes(by_date):
    r = by_date[D(2026, 3, 31)]
    assert (r["cal_fiscal_year"], r["cal_fiscal_quarter"], r["cal_month"], r["cal_year"]) == (2025, 4, 3, 2026)
    r = by_date[D(2026, 4, 1)]
    assert (r["cal_fiscal_year"], r["cal_fiscal_quarter"]) == (2026, 1)
    assert by_date[D(2026, 7, 1)]["cal_fiscal_quarter"] == 2
    assert by_date[D(2026, 12, 31)]["cal_fiscal_quarter"] == 3
    assert by_date[D(2026, 8, 31)]["cal_school_year"] == 2025
    assert by_date[D(2026, 9, 1)]["cal_school_year"] == 2026
    # ISO weeks across year ends.
    assert (by_date[D(2026, 1, 1)]["cal_iso_year"], by_date[D(2026, 1, 1)]["cal_iso_week"]) == (2026, 1)
    assert (by_date[D(2027, 1, 1)]["cal_iso_year"], by_date[D(2027, 1, 1)]["cal_iso_week"]) == (2026, 53)
    assert (by_date[D(2024, 12, 30)]["cal_iso_year"], by_date[D(2024, 12, 30)]["cal_iso_week"]) == (2025, 1)
    # Bank holidays.
    assert by_date[D(2026, 12, 28)]["cal_is_bank_holiday"] is True
    assert by_date[D(2026, 12, 28)]["cal_is_working_day"] is False
    assert by_date[D(2026, 12, 29)]["cal_is_bank_holiday"] is False


def test_calendar_rows_school_terms(by_date):
    assert by_date[D(2026, 10, 28)]["cal_school_term"] == "autumn"
    assert by_date[D(2026, 10, 28)]["cal_is_half_term"] is True
    assert by_date[D(2026, 11, 26)]["cal_school_term"] == "autumn"
    assert by_date[D(2026, 11, 26)]["cal_is_half_term"] is False
    assert by_date[D(2026, 12, 25)]["cal_school_term"] is None  # Christmas holidays
    assert by_date[D(2026, 2, 17)]["cal_school_term"] == "spring"
    assert by_date[D(2026, 2, 17)]["cal_is_half_term"] is True
    assert by_date[D(2026, 4, 8)]["cal_school_term"] is None  # Easter holidays
    assert by_date[D(2026, 4, 13)]["cal_school_term"] == "summer"
    assert by_date[D(2026, 8, 10)]["cal_school_term"] is None
    # Half-term days are always in a term.
    assert all(r["cal_school_term"] for r in by_date.values() if r["cal_is_half_term"])


# ---------------------------------------------------------------------------
# School terms and config
# ---------------------------------------------------------------------------


def test_school_terms_cover_2014_to_2035():
    terms = cal.school_terms()
    assert len(terms) == 22 * 3
    assert {t.school_year for t in terms} == set(range(2014, 2036))
    assert [t.name for t in terms[:3]] == ["autumn", "spring", "summer"]
    for t in terms:
        assert t.start < t.half_term_start <= t.half_term_end < t.end
        assert t.half_term_start.weekday() == 0 and t.half_term_end.weekday() == 4
        assert t.start.weekday() < 5 and t.end.weekday() < 5
        assert {"autumn": (9,), "spring": (1,), "summer": (4,)}[t.name] == (t.start.month,)
    for a, b in zip(terms, terms[1:]):
        assert a.end < b.start


def test_school_terms_2025_26_and_2026_27():
    by_key = {(t.school_year, t.name): t for t in cal.school_terms()}
    t = by_key[(2025, "autumn")]
    assert (t.start, t.half_term_start, t.half_term_end, t.end) == (
        D(2025, 9, 3), D(2025, 10, 27), D(2025, 10, 31), D(2025, 12, 19))
    t = by_key[(2025, "spring")]
    assert (t.start, t.half_term_start, t.half_term_end, t.end) == (
        D(2026, 1, 5), D(2026, 2, 16), D(2026, 2, 20), D(2026, 3, 27))
    t = by_key[(2025, "summer")]
    assert (t.start, t.half_term_start, t.end) == (D(2026, 4, 13), D(2026, 5, 25), D(2026, 7, 21))
    t = by_key[(2026, "spring")]
    assert (t.start, t.end) == (D(2027, 1, 4), D(2027, 3, 25))  # early Easter 2027
    assert by_key[(2026, "summer")].half_term_start == D(2027, 5, 31)  # Spring BH week


def test_config_values():
    cfg = cal.config()
    assert cfg.timezone == "Europe/London"
    assert cfg.run_time.strftime("%H:%M") == "07:00"
    assert cfg.fortnightly_anchor == D(2026, 1, 5)
    assert cfg.due_working_day == {
        "weekly": 1, "fortnightly": 1, "monthly": 3, "every_2_months": 3, "quarterly": 5,
        "twice_termly": 2, "every_6_months": 5, "annual": 10,
    }  # fmt: skip


def test_cadence_names_match_periods_module():
    from reporting.schedules.periods import CADENCES

    assert tuple(cal.config().due_working_day) == CADENCES


@pytest.fixture
def restore_config(monkeypatch):
    yield monkeypatch
    monkeypatch.undo()
    cal.reload_config()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('run_time: "07:00"', 'run_time: "07:00"\nsurprise: 1', "surprise"),
        ('run_time: "07:00"', "run_time: 7:00", "run_time"),  # YAML 1.1 reads 7:00 as 420
        ('run_time: "07:00"', 'run_time: "7am"', "run_time"),
        ("fortnightly_anchor: 2026-01-05", "fortnightly_anchor: 2026-01-06", "fortnightly_anchor"),
        ("  annual: 10", "  annual: 10\n  daily: 1", "due_working_day"),
        ("timezone: Europe/London", "timezone: Europe/Londres", "timezone"),
    ],
)
def test_bad_config_names_file_and_field(tmp_path, restore_config, old, new, field):
    text = cal.DEFAULT_CALENDAR_FILE.read_text()
    assert old in text
    bad = tmp_path / "bad_calendar.yml"
    bad.write_text(text.replace(old, new, 1))
    restore_config.setenv("MI_CALENDAR_FILE", str(bad))
    with pytest.raises(cal.CalendarConfigError) as exc:
        cal.reload_config()
    assert str(bad) in str(exc.value)
    assert field in str(exc.value)


def test_bad_term_dates_rejected(tmp_path, restore_config):
    text = cal.DEFAULT_CALENDAR_FILE.read_text()
    old = "half_term_start: 2026-10-26"
    assert old in text
    bad = tmp_path / "cal.yml"
    bad.write_text(text.replace(old, "half_term_start: 2026-12-26", 1))
    restore_config.setenv("MI_CALENDAR_FILE", str(bad))
    with pytest.raises(cal.CalendarConfigError, match=r"terms\.\d+"):
        cal.reload_config()


def test_env_override_loads_other_file(tmp_path, restore_config):
    text = cal.DEFAULT_CALENDAR_FILE.read_text().replace('run_time: "07:00"', 'run_time: "06:30"')
    f = tmp_path / "cal.yml"
    f.write_text(text)
    restore_config.setenv("MI_CALENDAR_FILE", str(f))
    assert cal.reload_config().run_time.strftime("%H:%M") == "06:30"
