"""The 12 weekly and fortnightly reports, on SQLite and PostgreSQL.

Each report runs for its latest complete period at the seed's as-at date (2026-10-26) and at
least one headline figure is checked against a count computed here, in Python, from the raw
rows of the source tables: never by re-running the report's own SQL. Working days are counted
from the calendar's working-day flags (weekends and bank holidays), not its running numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import pytest
from published_rows import published_rows
from sqlalchemy import create_engine, text

from reporting.definitions import load_catalogue
from reporting.runner import run_report
from reporting.schedules.periods import latest_complete_period

AS_AT = date(2026, 10, 26)

REPORTS = [
    "missing_children_weekly", "cp_out_of_borough", "cp_visits_due_next_week", "cp_conferences_incomplete",
    "cp_lists_to_agencies", "cp_last_visit_seen_alone", "icpc_first_review_timeliness",
    "rcpc_next_review_timeliness", "strategy_discussions_incomplete", "assessments_in_progress_working_days",
    "allocations_caseload_per_team", "cin_visits_due",
]

ENGINES = [
    pytest.param("sqlite", id="sqlite", marks=pytest.mark.xdist_group("sqlite_seed")),
    pytest.param("postgresql", id="postgresql", marks=[pytest.mark.xdist_group("pg_seed"), pytest.mark.postgres]),
]


# ---- raw source rows -----------------------------------------------------------------------------
def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class Source:
    """Raw table rows of one seeded database, with dates as `date`, loaded lazily and cached."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        self._tables: dict[str, list[dict]] = {}
        self._working: list[date] | None = None

    def rows(self, table: str) -> list[dict]:
        if table not in self._tables:
            with self.engine.connect() as conn:
                result = conn.execute(text(f"select * from {table}"))
                rows = [dict(r._mapping) for r in result]
            for row in rows:
                for key, value in row.items():
                    if key.endswith("_date") or key.endswith("_dob") or key.endswith("_due") or "_date_" in key:
                        row[key] = _date(value)
            self._tables[table] = rows
        return self._tables[table]

    # working days from the calendar's flags only
    def working_days(self) -> list[date]:
        if self._working is None:
            with self.engine.connect() as conn:
                flags = conn.execute(text("select cal_date, cal_is_working_day from ext_calendar")).fetchall()
            self._working = sorted(_date(d) for d, flag in flags if bool(flag))
        return self._working

    def working_count(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        return sum(1 for d in self.working_days() if start < d <= end)

    def add_working_days(self, start: date, n: int) -> date:
        after = [d for d in self.working_days() if d > start]
        return after[n - 1]


@lru_cache(maxsize=4)
def _source(url: str) -> Source:
    return Source(url)


def add_months(d: date, n: int) -> date:
    month = d.month - 1 + n
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, min(d.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def open_on(start, end, at: date) -> bool:
    return start is not None and start <= at and (end is None or end > at)


def open_cp_plans(src: Source, at: date) -> list[dict]:
    return [p for p in src.rows("ssd_cp_plans")
            if open_on(p["cppl_cp_plan_start_date"], p["cppl_cp_plan_end_date"], at)]


def allocations(src: Source, at: date) -> dict[str, dict]:
    """person -> the most recent involvement open on `at`."""
    best: dict[str, dict] = {}
    for inv in src.rows("ssd_involvements"):
        if not open_on(inv["invo_involvement_start_date"], inv["invo_involvement_end_date"], at):
            continue
        key = (inv["invo_involvement_start_date"], inv["invo_involvements_id"])
        current = best.get(inv["invo_person_id"])
        if current is None or key > (current["invo_involvement_start_date"], current["invo_involvements_id"]):
            best[inv["invo_person_id"]] = inv
    return best


# ---- independent headline figures, one function per report ------------------------------------
# Each returns {figure name: (expected value, function of the report rows giving the actual value)}.
def expect_missing_children_weekly(src, period, at):
    episodes = [m for m in src.rows("ssd_missing") if m["miss_missing_episode_start_date"] <= at
                and (m["miss_missing_episode_end_date"] is None or m["miss_missing_episode_end_date"] >= period.start)]
    still = [m for m in episodes
             if m["miss_missing_episode_end_date"] is None or m["miss_missing_episode_end_date"] > at]
    return {"episodes in the week": (len(episodes), len),
            "still missing": (len(still), lambda rows: sum(r["is_missing"] for r in rows)),
            # no return home interview is due before a return, whatever the record holds
            "still missing with an interview shown": (0, lambda rows: sum(
                (r["rhi_offered"], r["rhi_accepted"]) != ("Not returned", "Not returned") for r in rows
                if r["is_missing"]))}


def expect_cp_out_of_borough(src, period, at):
    on_plan = {p["cppl_person_id"] for p in open_cp_plans(src, at)}
    geography = {g["adge_address_id"]: bool(g["adge_in_borough"]) for g in src.rows("ext_address_geography")}
    latest: dict[str, dict] = {}
    for a in src.rows("ssd_address"):
        if a["addr_person_id"] in on_plan and open_on(a["addr_address_start_date"], a["addr_address_end_date"], at):
            cur = latest.get(a["addr_person_id"])
            if cur is None or (a["addr_address_start_date"], a["addr_table_id"]) > \
                    (cur["addr_address_start_date"], cur["addr_table_id"]):
                latest[a["addr_person_id"]] = a
    out = {p for p, a in latest.items() if geography.get(a["addr_table_id"]) is False}
    # the category of abuse in words (Working Together's names), never the case system's code (EMO)
    named = {"Neglect", "Physical abuse", "Sexual abuse", "Emotional abuse", "Multiple"}
    return {"children out of borough": (sorted(out), lambda rows: sorted(r["person_id"] for r in rows)),
            "categories not in words": ([], lambda rows: sorted({r["category"] for r in rows} - named))}


def _cp_visit_due(src, at, gap):
    plans = open_cp_plans(src, at)
    last: dict[str, date] = {}
    for v in src.rows("ssd_cp_visits"):
        if v["cppv_cp_visit_date"] <= at and v["cppv_cp_visit_seen"] == "Y":  # only a visit with the child seen
            pid = v["cppv_cp_plan_id"]
            last[pid] = max(last.get(pid, v["cppv_cp_visit_date"]), v["cppv_cp_visit_date"])
    return {p["cppl_person_id"]: src.add_working_days(last.get(p["cppl_cp_plan_id"], p["cppl_cp_plan_start_date"]), gap)
            for p in plans}


def expect_cp_visits_due_next_week(src, period, at):
    due = _cp_visit_due(src, at, 10)
    overdue = sum(1 for d in due.values() if d < at)  # overdue once the due date has passed
    listed = sum(1 for d in due.values() if d <= at + timedelta(days=7))
    # days overdue: calendar days since the due date (a visit due on Friday 23 Oct is 2 days overdue on the
    # Sunday), none for a visit not yet due
    days = sorted((at - d).days for d in due.values() if d < at)
    return {"visits due": (listed, len), "overdue": (overdue, lambda rows: sum(r["is_overdue"] for r in rows)),
            "days overdue": (days, lambda rows: sorted(r["days_overdue"] for r in rows if r["is_overdue"])),
            "not yet due, no days overdue": (0, lambda rows: sum(
                1 for r in rows if not r["is_overdue"] and r["days_overdue"] is not None))}


def expect_cp_conferences_incomplete(src, period, at):
    open_plans = {p["cppl_cp_plan_id"] for p in open_cp_plans(src, at)}
    rcpc = [r for r in src.rows("ssd_cp_reviews") if r["cppr_cp_plan_id"] in open_plans and (
        (r["cppr_cp_review_date"] is not None and r["cppr_cp_review_date"] <= at
         and r["cppr_cp_review_outcome_continue_cp"] is None)
        or ((r["cppr_cp_review_date"] is None or r["cppr_cp_review_date"] > at) and r["cppr_cp_review_due"] < at))]
    nfa = {s["s47e_s47_enquiry_id"] for s in src.rows("ssd_s47_enquiry") if s["s47e_s47_nfa"] == "Y"}
    icpc = []
    for i in src.rows("ssd_initial_cp_conference"):
        held = i["icpc_icpc_date"] is not None and i["icpc_icpc_date"] <= at
        if held and (i["icpc_icpc_outcome_cp_flag"] is None or i["icpc_icpc_outcome_json"] is None
                     or (i["icpc_icpc_outcome_cp_flag"] == "Y" and i["icpc_cp_plan_id"] is None)):
            icpc.append(i)
        elif not held and i["icpc_icpc_target_date"] < at and i["icpc_s47_enquiry_id"] not in nfa:
            icpc.append(i)
    not_held = sum(1 for r in rcpc if r["cppr_cp_review_date"] is None or r["cppr_cp_review_date"] > at)
    return {"incomplete conferences": (len(rcpc) + len(icpc), len),
            "RCPC past due with no date": (not_held, lambda rows: sum(
                1 for r in rows if r["conference_type"] == "RCPC" and r["is_not_held"]))}


def expect_cp_lists_to_agencies(src, period, at):
    people = sorted({p["cppl_person_id"] for p in open_cp_plans(src, at)})
    new = sum(1 for p in open_cp_plans(src, at) if p["cppl_cp_plan_start_date"] >= period.start)
    # the rows with on_list 0 are plans ended in the week (the first page's changes table), not the list
    ended = sorted({p["cppl_person_id"] for p in src.rows("ssd_cp_plans")
                    if p["cppl_cp_plan_end_date"] is not None
                    and period.start <= p["cppl_cp_plan_end_date"] <= period.end} - set(people))
    return {"children on a plan": (people, lambda rows: sorted(r["person_id"] for r in rows if r["on_list"])),
            "new this week": (new, lambda rows: sum(r["is_new"] for r in rows)),
            "plans ended in the week": (ended, lambda rows: sorted(r["person_id"] for r in rows if not r["on_list"]))}


def expect_cp_last_visit_seen_alone(src, period, at):
    plans = open_cp_plans(src, at)
    last: dict[str, dict] = {}
    for v in src.rows("ssd_cp_visits"):
        if v["cppv_cp_visit_date"] <= at:
            cur = last.get(v["cppv_cp_plan_id"])
            if cur is None or ((v["cppv_cp_visit_date"], v["cppv_cp_visit_id"])
                               > (cur["cppv_cp_visit_date"], cur["cppv_cp_visit_id"])):
                last[v["cppv_cp_plan_id"]] = v
    alone = sum(1 for p in plans if last.get(p["cppl_cp_plan_id"], {}).get("cppv_cp_visit_seen_alone") == "Y")
    # a visit is overdue on the same rule as the visits-due list: its due date has passed
    overdue = sum(1 for d in _cp_visit_due(src, at, 10).values() if d < at)
    return {"children on a plan": (len(plans), len),
            "seen alone at last visit": (alone, lambda rows: sum(r["is_seen_alone_last"] for r in rows)),
            "visit overdue": (overdue, lambda rows: sum(r["is_visit_overdue"] for r in rows))}


def expect_icpc_first_review_timeliness(src, period, at):
    icpcs = [i for i in src.rows("ssd_initial_cp_conference") if i["icpc_icpc_outcome_cp_flag"] == "Y"
             and i["icpc_icpc_date"] is not None and at - timedelta(days=365) < i["icpc_icpc_date"] <= at]
    first: dict[str, date] = {}
    for r in src.rows("ssd_cp_reviews"):
        if r["cppr_cp_review_date"] is not None and r["cppr_cp_review_date"] <= at:
            pid = r["cppr_cp_plan_id"]
            first[pid] = min(first.get(pid, r["cppr_cp_review_date"]), r["cppr_cp_review_date"])
    on_time = sum(1 for i in icpcs if i["icpc_cp_plan_id"] in first
                  and first[i["icpc_cp_plan_id"]] <= add_months(i["icpc_icpc_date"], 3))
    return {"ICPCs": (len(icpcs), len),
            "first review on time": (on_time, lambda rows: sum(r["is_on_time"] for r in rows))}


def expect_rcpc_next_review_timeliness(src, period, at):
    reviews = src.rows("ssd_cp_reviews")
    held = defaultdict(list)
    for r in reviews:
        if r["cppr_cp_review_date"] is not None and r["cppr_cp_review_date"] <= at:
            held[r["cppr_cp_plan_id"]].append(r["cppr_cp_review_date"])
    counted = [r for r in reviews if r["cppr_cp_review_outcome_continue_cp"] == "Y"
               and r["cppr_cp_review_date"] is not None
               and at - timedelta(days=365) < r["cppr_cp_review_date"] <= at]
    on_time = late = 0
    for r in counted:
        later = [d for d in held[r["cppr_cp_plan_id"]] if d > r["cppr_cp_review_date"]]
        if later and min(later) <= add_months(r["cppr_cp_review_date"], 6):
            on_time += 1
        elif later:  # the next review held, after the 6 months
            late += 1
    return {"reviews": (len(counted), len),
            "next review on time": (on_time, lambda rows: sum(r["is_on_time"] for r in rows)),
            "next review held late": (late, lambda rows: sum(r["is_held_late"] for r in rows))}


def expect_strategy_discussions_incomplete(src, period, at):
    rows = [s for s in src.rows("ext_strategy_discussions") if s["stra_requested_date"] <= at
            and (s["stra_completed_date"] is None or s["stra_completed_date"] > at)]
    not_started = sum(1 for s in rows if s["stra_start_date"] is None or s["stra_start_date"] > at)
    return {"incomplete": (sorted(s["stra_strategy_id"] for s in rows),
                           lambda out: sorted(r["strategy_id"] for r in out)),
            "not started": (not_started, lambda out: sum(r["is_not_started"] for r in out))}


def expect_assessments_in_progress_working_days(src, period, at):
    rows = [a for a in src.rows("ssd_cin_assessments") if a["cina_assessment_start_date"] <= at
            and (a["cina_assessment_auth_date"] is None or a["cina_assessment_auth_date"] > at)]
    over_45 = sum(1 for a in rows if src.working_count(a["cina_assessment_start_date"], at) > 45)
    per_team = Counter(a["cina_assessment_team"] for a in rows)
    return {"in progress": (len(rows), len),
            "over 45 working days": (over_45, lambda out: sum(r["is_over_45"] for r in out)),
            "per team": (dict(per_team), lambda out: dict(Counter(r["team_id"] for r in out)))}


def expect_allocations_caseload_per_team(src, period, at):
    open_people = {e["cine_person_id"] for e in src.rows("ssd_cin_episodes")
                   if open_on(e["cine_referral_date"], e["cine_close_date"], at)}
    held = Counter((inv["invo_professional_id"], inv["invo_professional_team"])
                   for person, inv in allocations(src, at).items() if person in open_people)
    return {"cases per worker": (dict(held),
                                 lambda rows: {(r["worker_id"], r["team_id"]): r["allocated_cases"] for r in rows}),
            "total allocated": (sum(held.values()), lambda rows: sum(r["allocated_cases"] for r in rows))}


def expect_cin_visits_due(src, period, at):
    plans = [p for p in src.rows("ssd_cin_plans")
             if open_on(p["cinp_cin_plan_start_date"], p["cinp_cin_plan_end_date"], at)]
    visits = defaultdict(list)
    for v in src.rows("ssd_cin_visits"):
        if v["cinv_cin_visit_date"] <= at and v["cinv_cin_visit_seen"] == "Y":  # only a visit with the child seen
            visits[v["cinv_person_id"]].append(v["cinv_cin_visit_date"])
    overdue = listed = 0
    days = []  # calendar days since each overdue visit's due date
    for p in plans:
        since = [d for d in visits[p["cinp_person_id"]] if d >= p["cinp_cin_plan_start_date"]]
        due = src.add_working_days(max(since) if since else p["cinp_cin_plan_start_date"], 20)
        listed += due <= at + timedelta(days=14)
        overdue += due < at
        days += [(at - due).days] if due < at else []
    return {"visits due": (listed, len), "overdue": (overdue, lambda rows: sum(r["is_overdue"] for r in rows)),
            "days overdue": (sorted(days), lambda rows: sorted(r["days_overdue"] for r in rows if r["is_overdue"]))}


EXPECTATIONS = {name.removeprefix("expect_"): fn for name, fn in globals().items() if name.startswith("expect_")}


def test_every_report_has_an_independent_figure():
    assert sorted(EXPECTATIONS) == sorted(REPORTS)
    catalogue = load_catalogue()
    assert not [e for e in catalogue.errors if e.path.stem in REPORTS]
    for report_id in REPORTS:
        catalogue.get(report_id)


@pytest.fixture
def seeded(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue({"sqlite": "seeded_sqlite_url", "postgresql": "seeded_pg_url"}[request.param])


@pytest.mark.parametrize("report_id", REPORTS)
@pytest.mark.parametrize("seeded", ENGINES, indirect=True)
def test_report_figures(seeded: str, report_id: str, tmp_path: Path):
    definition = load_catalogue().get(report_id)
    period = latest_complete_period(definition.spec.cadence, AS_AT)
    engine = create_engine(seeded)
    try:
        first = run_report(definition, engine, period, period.end, archive_root=tmp_path / "first")
        again = run_report(definition, engine, period, period.end, formats=["csv"], archive_root=tmp_path / "again")
        # the rows the report published, hidden flags included (the CSV shows only the shown columns)
        published = published_rows(definition, engine, period, period.end, first)
    finally:
        engine.dispose()

    assert first.rows > 0, f"{report_id} found nothing at {period.end}: its figures would prove nothing"
    assert Path(first.outputs["pdf"]).is_file() and Path(first.outputs["pdf"]).stat().st_size > 0
    assert first.content_hash == again.content_hash
    assert first.rows == again.rows

    rows = _rows(definition, Path(first.outputs["csv"]), published)
    assert len(rows) == first.rows
    for figure, (expected, actual) in EXPECTATIONS[report_id](_source(seeded), period, period.end).items():
        assert actual(rows) == expected, f"{report_id}: {figure}"


def _rows(definition, csv_path: Path, published: list[dict]) -> list[dict]:
    """The report's rows, typed as the definition says: the shown columns read back from its CSV,
    the hidden ones (`is_missing`, `is_overdue`, `team_id`, ...), which the CSV leaves out, from the
    rows it published (`published_rows` checked those are the rows rendered and the CSV shows them)."""
    import csv

    kinds = {c.label: (c.name, c.type) for c in definition.spec.columns if not c.hidden}
    hidden = [c.name for c in definition.spec.columns if c.hidden]
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        out = []
        for raw in reader:
            row = {}
            for label, value in raw.items():
                name, kind = kinds[label]
                if value == "":
                    row[name] = None
                elif kind == "int":
                    row[name] = int(value)
                else:
                    row[name] = value
            out.append(row)
    assert len(out) == len(published)
    for row, full in zip(out, published):
        row.update({name: full[name] for name in hidden})
    return out


@pytest.mark.parametrize("report_id", ["rcpc_next_review_timeliness", "icpc_first_review_timeliness"])
@pytest.mark.parametrize("seeded", ENGINES, indirect=True)
def test_a_review_not_yet_due_has_no_days_late(seeded: str, report_id: str):
    """A review not yet due showed "Days late 0", as if held on time; it is blank now. One held on
    time is 0 days late, one held late or overdue at least 1."""
    from reporting.extract import run_extract

    definition = load_catalogue().get(report_id)
    period = latest_complete_period(definition.spec.cadence, AS_AT)
    engine = create_engine(seeded)
    rows = run_extract(definition, engine, period_start=period.start, period_end=period.end, as_at=period.end).rows
    engine.dispose()
    by_status = defaultdict(set)
    for r in rows:
        by_status[r["status"]].add(r["days_late"])
    assert by_status["Not yet due"] == {None}
    assert by_status.get("Held on time", {0}) == {0}
    assert all(d is not None and d >= 1 for s in ("Held late", "Overdue") for d in by_status.get(s, ()))
