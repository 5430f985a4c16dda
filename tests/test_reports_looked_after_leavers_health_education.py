"""The 28 looked-after, care leaver, health, education, housing and CYPDS reports.

Each report is run with `run_report` (CSV only) against the seeded authority on SQLite and
PostgreSQL, and a headline figure read back from its CSV (a hidden flag column from the rows it
published, see `published_rows`) is compared with the same figure computed here in plain Python
over the raw table rows (never by re-running the report's SQL).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from conftest import SEED_AS_AT, SEEDED_DB_PARAMS
from published_rows import published_rows
from sqlalchemy import create_engine, text

from reporting.definitions import load_catalogue
from reporting.runner import run_report
from reporting.schedules.periods import latest_complete_period

TABLES = {
    "ssd_cla_episodes": "clae_person_id, clae_cla_id, clae_cla_episode_start_date, clae_cla_episode_ceased_date, "
                        "clae_cla_episode_ceased_reason, clae_entered_care_date, clae_cla_placement_id",
    "ssd_cla_reviews": "clar_cla_id, clar_cla_review_date, clar_cla_review_participation, clar_cla_review_cancelled",
    "ssd_legal_status": "lega_person_id, lega_legal_status, lega_legal_status_start_date, lega_legal_status_end_date",
    "ssd_cla_visits": "clav_person_id, clav_cla_visit_date, clav_cla_visit_seen",
    "ssd_cla_immunisations": "clai_person_id, clai_immunisations_status, clai_immunisations_status_date",
    "ssd_person": "pers_person_id, pers_dob, pers_send_flag, pers_death_date",
    "ssd_involvements": "invo_involvements_id, invo_person_id, invo_professional_team, invo_involvement_start_date, "
                        "invo_involvement_end_date",
    "ext_teams": "team_team_id, team_kind",
    "ext_placement_checks": "plch_placement_id, plch_checked_date",
    "ext_care_packages": "capa_placement_id, capa_start_date, capa_end_date",
    "ssd_care_leavers": "clea_person_id, clea_care_leaver_in_touch",
    "ext_care_leaver_contacts": "clco_person_id, clco_contact_date",
    "ext_homeless_16plus": "home_notification_id, home_notification_date",
    "ssd_missing": "miss_person_id, miss_missing_episode_start_date",
    "ext_lac_pregnancies": "preg_person_id, preg_notified_date",
    "ssd_cla_substance_misuse": "clas_person_id, clas_substance_misuse_date",
    "ssd_disability": "disa_person_id",
    "ssd_send": "send_table_id, send_person_id",
    "ssd_ehcp_requests": "ehcr_ehcp_request_id, ehcr_send_table_id",
    "ssd_ehcp_assessment": "ehca_ehcp_assessment_id, ehca_ehcp_request_id",
    "ssd_ehcp_named_plan": "ehcn_ehcp_asmt_id, ehcn_named_plan_start_date",
    "ext_cypds_reviews": "cypr_review_type, cypr_due_date",
    "ext_short_breaks": "shbr_person_id, shbr_start_date, shbr_end_date",
    "ext_cypds_assessments": "cypa_assessment_type, cypa_requested_date, cypa_completed_date",
}


def _d(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _months_before(d: date, n: int) -> date:
    """Same day n months earlier, or the last day of a shorter month."""
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    m += 1
    for day in range(d.day, 27, -1):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    return date(y, m, d.day)


class Raw:
    """The raw rows of the tables the expected figures are computed from."""

    def __init__(self, url: str):
        engine = create_engine(url)
        self.t: dict[str, list[dict]] = {}
        with engine.connect() as conn:
            for table, cols in TABLES.items():
                rows = conn.execute(text(f"select {cols} from {table}")).mappings().all()
                self.t[table] = [{k: (_d(v) if k.endswith(("_date", "_dob")) or k == "pers_dob" else v)
                                  for k, v in r.items()} for r in rows]
        engine.dispose()
        self.person = {p["pers_person_id"]: p for p in self.t["ssd_person"]}
        self.team_kind = {t["team_team_id"]: t["team_kind"] for t in self.t["ext_teams"]}
        self.short_break_spells: dict[str, list] = {}
        for s in self.t["ssd_legal_status"]:
            if s["lega_legal_status"] in ("V3", "V4"):
                self.short_break_spells.setdefault(s["lega_person_id"], []).append(
                    (s["lega_legal_status_start_date"], s["lega_legal_status_end_date"]))

    def short_breaks(self, person: str, d: date) -> bool:
        """Looked after only under an agreed series of short-term placements on d (legal status
        V3/V4): not counted as looked after (DfE)."""
        return any(start <= d and (end is None or end > d) for start, end in self.short_break_spells.get(person, ()))

    def lac_at(self, d: date) -> dict[str, dict]:
        return {e["clae_person_id"]: e for e in self.t["ssd_cla_episodes"]
                if e["clae_cla_episode_start_date"] <= d
                and (e["clae_cla_episode_ceased_date"] is None or e["clae_cla_episode_ceased_date"] > d)
                and not self.short_breaks(e["clae_person_id"], d)}

    def lac_between(self, start: date, end: date) -> set[str]:
        return {e["clae_person_id"] for e in self.t["ssd_cla_episodes"]
                if e["clae_cla_episode_start_date"] <= end
                and (e["clae_cla_episode_ceased_date"] is None or e["clae_cla_episode_ceased_date"] >= start)
                and not self.short_breaks(e["clae_person_id"], e["clae_cla_episode_start_date"])}

    def allocation(self, d: date) -> dict[str, str]:
        """person -> team of their latest open involvement on d."""
        best: dict[str, tuple] = {}
        for i in self.t["ssd_involvements"]:
            if i["invo_involvement_start_date"] <= d and (i["invo_involvement_end_date"] is None
                                                          or i["invo_involvement_end_date"] > d):
                key = (i["invo_involvement_start_date"], i["invo_involvements_id"])
                if i["invo_person_id"] not in best or key > best[i["invo_person_id"]][0]:
                    best[i["invo_person_id"]] = (key, i["invo_professional_team"])
        return {p: team for p, (_, team) in best.items()}

    def cypds_open(self, d: date) -> set[str]:
        return {p for p, team in self.allocation(d).items() if self.team_kind.get(team) == "CYPDS"}

    def age(self, person_id: str, on: date) -> int:
        return _age(self.person[person_id]["pers_dob"], on)


_RAW: dict[str, Raw] = {}


@pytest.fixture
def raw(seeded_url) -> Raw:
    if seeded_url not in _RAW:
        _RAW[seeded_url] = Raw(seeded_url)
    return _RAW[seeded_url]


def _between(d, start, end):
    return d is not None and start <= d <= end


# ---- expected headline figures, one function per report: (period, raw) -> {measure: value} ------
def exp_lac_review_timeliness(p, r):
    lac = r.lac_at(p.end)
    cla_ids = {e["clae_cla_id"] for e in lac.values()}
    person_of = {e["clae_cla_id"]: e["clae_person_id"] for e in r.t["ssd_cla_episodes"]}
    held = sum(1 for v in r.t["ssd_cla_reviews"]
               if v["clar_cla_id"] in cla_ids and _between(v["clar_cla_review_date"], p.start, p.end)
               and (v["clar_cla_review_cancelled"] or "N") != "Y"
               and not r.short_breaks(person_of[v["clar_cla_id"]], v["clar_cla_review_date"]))
    return {"rows": len(lac), "sum:reviews_in_period": held}


def exp_lac_visit_timeliness(p, r):
    lac = r.lac_at(p.end)
    visits = sum(1 for v in r.t["ssd_cla_visits"]  # a visit counts only when the child was seen
                 if v["clav_person_id"] in lac and _between(v["clav_cla_visit_date"], p.start, p.end)
                 and v["clav_cla_visit_seen"] == "Y")
    return {"rows": len(lac), "sum:visits_in_period": visits}


def exp_lac_review_participation(p, r):
    person_of = {e["clae_cla_id"]: e["clae_person_id"] for e in r.t["ssd_cla_episodes"]}
    held = [v for v in r.t["ssd_cla_reviews"] if _between(v["clar_cla_review_date"], p.start, p.end)
            and not r.short_breaks(person_of[v["clar_cla_id"]], v["clar_cla_review_date"])]
    return {"rows": len(held), "sum:participated": sum(v["clar_cla_review_participation"] in
                                                       ("PN1", "PN2", "PN3", "PN5", "PN6") for v in held)}


def exp_lac_health_overview(p, r):
    lac = r.lac_at(p.end)
    latest = {}
    for i in sorted(r.t["ssd_cla_immunisations"], key=lambda i: i["clai_immunisations_status_date"]):
        if i["clai_immunisations_status_date"] <= p.end:
            latest[i["clai_person_id"]] = i["clai_immunisations_status"]
    return {"rows": len(lac), "sum:immunised": sum(latest.get(pid) == "Y" for pid in lac)}


def exp_lac_placements_education_starters_leavers(p, r):
    starters = {e["clae_person_id"] for e in r.t["ssd_cla_episodes"]
                if _between(e["clae_entered_care_date"], p.start, p.end)
                and not r.short_breaks(e["clae_person_id"], e["clae_entered_care_date"])}
    return {"rows": len(r.lac_between(p.start, p.end)), "sum:is_starter": len(starters)}


def exp_lac_checked_placements(p, r):
    lac = r.lac_at(p.end)
    checked = {c["plch_placement_id"] for c in r.t["ext_placement_checks"] if c["plch_checked_date"] <= p.end}
    return {"rows": len(lac), "sum:is_unchecked": sum(e["clae_cla_placement_id"] not in checked for e in lac.values())}


def exp_lac_sen_ehcp_support(p, r):
    lac = r.lac_at(p.end)
    flags = [r.person[pid]["pers_send_flag"] for pid in lac]
    # An EHCP counts once the named plan has started by the period end (request -> assessment -> plan).
    person_of_send = {s["send_table_id"]: s["send_person_id"] for s in r.t["ssd_send"]}
    person_of_request = {q["ehcr_ehcp_request_id"]: person_of_send[q["ehcr_send_table_id"]]
                         for q in r.t["ssd_ehcp_requests"]}
    person_of_assessment = {a["ehca_ehcp_assessment_id"]: person_of_request[a["ehca_ehcp_request_id"]]
                            for a in r.t["ssd_ehcp_assessment"]}
    with_plan = {person_of_assessment[n["ehcn_ehcp_asmt_id"]] for n in r.t["ssd_ehcp_named_plan"]
                 if n["ehcn_named_plan_start_date"] <= p.end}
    return {"rows": sum(f in ("E", "K") for f in flags), "sum:has_ehcp": len(with_plan & set(lac))}


def exp_lac_placement_care_package_audit(p, r):
    covered = {c["capa_placement_id"] for c in r.t["ext_care_packages"]
               if c["capa_start_date"] <= p.end and (c["capa_end_date"] is None or c["capa_end_date"] > p.end)}
    return {"rows": sum(e["clae_cla_placement_id"] not in covered for e in r.lac_at(p.end).values())}


def exp_lac_ceased_last_6_months(p, r):
    opens = _months_before(p.end, 6)
    return {"rows": sum(1 for e in r.t["ssd_cla_episodes"]
                        if e["clae_cla_episode_ceased_reason"] not in (None, "X1")
                        and e["clae_cla_episode_ceased_date"] is not None
                        and opens < e["clae_cla_episode_ceased_date"] <= p.end
                        and not r.short_breaks(e["clae_person_id"], e["clae_cla_episode_start_date"]))}


def exp_care_pathway_plans_compliance(p, r):
    lac = r.lac_at(p.end)
    return {"rows": len(lac), "sum:is_eligible": sum(r.age(pid, p.end) >= 16 for pid in lac)}


def _leavers(p, r):
    allocated = r.allocation(p.end)
    return {c["clea_person_id"] for c in r.t["ssd_care_leavers"] if c["clea_person_id"] in allocated}


def exp_care_leaver_pathway_plan_compliance(p, r):
    return {"rows": len(_leavers(p, r))}


def exp_care_leaver_visits(p, r):
    leavers = _leavers(p, r)
    contacts = sum(1 for c in r.t["ext_care_leaver_contacts"]
                   if c["clco_person_id"] in leavers and _between(c["clco_contact_date"], p.start, p.end))
    return {"rows": len(leavers), "sum:contacts_in_period": contacts}


def exp_care_leavers_oc3_cohort(p, r):
    fy_start = date(p.end.year if p.end.month >= 4 else p.end.year - 1, 4, 1)
    fy_end = date(fy_start.year + 1, 3, 31)
    cohort = [c for c in r.t["ssd_care_leavers"]
              if r.age(c["clea_person_id"], fy_end) in (19, 20, 21)
              and r.age(c["clea_person_id"], fy_start - timedelta(days=1)) == r.age(c["clea_person_id"], fy_end) - 1]
    return {"rows": len(cohort), "sum:is_in_touch": sum(c["clea_care_leaver_in_touch"] == "YES" for c in cohort)}


def exp_homeless_16plus_notifications(p, r):
    return {"sum:notified_in_period": sum(_between(h["home_notification_date"], p.start, p.end)
                                          for h in r.t["ext_homeless_16plus"])}


def exp_lac_missing_and_offending(p, r):
    lac = r.lac_between(p.start, p.end)
    return {"sum:episodes": sum(1 for m in r.t["ssd_missing"] if m["miss_person_id"] in lac
                                and _between(m["miss_missing_episode_start_date"], p.start, p.end))}


def exp_lac_pregnancy(p, r):
    opens = _months_before(p.end, 12)
    count = 0
    for g in r.t["ext_lac_pregnancies"]:
        d = g["preg_notified_date"]
        if opens < d <= p.end and g["preg_person_id"] in r.lac_at(d):
            count += 1
    return {"rows": count}


def exp_lac_substance_misuse_cohort(p, r):
    lac = r.lac_between(p.start, p.end)
    return {"rows": len({s["clas_person_id"] for s in r.t["ssd_cla_substance_misuse"]
                         if s["clas_person_id"] in lac and _between(s["clas_substance_misuse_date"], p.start, p.end)})}


def exp_sdq_cohort(p, r):
    twelve = _months_before(p.end, 12)
    return {"rows": sum(1 for pid, e in r.lac_at(p.end).items()
                        if e["clae_entered_care_date"] <= twelve and 4 <= r.age(pid, p.end) <= 16)}


def exp_pupil_premium_allocation(p, r):
    aug31 = date(p.start.year - (1 if p.start.month < 9 else 0), 8, 31)
    eligible = [pid for pid in r.lac_between(p.start, p.end) if 4 <= r.age(pid, aug31) <= 15]
    # the financial year's own rate (config/rates.yml, by the year of the period's April)
    from reporting.rates import rate

    assert p.start.month == 4
    per_pupil = rate("pupil_premium_plus").rates[p.start.year].value
    return {"rows": len(eligible), "sum:allocation": per_pupil * len(eligible)}


def exp_disabled_children_register(p, r):
    people = {d["disa_person_id"] for d in r.t["ssd_disability"]}
    alive = [pid for pid in people if r.person[pid]["pers_dob"] <= p.end
             and (r.person[pid]["pers_death_date"] is None or r.person[pid]["pers_death_date"] > p.end)
             and r.age(pid, p.end) < 18]
    return {"rows": len(alive), "sum:is_cypds": len(set(alive) & r.cypds_open(p.end))}


def _reviews_due(p, r, types):
    return sum(1 for v in r.t["ext_cypds_reviews"]
               if v["cypr_review_type"] in types and _between(v["cypr_due_date"], p.start, p.end))


def exp_cypds_u18_review_timescales(p, r):
    return {"sum:due_in_period": _reviews_due(p, r, ("u18", "short_breaks"))}


def exp_cypds_18plus_reviews_compliance(p, r):
    return {"sum:due_in_period": _reviews_due(p, r, ("18plus",))}


def exp_cypds_u18_short_breaks_reviews(p, r):
    return {"rows": sum(1 for s in r.t["ext_short_breaks"]
                        if s["shbr_start_date"] <= p.end and (s["shbr_end_date"] is None or s["shbr_end_date"] > p.end)
                        and r.age(s["shbr_person_id"], p.end) < 18)}


def exp_cypds_transition_assessments_in_progress(p, r):
    return {"rows": sum(1 for a in r.t["ext_cypds_assessments"] if a["cypa_assessment_type"] == "transition"
                        and a["cypa_requested_date"] <= p.end
                        and (a["cypa_completed_date"] is None or a["cypa_completed_date"] > p.end))}


def _completed_in_period(p, r, kind):
    return sum(1 for a in r.t["ext_cypds_assessments"] if a["cypa_assessment_type"] == kind
               and _between(a["cypa_completed_date"], p.start, p.end))


def exp_cypds_transition_assessment_timescales(p, r):
    return {"sum:completed_in_period": _completed_in_period(p, r, "transition")}


def exp_cypds_18plus_assessment_timescales(p, r):
    return {"sum:completed_in_period": _completed_in_period(p, r, "18plus")}


def exp_cypds_18plus_visits(p, r):
    return {"rows": sum(r.age(pid, p.end) >= 18 for pid in r.cypds_open(p.end))}


def exp_cypds_transition_plans_age_17(p, r):
    return {"rows": sum(r.age(pid, p.end) == 17 for pid in r.cypds_open(p.end))}


EXPECTED = {name.removeprefix("exp_"): fn for name, fn in globals().items() if name.startswith("exp_")}
CATALOGUE = load_catalogue()


def test_all_28_reports_are_defined():
    assert len(EXPECTED) == 28
    missing = sorted(set(EXPECTED) - set(CATALOGUE.reports))
    assert not missing, missing
    assert not [e for e in CATALOGUE.errors if e.path.stem in EXPECTED]


def _read_csv(definition, path, published: list[dict]) -> list[dict]:
    """The shown columns as the CSV has them; the hidden ones (`immunised`, `is_starter`, ...), which
    the CSV leaves out, from the rows the report published (`published_rows` checked those are the
    rows rendered and the CSV shows them)."""
    by_label = {c.label: c.name for c in definition.spec.columns if not c.hidden}
    hidden = [c.name for c in definition.spec.columns if c.hidden]
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = [by_label[h] for h in next(reader)]
        rows = [dict(zip(header, row)) for row in reader]
    assert len(rows) == len(published)
    return [row | {name: full[name] for name in hidden} for row, full in zip(rows, published)]


@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
@pytest.mark.parametrize("report_id", sorted(EXPECTED))
def test_report_headline_matches_independent_count(report_id, seeded_url, raw, tmp_path):
    definition = CATALOGUE.get(report_id)
    period = latest_complete_period(definition.spec.cadence, SEED_AS_AT)
    engine = create_engine(seeded_url)
    try:
        result = run_report(definition, engine, period, period.end, formats=["csv"], archive_root=tmp_path)
        published = published_rows(definition, engine, period, period.end, result)
    finally:
        engine.dispose()
    rows = _read_csv(definition, result.outputs["csv"], published)
    assert rows, f"{report_id} has no rows for {period.start}..{period.end}"
    assert result.rows == len(rows)
    expected = EXPECTED[report_id](period, raw)
    for measure, value in expected.items():
        if measure == "rows":
            got = len(rows)
        else:
            column = measure.removeprefix("sum:")
            got = sum(int(r[column] or 0) for r in rows)
        assert got == value, f"{report_id} {measure}: report {got}, expected {value}"
