"""The 28 front door, assessment, CIN, CP, workforce and QA reports, on SQLite and
PostgreSQL, plus the seeded moderation and front-door audit samples.

Each report runs through `reporting.runner.run_report` (CSV only) for its latest complete period
at a run date where it has rows, and at least one headline figure is checked against a figure
computed here in Python from the raw rows of the source tables, never by re-running the report's
SQL. Working days are counted from the calendar's working-day flags, not its running numbers.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date, timedelta
from functools import lru_cache

import pytest
from sqlalchemy import create_engine, text

from reporting import runner
from reporting.definitions import load_catalogue
from reporting.extract import run_extract
from reporting.plan import slice_keys
from reporting.sampling import apply_sample
from reporting.schedules.periods import latest_complete_period

RUN = date(2026, 10, 26)  # the seed's as-at: monthly = September, quarterly = Jul-Sep
ENGINES = [
    pytest.param("sqlite", id="sqlite", marks=pytest.mark.xdist_group("sqlite_seed")),
    pytest.param("postgresql", id="postgresql", marks=[pytest.mark.xdist_group("pg_seed"), pytest.mark.postgres]),
]
DFE_FACTORS = {
    "1B", "1C", "2B", "2C", "3B", "3C", "4B", "4C", "5B", "5C", "6B", "6C", "7B", "7C", "8B", "8C", "8D",
    "8E", "8F", "9B", "9C", "10A", "11A", "12A", "13A", "14A", "15A", "16A", "17A", "18B", "18C", "19B",
    "19C", "20", "21", "22A", "23A", "24A",
}


# ---- raw source rows -----------------------------------------------------------------------------
def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class Source:
    """Raw table rows of one seeded database (dates as `date`), loaded lazily and cached."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        self._tables: dict[str, list[dict]] = {}
        self._working: list[date] | None = None

    def rows(self, table: str) -> list[dict]:
        if table not in self._tables:
            with self.engine.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(text(f"select * from {table}"))]
            for row in rows:
                for key, value in row.items():
                    if key.endswith(("_date", "_dob", "_due")):
                        row[key] = _date(value)
            self._tables[table] = rows
        return self._tables[table]

    def working_days(self) -> list[date]:
        if self._working is None:
            with self.engine.connect() as conn:
                flags = conn.execute(text("select cal_date, cal_is_working_day from ext_calendar")).fetchall()
            self._working = sorted(_date(d) for d, flag in flags if bool(flag))
        return self._working

    def wd_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        import bisect
        days = self.working_days()
        return bisect.bisect_right(days, end) - bisect.bisect_right(days, start)

    def open_at(self, table: str, start: str, end: str, at: date) -> list[dict]:
        return [r for r in self.rows(table) if r[start] is not None and r[start] <= at
                and (r[end] is None or r[end] > at)]

    def allocation(self, at: date) -> dict[str, dict]:
        """Each person's latest involvement open on `at` (as the allocation block defines it)."""
        best: dict[str, dict] = {}
        for inv in self.open_at("ssd_involvements", "invo_involvement_start_date", "invo_involvement_end_date", at):
            key = (inv["invo_involvement_start_date"], inv["invo_involvements_id"])
            held = best.get(inv["invo_person_id"])
            if held is None or key > (held["invo_involvement_start_date"], held["invo_involvements_id"]):
                best[inv["invo_person_id"]] = inv
        return best

    def open_cases(self, at: date) -> set[str]:
        return {e["cine_person_id"]
                for e in self.open_at("ssd_cin_episodes", "cine_referral_date", "cine_close_date", at)}

    def cp_open(self, at: date) -> list[dict]:
        return self.open_at("ssd_cp_plans", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date", at)


@lru_cache(maxsize=2)
def _source(url: str) -> Source:
    return Source(url)


def window_start(period_end: date) -> date:
    month = period_end.year * 12 + period_end.month - 1 - 11
    return date(month // 12, month % 12 + 1, 1)


def fiscal_year_start(d: date) -> date:
    return date(d.year if d.month >= 4 else d.year - 1, 4, 1)


# ---- running a report ------------------------------------------------------------------------------
def run(catalogue, url: str, report_id: str, run_date: date, tmp_path, monkeypatch):
    """run_report (CSV only) for the latest complete period at run_date; returns period, rows, result."""
    definition = catalogue.get(report_id)
    period = latest_complete_period(definition.spec.cadence, run_date)
    captured = {}

    def spy(*args, **kwargs):  # keep the typed rows run_report extracted, to check them here
        captured["extract"] = run_extract(*args, **kwargs)
        return captured["extract"]

    monkeypatch.setattr(runner, "run_extract", spy)
    engine = create_engine(url)
    try:
        result = runner.run_report(definition, engine, period, period.end, formats=["csv"], archive_root=tmp_path)
    finally:
        engine.dispose()
    assert result.rows == len(captured["extract"].rows)
    assert (result.folder / f"{report_id}.csv").exists()
    return period, captured["extract"].rows, result


# ---- one independent check per report --------------------------------------------------------------
def check_strategy_to_icpc_working_days(src: Source, p, rows):
    icpcs = [i for i in src.rows("ssd_initial_cp_conference") if p.start <= i["icpc_icpc_date"] <= p.end]
    on_time = 0
    for i in icpcs:
        starts = [s["stra_start_date"] for s in src.rows("ext_strategy_discussions")
                  if s["stra_person_id"] == i["icpc_person_id"] and s["stra_referral_id"] == i["icpc_referral_id"]
                  and s["stra_start_date"] is not None and s["stra_start_date"] <= i["icpc_icpc_date"]]
        if starts and src.wd_between(max(starts), i["icpc_icpc_date"]) <= 15:
            on_time += 1
    in_period = [r for r in rows if r["in_period"]]
    assert len(in_period) == len(icpcs) > 0
    assert sum(r["status"] == "Within 15 working days" for r in in_period) == on_time
    assert {r["band"] for r in rows} <= {"0-10", "11-15", "16-20", "21+", "Not known"}


def _fy_assessments(src, p):
    start = fiscal_year_start(p.end)
    return [a for a in src.rows("ssd_cin_assessments")
            if a["cina_assessment_auth_date"] is not None and start <= a["cina_assessment_auth_date"] <= p.end]


def check_assessment_factors_consistency(src, p, rows):
    forms = {f["cinf_assessment_id"]: json.loads(f["cinf_assessment_factors_json"] or "[]")
             for f in src.rows("ssd_assessment_factors")}
    expected = {a["cina_assessment_id"] for a in _fy_assessments(src, p) if a["cina_assessment_id"] in forms
                and (not forms[a["cina_assessment_id"]] or set(forms[a["cina_assessment_id"]]) - DFE_FACTORS)}
    assert {r["assessment_id"] for r in rows} == expected and expected


def check_assessment_factors_not_created(src, p, rows):
    forms = {f["cinf_assessment_id"] for f in src.rows("ssd_assessment_factors")}
    expected = {a["cina_assessment_id"] for a in _fy_assessments(src, p) if a["cina_assessment_id"] not in forms}
    assert {r["assessment_id"] for r in rows} == expected and expected
    assert all(r["worker_name"] and r["team_manager_name"] for r in rows)


def check_cf_assessment_timescales(src, p, rows):
    referrals = {e["cine_referral_id"]: e["cine_referral_date"] for e in src.rows("ssd_cin_episodes")}
    done = [a for a in src.rows("ssd_cin_assessments")
            if a["cina_assessment_auth_date"] is not None and p.start <= a["cina_assessment_auth_date"] <= p.end]
    on_time = sum(src.wd_between(referrals.get(a["cina_referral_id"]) or a["cina_assessment_start_date"],
                                 a["cina_assessment_auth_date"]) <= 45 for a in done)
    in_period = [r for r in rows if r["in_period"]]
    assert len(in_period) == len(done) > 0
    assert sum(r["status"] == "Within 45 working days" for r in in_period) == on_time


def check_cp_known_to_housing(src, p, rows):
    on_plan = {c["cppl_person_id"] for c in src.cp_open(p.end)}
    housed = {h["hous_person_id"] for h in src.open_at("ext_housing_flags", "hous_start_date", "hous_end_date", p.end)}
    assert {r["person_id"] for r in rows} == on_plan & housed and rows


def check_cp_last_month_to_tavistock(src, p, rows):
    plans = [c for c in src.rows("ssd_cp_plans") if c["cppl_cp_plan_start_date"] <= p.end
             and (c["cppl_cp_plan_end_date"] is None or c["cppl_cp_plan_end_date"] >= p.start)]
    assert len(rows) == len(plans) > 0
    assert sum(r["is_new"] for r in rows) == sum(p.start <= c["cppl_cp_plan_start_date"] for c in plans)


def check_cin_review_timescales(src, p, rows):
    due = [r for r in src.rows("ext_cin_reviews") if p.start <= r["cinr_due_date"] <= p.end]
    on_time = sum(r["cinr_review_date"] is not None and r["cinr_review_date"] <= min(r["cinr_due_date"], p.end)
                  for r in due)
    this = [r for r in rows if r["time_window"] == "This period"]
    assert len(this) == len(due) > 0
    assert sum(r["status"] == "Held on time" for r in this) == on_time


def check_cin_visits_timescales(src, p, rows):
    plans = {c["cinp_cin_plan_id"]: c for c in src.rows("ssd_cin_plans")
             if c["cinp_cin_plan_start_date"] <= p.end
             and (c["cinp_cin_plan_end_date"] is None or c["cinp_cin_plan_end_date"] >= p.start)
             and (c["cinp_cin_plan_end_date"] is None or c["cinp_cin_plan_end_date"] >= c["cinp_cin_plan_start_date"])}
    assert {r["cin_plan_id"] for r in rows} == set(plans) and plans
    by_person: dict[str, list[date]] = {}
    for v in src.rows("ssd_cin_visits"):
        if v["cinv_cin_visit_seen"] == "Y":  # a visit counts only when the child was seen
            by_person.setdefault(v["cinv_person_id"], []).append(v["cinv_cin_visit_date"])
    visits = sum(1 for c in plans.values() for d in by_person.get(c["cinp_person_id"], [])
                 if c["cinp_cin_plan_start_date"] < d and p.start <= d <= p.end
                 and (c["cinp_cin_plan_end_date"] is None or d <= c["cinp_cin_plan_end_date"]))
    assert sum(r["visits_in_period"] for r in rows) == visits


def _plus_months(d: date, n: int) -> date:
    import calendar

    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _review_due_by_regulation(src, held_by: date) -> dict:
    """Review id -> due date under Working Together: the plan's first review 3 months after its ICPC,
    each later one 6 months after the review before (reviews held up to `held_by`)."""
    icpc = {}
    for i in src.rows("ssd_initial_cp_conference"):
        if i["icpc_cp_plan_id"] and i["icpc_icpc_date"]:
            icpc[i["icpc_cp_plan_id"]] = min(i["icpc_icpc_date"], icpc.get(i["icpc_cp_plan_id"], date.max))
    start = {c["cppl_cp_plan_id"]: c["cppl_cp_plan_start_date"] for c in src.rows("ssd_cp_plans")}
    by_plan: dict = {}
    for r in src.rows("ssd_cp_reviews"):
        if r["cppr_cp_review_date"] is not None and r["cppr_cp_review_date"] <= held_by:
            by_plan.setdefault(r["cppr_cp_plan_id"], []).append(r)
    due = {}
    for plan, held in by_plan.items():
        held.sort(key=lambda r: (r["cppr_cp_review_date"], r["cppr_cp_review_id"]))
        for n, r in enumerate(held):
            due[r["cppr_cp_review_id"]] = (_plus_months(icpc.get(plan, start[plan]), 3) if n == 0
                                           else _plus_months(held[n - 1]["cppr_cp_review_date"], 6))
    return due


def check_cp_conferences_on_time(src, p, rows):
    regulation = _review_due_by_regulation(src, _plus_months(p.end, 1))
    due = [(i["icpc_icpc_target_date"], i["icpc_icpc_date"]) for i in src.rows("ssd_initial_cp_conference")]
    due += [(regulation.get(r["cppr_cp_review_id"], r["cppr_cp_review_due"]), r["cppr_cp_review_date"])
            for r in src.rows("ssd_cp_reviews")]
    due = [(d, h) for d, h in due if d is not None and p.start <= d <= p.end]
    on_time = sum(h is not None and h <= p.end and h <= d for d, h in due)
    this = [r for r in rows if r["due_in_period"]]
    assert len(this) == len(due) > 0
    assert sum(r["status"] == "Held on time" for r in this) == on_time


def check_cp_visit_compliance_monthly(src, p, rows):
    plans = {c["cppl_cp_plan_id"] for c in src.rows("ssd_cp_plans") if c["cppl_cp_plan_start_date"] <= p.end
             and (c["cppl_cp_plan_end_date"] is None or c["cppl_cp_plan_end_date"] >= p.start)}
    assert {r["cp_plan_id"] for r in rows} == plans and plans
    visits = sum(1 for v in src.rows("ssd_cp_visits") if v["cppv_cp_plan_id"] in plans
                 and p.start <= v["cppv_cp_visit_date"] <= p.end and v["cppv_cp_visit_seen"] == "Y")
    assert sum(r["visits_in_period"] for r in rows) == visits


def check_cp_plan_durations(src, p, rows):
    open_now = src.cp_open(p.end)
    ended = [c for c in src.rows("ssd_cp_plans") if c["cppl_cp_plan_end_date"] is not None
             and p.start <= c["cppl_cp_plan_end_date"] <= p.end]
    assert sum(r["is_open"] for r in rows) == len(open_now) > 0
    assert len(rows) == len(open_now) + len(ended)
    longest = max((p.end - c["cppl_cp_plan_start_date"]).days for c in open_now)
    assert max(r["duration_days"] for r in rows if r["is_open"]) == longest


def check_cp_visits_12_month_by_team(src, p, rows):
    totals = {r["month"]: r for r in rows if r["is_all_teams"]}
    assert len(totals) == 12
    month = p.end.strftime("%Y-%m")
    visits = sum(1 for v in src.rows("ssd_cp_visits") if p.start <= v["cppv_cp_visit_date"] <= p.end
                 and v["cppv_cp_visit_seen"] == "Y")
    assert totals[month]["visits"] == visits > 0
    assert totals[month]["children_on_plan"] == len({c["cppl_person_id"] for c in src.cp_open(p.end)})
    team_rows = [r for r in rows if not r["is_all_teams"] and r["month"] == month]
    assert sum(r["visits"] for r in team_rows) == visits


def check_allocations_by_worker_and_team(src, p, rows):
    allocation = src.allocation(p.end)
    allocated = src.open_cases(p.end) & set(allocation)
    assert {r["person_id"] for r in rows} == allocated and allocated
    caseloads = Counter(allocation[person]["invo_professional_id"] for person in allocated)
    assert max(r["worker_caseload"] for r in rows) == max(caseloads.values())


def check_open_case_durations(src, p, rows):
    assert {r["person_id"] for r in rows} == src.open_cases(p.end)
    assert rows


def check_episodes_not_copied_to_siblings(src, p, rows):
    referral_dates = {(e["cine_person_id"], e["cine_referral_date"]) for e in src.rows("ssd_cin_episodes")}
    families: dict[str, list[str]] = {}
    for f in src.rows("ssd_family"):
        families.setdefault(f["fami_family_id"], []).append(f["fami_person_id"])
    dob = {x["pers_person_id"]: x["pers_dob"] for x in src.rows("ssd_person")}

    def expected_to_have_it(child: str, day) -> bool:
        """Under 18 that day, and no episode of theirs already open (referred earlier, not closed before)."""
        adult = dob[child].replace(year=dob[child].year + 18) if (dob[child].month, dob[child].day) != (2, 29) \
            else dob[child].replace(year=dob[child].year + 18, day=28)
        already_open = any(e["cine_person_id"] == child and e["cine_referral_date"] < day
                           and (e["cine_close_date"] is None or e["cine_close_date"] >= day)
                           for e in src.rows("ssd_cin_episodes"))
        return day < adult and not already_open

    expected = {(fe["faep_episode_id"], sibling) for fe in src.rows("ext_family_episodes")
                if window_start(p.end) <= fe["faep_episode_date"] <= p.end
                for sibling in families.get(fe["faep_family_id"], [])
                if sibling != fe["faep_lead_person_id"] and (sibling, fe["faep_episode_date"]) not in referral_dates
                and expected_to_have_it(sibling, fe["faep_episode_date"])}
    assert {(r["family_episode_id"], r["person_id"]) for r in rows} == expected and expected


def check_cait_monthly_cp_figures(src, p, rows):
    figures = {r["figure"]: r for r in rows}
    assert figures["Children on a CP plan at month end"]["this_period"] == len(
        {c["cppl_person_id"] for c in src.cp_open(p.end)})
    assert figures["CP plans started"]["this_period"] == sum(
        p.start <= c["cppl_cp_plan_start_date"] <= p.end for c in src.rows("ssd_cp_plans"))
    assert figures["Section 47 enquiries started"]["this_period"] == sum(
        p.start <= s["s47e_s47_start_date"] <= p.end for s in src.rows("ssd_s47_enquiry"))
    assert set(catalogue_spec("cait_monthly_cp_figures").partner_columns) == {
        "section", "figure", "this_period", "last_12_months"}


def check_open_cases_information_gaps(src, p, rows):
    open_cases = src.open_cases(p.end)
    no_ethnicity = {x["pers_person_id"] for x in src.rows("ssd_person")
                    if x["pers_person_id"] in open_cases and x["pers_ethnicity"] is None}
    assert {r["person_id"] for r in rows if r["gap"] == "Ethnicity not recorded"} == no_ethnicity and no_ethnicity
    unallocated = open_cases - set(src.allocation(p.end))
    assert {r["person_id"] for r in rows if r["gap"] == "No allocated worker"} == unallocated


def check_quality_audit_compliance(src, p, rows):
    due = [a for a in src.rows("ext_case_audits") if a["audi_audit_type"] != "compliance"
           and p.start <= a["audi_due_date"] <= p.end]
    assert len(rows) == len(due) > 0
    on_time = sum(a["audi_completed_date"] is not None and a["audi_completed_date"] <= min(a["audi_due_date"], p.end)
                  for a in due)
    assert sum(r["status"] == "Completed on time" for r in rows) == on_time


def check_case_supervision_compliance(src, p, rows):
    allocation = src.allocation(p.end)
    allocated = {x for x in src.open_cases(p.end) & set(allocation) if allocation[x]["invo_professional_team"]}
    assert {r["person_id"] for r in rows} == allocated and allocated
    last: dict[str, date] = {}
    for s in src.rows("ext_case_supervisions"):
        if s["casu_supervision_date"] <= p.end:
            last[s["casu_person_id"]] = max(last.get(s["casu_person_id"], date.min), s["casu_supervision_date"])
    within = sum((p.end - last.get(x, allocation[x]["invo_involvement_start_date"])).days <= 35 for x in allocated)
    assert sum(r["status"] == "Within standard" for r in rows) == within


def check_compliance_audit_monitoring(src, p, rows):
    due = [a for a in src.rows("ext_case_audits") if a["audi_audit_type"] == "compliance"
           and p.start <= a["audi_due_date"] <= p.end]
    assert len(rows) == len(due) > 0
    outstanding = sum(a["audi_completed_date"] is None or a["audi_completed_date"] > p.end for a in due)
    assert sum(r["is_outstanding"] for r in rows) == outstanding


def check_cp_conference_child_participation(src, p, rows):
    codes = Counter(r["cppr_cp_review_participation"] for r in src.rows("ssd_cp_reviews")
                    if r["cppr_cp_review_date"] is not None and p.start <= r["cppr_cp_review_date"] <= p.end
                    and r["cppr_cp_review_participation"] is not None)
    assert {r["code"]: r["conferences"] for r in rows if r["conferences"]} == dict(codes) and codes


def check_cp_conference_agency_attendance(src, p, rows):
    attended = Counter(a["atte_agency"] for a in src.rows("ext_cp_conference_attendance")
                       if p.start <= a["atte_conference_date"] <= p.end and bool(a["atte_attended"]))
    got = Counter()
    for r in rows:
        got[r["agency"]] += r["attended"]
    assert got == attended and attended


def check_child_deaths_quarterly(src, p, rows):
    deaths = {d["chde_id"] for d in src.rows("ext_child_deaths") if p.start <= d["chde_notification_date"] <= p.end}
    assert {r["death_id"] for r in rows} == deaths and deaths
    assert set(catalogue_spec("child_deaths_quarterly").partner_columns).isdisjoint({"child_name", "person_id"})


def check_quality_audit_findings(src, p, rows):
    audits = {a["audi_audit_id"] for a in src.rows("ext_case_audits")
              if a["audi_completed_date"] is not None and p.start <= a["audi_completed_date"] <= p.end}
    findings = [f for f in src.rows("ext_audit_findings") if f["aufi_audit_id"] in audits]
    assert len(rows) == len(findings) > 0
    assert sum(r["is_strength"] for r in rows) == sum(f["aufi_judgement"] == "Strength" for f in findings)


def check_workforce_profile(src, p, rows):
    staff = [s for s in src.rows("ext_staff") if s["staf_role"] == "SW"]
    in_post = [s for s in staff if s["staf_start_date"] <= p.end
               and (s["staf_leave_date"] is None or s["staf_leave_date"] > p.end)]
    sw = [r for r in rows if r["role"] == "SW"]
    assert sum(r["headcount"] for r in sw) == len(in_post) > 0
    assert sum(r["agency_headcount"] for r in sw) == sum(bool(s["staf_is_agency"]) for s in in_post)
    assert sum(r["leavers"] for r in sw) == sum(s["staf_leave_date"] is not None
                                                and p.start <= s["staf_leave_date"] <= p.end for s in staff)
    funded = {(e["esta_team_id"], e["esta_role"]): e["esta_funded_fte"] for e in src.rows("ext_establishment")}
    assert sum(r["funded_fte"] or 0 for r in sw) == pytest.approx(
        sum(v for (_, role), v in funded.items() if role == "SW"))


def check_home_educated_children(src, p, rows):
    ehe = {h["hoed_person_id"] for h in src.open_at("ext_home_education", "hoed_start_date", "hoed_end_date", p.end)}
    known = {e["cine_person_id"] for e in src.rows("ssd_cin_episodes") if e["cine_referral_date"] <= p.end}
    assert {r["person_id"] for r in rows} == ehe & known and rows
    assert {r["person_id"] for r in rows if r["is_open_case"]} == ehe & src.open_cases(p.end)


def check_open_cases_by_school(src, p, rows):
    schools = {s["scho_urn"] for s in src.rows("ext_schools")
               if bool(s["scho_is_maintained"]) and bool(s["scho_in_borough"])}
    current: dict[str, tuple] = {}
    for r in src.open_at("ext_school_roll", "roll_start_date", "roll_end_date", p.end):
        key = (r["roll_start_date"], r["roll_roll_id"])
        if r["roll_person_id"] not in current or key > current[r["roll_person_id"]][0]:
            current[r["roll_person_id"]] = (key, r["roll_urn"])
    open_cases = src.open_cases(p.end)
    expected = Counter(urn for person, (_, urn) in current.items() if person in open_cases and urn in schools)
    assert Counter(r["school_urn"] for r in rows) == expected and expected
    assert slice_keys(catalogue_spec("open_cases_by_school"), rows) == sorted(expected)


def front_door_children(src, p) -> set[str]:
    kinds = {t["team_team_id"]: t["team_kind"] for t in src.rows("ext_teams")}
    children = {c["cont_person_id"] for c in src.rows("ssd_contacts") if p.start <= c["cont_contact_date"] <= p.end}
    children |= {e["cine_person_id"] for e in src.rows("ssd_cin_episodes")
                 if p.start <= e["cine_referral_date"] <= p.end and kinds.get(e["cine_referral_team"]) == "MASH"}
    children |= {a["cina_person_id"] for a in src.rows("ssd_cin_assessments")
                 if p.start <= a["cina_assessment_start_date"] <= p.end
                 and kinds.get(a["cina_assessment_team"]) == "BIT"}
    return children


def check_front_door_audit_sample(src, p, rows):
    assert rows == []  # September is not a front-door audit month: nothing to send


CHECKS = {name.removeprefix("check_"): fn for name, fn in globals().items() if name.startswith("check_")}
RUN_DATES = {"open_cases_by_school": date(2026, 9, 20)}  # twice termly: the summer half term


@lru_cache(maxsize=1)
def _catalogue():
    return load_catalogue()


def catalogue_spec(report_id: str):
    return _catalogue().get(report_id).spec


def test_all_28_reports_are_defined():
    assert len(CHECKS) == 28
    cat = _catalogue()
    assert not [e for e in cat.errors if e.path.stem in CHECKS]
    assert set(CHECKS) <= set(cat.reports)


@pytest.mark.parametrize("report_id", sorted(CHECKS))
@pytest.mark.parametrize("seeded_url", ENGINES, indirect=True)
def test_report_headline_figures(seeded_url, report_id, tmp_path, monkeypatch):
    run_date = RUN_DATES.get(report_id, RUN)
    if report_id == "child_deaths_quarterly":
        # deaths are rare (a few a year): run for the latest quarter that had a notification
        notified = max(d["chde_notification_date"] for d in _source(seeded_url).rows("ext_child_deaths")
                       if d["chde_notification_date"] <= RUN)
        quarter_end_month = ((notified.month - 1) // 3 + 1) * 3
        run_date = date(notified.year + (quarter_end_month == 12), quarter_end_month % 12 + 1, 15)
    period, rows, result = run(_catalogue(), seeded_url, report_id, run_date, tmp_path, monkeypatch)
    CHECKS[report_id](_source(seeded_url), period, rows)
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"] == len(rows)


# ---- the samples ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seeded_url", ENGINES, indirect=True)
def test_front_door_audit_sample_in_an_audit_month(seeded_url, tmp_path, monkeypatch):
    src = _source(seeded_url)
    period, rows, result = run(_catalogue(), seeded_url, "front_door_audit_sample", date(2026, 7, 1), tmp_path,
                               monkeypatch)
    assert (period.start, period.end) == (date(2026, 6, 1), date(2026, 6, 30))  # June: a front-door month
    population = front_door_children(src, period)
    assert len(rows) == min(30, len(population)) == 30
    assert {r["person_id"] for r in rows} <= population
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sample"]["population"] == len(population)
    _, again, _ = run(_catalogue(), seeded_url, "front_door_audit_sample", date(2026, 7, 1), tmp_path / "again",
                      monkeypatch)
    assert [r["person_id"] for r in again] == [r["person_id"] for r in rows]


@pytest.mark.parametrize("seeded_url", ENGINES, indirect=True)
def test_moderation_sample(seeded_url, tmp_path, monkeypatch):
    src = _source(seeded_url)
    # April-May 2026: a dip sample and a practice week, so there are audits of every grade
    period, rows, result = run(_catalogue(), seeded_url, "quality_audit_compliance", date(2026, 7, 1), tmp_path,
                               monkeypatch)
    audits = {a["audi_audit_id"]: a for a in src.rows("ext_case_audits") if a["audi_audit_type"] != "compliance"
              and period.start <= a["audi_due_date"] <= period.end}
    completed = {k for k, a in audits.items() if a["audi_completed_date"] is not None
                 and a["audi_completed_date"] <= period.end}
    sampled = {r["audit_id"] for r in rows if r["in_moderation_sample"]}
    extremes = {k for k in completed if audits[k]["audi_grade"] in ("Inadequate", "Outstanding")}
    assert extremes and extremes <= sampled
    assert sampled <= completed
    assert len(sampled - extremes) >= math.ceil(0.10 * len(completed))
    assert {audits[k]["audi_grade"] for k in sampled} >= {"Good", "Requires Improvement"}
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sample"]["selected"] == len(sampled)
    assert manifest["sample"]["seed"] and manifest["sample"]["eligible"] == len(completed)
    # the same period again: the same sample
    _, again, _ = run(_catalogue(), seeded_url, "quality_audit_compliance", date(2026, 7, 1), tmp_path / "again",
                      monkeypatch)
    assert {r["audit_id"] for r in again if r["in_moderation_sample"]} == sampled
    # another period end over the same rows: a different draw
    rule = catalogue_spec("quality_audit_compliance").sample
    other, record = apply_sample(rule, "quality_audit_compliance", period.end + timedelta(days=61),
                                 [{**r, "in_moderation_sample": 0} for r in rows])
    assert {r["audit_id"] for r in other if r["in_moderation_sample"]} != sampled
    assert extremes <= {r["audit_id"] for r in other if r["in_moderation_sample"]}
    assert record["seed"] != manifest["sample"]["seed"]
