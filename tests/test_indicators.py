"""Indicator library: definitions load strictly, values match independent computations (Python
over the raw tables, not the indicators' SQL) on SQLite and PostgreSQL, history covers 48 months,
missing benchmarks stay missing, and docs/indicators.md is current."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import SEEDED_DB_PARAMS
from sqlalchemy import create_engine, text

from reporting.indicators.compute import IndicatorSession, compute, window
from reporting.indicators.history import history_for, history_months
from reporting.indicators.loader import library, load_library
from reporting.indicators.overview import benchmarks
from reporting.schedules.periods import Period

SEP = Period(date(2026, 9, 1), date(2026, 9, 30))
# config/population.yml: September 2026 is in the reporting year ending 31 March 2027, whose rate
# the DfE divides by the mid-2026 estimate; the latest published is mid-2024's
POPULATION = 35276


def plus_months(day: date, months: int) -> date:
    """The same day `months` calendar months on (the month's last day when it is shorter)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _d(value) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _table(conn, name: str) -> list[dict]:
    return [dict(r) for r in conn.execute(text(f"select * from {name}")).mappings()]


@pytest.fixture(scope="module")
def expected(request) -> dict:
    return {}


def _independent(url: str) -> dict[str, float]:
    """Each figure computed in Python from the source rows, by the indicator's written definition."""
    engine = create_engine(url)
    with engine.connect() as conn:
        working = sorted(_d(r["cal_date"]) for r in _table(conn, "ext_calendar") if r["cal_is_working_day"])
        contacts = _table(conn, "ssd_contacts")
        referrals = _table(conn, "ssd_cin_episodes")
        assessments = _table(conn, "ssd_cin_assessments")
        s47 = _table(conn, "ssd_s47_enquiry")
        icpc = _table(conn, "ssd_initial_cp_conference")
        plans = _table(conn, "ssd_cp_plans")
        cla = _table(conn, "ssd_cla_episodes")
        cp_reviews = _table(conn, "ssd_cp_reviews")
        cla_reviews = _table(conn, "ssd_cla_reviews")
        missing = _table(conn, "ssd_missing")
        staff = _table(conn, "ext_staff")
        legal = _table(conn, "ssd_legal_status")
        fte = {p["prof_professional_id"]: p["prof_full_time_equivalency"] for p in _table(conn, "ssd_professionals")}
    engine.dispose()
    import bisect

    def wd(a: date, b: date) -> int:  # working days after a up to and including b
        return bisect.bisect_right(working, b) - bisect.bisect_right(working, a)

    def in_sep(value) -> bool:
        return _d(value) is not None and SEP.start <= _d(value) <= SEP.end

    def short_breaks(person, day: date) -> bool:  # legal status V3/V4 in force on the day
        return any(ls["lega_person_id"] == person and ls["lega_legal_status"] in ("V3", "V4")
                   and _d(ls["lega_legal_status_start_date"]) <= day
                   and (ls["lega_legal_status_end_date"] is None or _d(ls["lega_legal_status_end_date"]) > day)
                   for ls in legal)

    def add_working_days(day: date, n: int) -> date:
        return working[bisect.bisect_right(working, day) + n - 1]

    end = SEP.end
    month_refs = [r for r in referrals if in_sep(r["cine_referral_date"])]
    month_contacts = [c for c in contacts if in_sep(c["cont_contact_date"])]
    ref_date = {r["cine_referral_id"]: _d(r["cine_referral_date"]) for r in referrals}
    authorised = [a for a in assessments if in_sep(a["cina_assessment_auth_date"])]
    s47_start = {s["s47e_s47_enquiry_id"]: _d(s["s47e_s47_start_date"]) for s in s47}
    icpcs = [i for i in icpc if in_sep(i["icpc_icpc_date"]) and (i["icpc_icpc_transfer_in"] or "N") != "Y"]
    open_cp = {p["cppl_person_id"] for p in plans if _d(p["cppl_cp_plan_start_date"]) <= end
               and (p["cppl_cp_plan_end_date"] is None or _d(p["cppl_cp_plan_end_date"]) > end)}
    open_cla = {e["clae_person_id"] for e in cla if _d(e["clae_cla_episode_start_date"]) <= end
                and (e["clae_cla_episode_ceased_date"] is None or _d(e["clae_cla_episode_ceased_date"]) > end)
                and not short_breaks(e["clae_person_id"], end)}
    year_start = date(2025, 10, 1)
    ended = [p for p in plans if p["cppl_cp_plan_end_date"] and year_start <= _d(p["cppl_cp_plan_end_date"]) <= end]
    # reviews against the regulation's due date (CP: 3 months after the ICPC, then 6 months after the
    # previous review; LAC: 20 working days after entering care, 3 months, then 6 months)
    icpc_of_plan = {}
    for i in icpc:
        if i["icpc_cp_plan_id"]:
            icpc_of_plan[i["icpc_cp_plan_id"]] = min(_d(i["icpc_icpc_date"]),
                                                     icpc_of_plan.get(i["icpc_cp_plan_id"], date.max))
    plan_start = {p["cppl_cp_plan_id"]: _d(p["cppl_cp_plan_start_date"]) for p in plans}
    cp_due = {}
    by_plan: dict = {}
    for r in cp_reviews:
        if r["cppr_cp_review_date"] and _d(r["cppr_cp_review_date"]) <= end:
            by_plan.setdefault(r["cppr_cp_plan_id"], []).append(r)
    for plan, held in by_plan.items():
        held.sort(key=lambda r: (_d(r["cppr_cp_review_date"]), r["cppr_cp_review_id"]))
        for n, r in enumerate(held):
            cp_due[r["cppr_cp_review_id"]] = (plus_months(icpc_of_plan.get(plan, plan_start[plan]), 3) if n == 0
                                              else plus_months(_d(held[n - 1]["cppr_cp_review_date"]), 6))
    cp_held = [r for r in cp_reviews if in_sep(r["cppr_cp_review_date"])]
    entered = {}
    person_of = {}
    for e in cla:
        entered[e["clae_cla_id"]] = min(_d(e["clae_entered_care_date"]), entered.get(e["clae_cla_id"], date.max))
        person_of[e["clae_cla_id"]] = min(e["clae_person_id"], person_of.get(e["clae_cla_id"], e["clae_person_id"]))
    la_due = {}
    by_cla: dict = {}
    for r in cla_reviews:
        if (r["clar_cla_review_date"] and _d(r["clar_cla_review_date"]) <= end
                and (r["clar_cla_review_cancelled"] or "N") != "Y"):
            by_cla.setdefault(r["clar_cla_id"], []).append(r)
    for cla_id, held in by_cla.items():
        held.sort(key=lambda r: (_d(r["clar_cla_review_date"]), r["clar_cla_review_id"]))
        for n, r in enumerate(held):
            la_due[r["clar_cla_review_id"]] = (add_working_days(entered[cla_id], 20) if n == 0
                                               else plus_months(_d(held[n - 1]["clar_cla_review_date"]),
                                                                3 if n == 1 else 6))
    cla_held = [r for r in cla_reviews if in_sep(r["clar_cla_review_date"])
                and (r["clar_cla_review_cancelled"] or "N") != "Y"
                and not short_breaks(person_of[r["clar_cla_id"]], _d(r["clar_cla_review_date"]))]
    in_post = [s for s in staff if s["staf_role"] in ("SW", "SP") and _d(s["staf_start_date"]) <= end
               and (s["staf_leave_date"] is None or _d(s["staf_leave_date"]) > end)]
    fte_of = lambda s: fte.get(s["staf_professional_id"]) or 1.0  # noqa: E731
    pct = lambda n, d: round(100.0 * n / d, 1)  # noqa: E731
    return {
        "contacts_received": len(month_contacts),
        "referrals_received": len(month_refs),
        "referrals_nfa_pct": pct(sum(r["cine_referral_nfa"] == "Y" for r in month_refs), len(month_refs)),
        "contact_to_referral_pct": pct(sum("Referral to children" in (c["cont_contact_outcome_json"] or "")
                                           for c in month_contacts), len(month_contacts)),
        "assessments_within_45wd_pct": pct(sum(wd(ref_date[a["cina_referral_id"]],
                                                  _d(a["cina_assessment_auth_date"])) <= 45
                                               for a in authorised), len(authorised)),
        "icpc_within_15wd_pct": pct(sum(wd(s47_start[i["icpc_s47_enquiry_id"]], _d(i["icpc_icpc_date"])) <= 15
                                        for i in icpcs), len(icpcs)),
        "s47_enquiries_started": sum(in_sep(s["s47e_s47_start_date"]) for s in s47),
        "cp_plans_rate_per_10000": round(10000.0 * len(open_cp) / POPULATION, 1),
        "cla_rate_per_10000": round(10000.0 * len(open_cla) / POPULATION, 1),
        "cp_plans_ended_2yrs_plus_pct": pct(sum(_d(p["cppl_cp_plan_end_date"])
                                                    >= plus_months(_d(p["cppl_cp_plan_start_date"]), 24)
                                                for p in ended), len(ended)),
        "cp_reviews_on_time_pct": pct(sum(_d(r["cppr_cp_review_date"]) <= cp_due[r["cppr_cp_review_id"]]
                                          for r in cp_held), len(cp_held)),
        "cla_reviews_on_time_pct": pct(sum(_d(r["clar_cla_review_date"]) <= la_due[r["clar_cla_review_id"]]
                                           for r in cla_held), len(cla_held)),
        "missing_episodes": sum(in_sep(m["miss_missing_episode_start_date"]) for m in missing),
        "social_workers_agency_pct": round(100.0 * sum(fte_of(s) for s in in_post if s["staf_is_agency"])
                                           / sum(fte_of(s) for s in in_post), 1),
    }


def test_library_loads_without_errors_and_every_benchmark_series_exists():
    lib = load_library()
    assert lib.errors == []
    assert len(lib.indicators) >= 25


def test_a_typo_names_the_file_and_field(tmp_path: Path):
    (tmp_path / "bad_indicator.yml").write_text(
        "id: bad_indicator\ntitle: Bad\narea: x\ndescription: twenty characters or more here\n"
        "numerator: n\nunit: percent\npolarity: high_is_good\nbasis: month\nbenchmrk: x\n")
    (tmp_path / "bad_indicator.sql").write_text("select 1 as numerator, 1 as denominator")
    lib = load_library(tmp_path)
    fields = {(e.path.name, e.field) for e in lib.errors}
    assert ("bad_indicator.yml", "benchmrk") in fields
    (tmp_path / "bad_indicator.yml").write_text(
        "id: bad_indicator\ntitle: Bad\narea: x\ndescription: twenty characters or more here\n"
        "numerator: n\nunit: percent\npolarity: high_is_good\nbasis: month\n"
        "definition: a definition of twenty characters or more\n")
    errors = load_library(tmp_path).errors
    assert [e.field for e in errors] == ["(indicator)"]
    assert "needs a denominator" in errors[0].message  # a percent without a denominator


@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
def test_values_match_independent_computations(seeded_url):
    expected = _independent(seeded_url)
    assert len(expected) >= 10
    engine = create_engine(seeded_url)
    try:
        with engine.connect() as conn:
            session = IndicatorSession(conn)
            got = {i: session.compute(library().get(i), SEP).value for i in expected}
    finally:
        engine.dispose()
    assert got == pytest.approx(expected, abs=0.05)
    assert expected["referrals_received"] > 50 and expected["icpc_within_15wd_pct"] > 0  # real work, not zeros


@pytest.mark.xdist_group("sqlite_seed")
def test_history_is_48_months_ending_with_the_last_complete_month(seeded_sqlite_url):
    months = history_months(date(2026, 10, 26))
    assert len(months) == 48 and months[-1] == SEP and months[0].start == date(2022, 10, 1)
    indicator = library().get("referrals_received")
    history = history_for([indicator], create_engine(seeded_sqlite_url), date(2026, 10, 26))[indicator.id]
    assert [h.window for h in history] == months
    assert history[-1].value == compute(indicator, create_engine(seeded_sqlite_url), SEP).value
    assert all(h.value > 0 for h in history)  # 4 years of real referrals, every month


def test_windows_by_basis():
    lib = library()
    assert window(lib.get("cp_plans_ended_2yrs_plus_pct"), SEP) == Period(date(2025, 10, 1), SEP.end)
    assert window(lib.get("cla_rate_per_10000"), SEP) == Period(SEP.end, SEP.end)
    assert window(lib.get("referrals_received"), SEP) == SEP


def test_missing_benchmarks_are_reported_missing_never_invented():
    lib = library()
    marks = {b["name"]: b for b in benchmarks(lib.get("assessments_within_45wd_pct").spec, SEP.end)}
    assert marks["England"]["value"] is None and marks["England"]["display"] == "England: no benchmark"
    marks = {b["name"]: b for b in benchmarks(lib.get("icpc_within_15wd_pct").spec, SEP.end)}
    assert (marks["England"]["year"], marks["England"]["value"]) == (2025, 81.4)
    assert (marks["Inner London"]["year"], marks["Inner London"]["value"]) == (2025, 78.1)
    marks = {b["name"]: b for b in benchmarks(lib.get("cp_plans_rate_per_10000").spec, SEP.end)}
    assert marks["Inner London"]["display"] == "Inner London: no benchmark"
    # A period before the first published year has no benchmark either.
    marks = {b["name"]: b for b in benchmarks(lib.get("cla_rate_per_10000").spec, date(2022, 9, 30))}
    assert marks["England"]["value"] is None


def test_docs_are_current():
    from reporting import settings
    from reporting.indicators.docs import render

    current = (settings.REPO_ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert current == render(), "docs/indicators.md is stale: run python -m reporting.indicators.docs"
    for indicator in library().indicators:
        assert f"`{indicator}`" in current


def test_a_target_can_change_by_financial_year_and_says_where_it_comes_from():
    from reporting.indicators.models import Indicator

    base = {"id": "some_indicator", "title": "Some indicator", "area": "x", "unit": "percent",
            "description": "twenty characters or more here", "numerator": "n", "denominator": "d",
            "polarity": "high_is_good", "basis": "month", "definition": "a definition of twenty characters"}
    spec = Indicator.model_validate({**base, "target": {2024: 80, 2026: 90}, "target_source": "a test"})
    assert spec.target_for(date(2025, 3, 31)) == 80  # 2024-25
    assert spec.target_for(date(2026, 3, 31)) == 80  # 2025-26 is not listed: the latest earlier year's
    assert spec.target_for(date(2026, 10, 31)) == 90  # 2026-27
    assert spec.target_for(date(2024, 3, 31)) is None  # before the first year with a target
    with pytest.raises(Exception, match="target_source"):
        Indicator.model_validate({**base, "target": 80})

