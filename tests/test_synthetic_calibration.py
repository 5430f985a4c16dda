"""Issue 18: the synthetic authority looks like Camden (`mi db profile` within tolerance on the
default seed and one other), its journeys hold together end to end (nothing after a death, no
event before birth, children's services end at 18), the profile's own measures are right on a
hand-worked fixture, and the source suites check every reference the SSD states in a description.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import SEED_AS_AT
from handworked import build_database
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from reporting.casedb import readonly
from reporting.casedb.profile import CalibrationConfigError, calibration, profile
from reporting.casedb.schema import case_metadata

PROFILE_FIXTURE = Path(__file__).parent / "fixtures" / "profile" / "authority.yml"


def _profile_json(url: str, as_at: date) -> tuple[int, dict]:
    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["db", "profile", "--url", url, "--as-at", as_at.isoformat(), "--json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _outside(measures: list[dict]) -> list[str]:
    return [f"{m['id']}: {m['value']} (target {m['target']} +/- {m['tolerance']})" for m in measures if not m["within"]]


# ---- calibration: the default seed and one other ------------------------------------------------
@pytest.mark.xdist_group("sqlite_seed")
def test_the_default_seed_is_within_every_calibration_target(seeded_sqlite_url):
    code, report = _profile_json(seeded_sqlite_url, SEED_AS_AT)
    assert (report["year_start"], report["year_end"]) == ("2025-04-01", "2026-03-31")
    assert [m["id"] for m in report["measures"]] == [t.id for t in calibration().measures]
    assert _outside(report["measures"]) == []
    assert code == 0
    # Each figure is a real count: a rate has its numerator, a share its numerator and denominator.
    assert all(m["numerator"] and m["numerator"] > 0 for m in report["measures"])


def test_a_second_seed_is_within_every_calibration_target(tmp_path):
    from reporting.casedb.seed import seed_database

    url = f"sqlite:///{tmp_path / 'seed2.sqlite'}"
    seed_database(url, "camden", 2, SEED_AS_AT)
    engine = readonly.case_engine(url)
    _, results = profile(engine, SEED_AS_AT)
    engine.dispose()
    assert [f"{r.target.id}: {r.value}" for r in results if not r.within] == []


def test_every_target_names_its_source_and_year_or_says_it_is_an_assumption():
    for target in calibration().measures:
        assert target.assumption or any(str(year) in target.source for year in range(2019, 2027)), target.id
        assert "DfE" in target.source or target.assumption, target.id


# ---- the profile's own measures, worked by hand --------------------------------------------------
def test_profile_measures_worked_by_hand(tmp_path):
    """tests/fixtures/profile/authority.yml, as at 31 March 2026 (its header lists the edge cases).

    Looked after on 31 March 2026: L1 (0), L2 (4), L3 (9), L5 (13), L4 (16), L7 (17) = 6 children;
    not L6 (left on 31 March) nor S1 (short breaks).
    """
    build_database(tmp_path / "profile.sqlite", PROFILE_FIXTURE).dispose()
    engine = readonly.case_engine(f"sqlite:///{tmp_path / 'profile.sqlite'}")
    year, results = profile(engine, date(2026, 3, 31))
    engine.dispose()
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 3, 31))
    got = {r.target.measure: (r.numerator, r.denominator, r.value) for r in results if r.target.measure}
    assert got == {
        "lac_age_under_1": (1, 6, 16.7),        # L1: 1/6 = 16.67%
        "lac_age_1_4": (1, 6, 16.7),            # L2, 4 on her birthday
        "lac_age_5_9": (1, 6, 16.7),            # L3, 10 only on 1 April
        "lac_age_10_15": (1, 6, 16.7),          # L5 (13)
        "lac_age_16_plus": (2, 6, 33.3),        # L4 (16 that day), L7 (17): 2/6
        "lac_care_orders": (3, 6, 50.0),        # C1 L1, C2 L2 and L7: 3/6
        "lac_placement_orders": (1, 6, 16.7),   # E1 L3 (since September; C2 before)
        "lac_section_20": (2, 6, 33.3),         # V2 L4, L5
        "lac_uasc": (1, 6, 16.7),               # L4; L5's status ended 15 January
        "lac_foster": (3, 6, 50.0),             # U4 L1, U1 L3, U4 L7
        "lac_childrens_homes": (1, 6, 16.7),    # K2 L5
        "lac_semi_independent": (1, 6, 16.7),   # H5 L4
        "lac_with_parents": (1, 6, 16.7),       # P1 L2
        # Care leavers aged 19-21: CL1 (19), CL2 (21 that day), CL6 (19); not CL3 (22), CL4 (18),
        # CL5 (died). In EET: CL1 F2, CL6 P4 = 2/3; suitable: CL1, CL6 = 2/3.
        "care_leavers_eet": (2, 3, 66.7),
        "care_leavers_suitable": (2, 3, 66.7),
        # Social workers in post: W1 1.0 + W2 0.5 + W3 (not recorded: 1.0) = 2.5 FTE over 3 people;
        # W4 is a personal adviser, W5 left on 31 March. 2.5 / 3 = 0.833.
        "fte_per_worker": (2.5, 3, 0.833),
        # Open on 31 March: N1, N2, N4, N5 (N3 closed that day). 18 or over: N2 = 1/4; a disability
        # recorded: N1 = 1/4.
        "cin_aged_18_plus": (1, 4, 25.0),
        "cin_disabled": (1, 4, 25.0),
    }


def test_profile_command_prints_a_table_and_fails_when_a_measure_is_outside(tmp_path):
    """The hand-worked authority is nothing like a borough: the command says which measures are
    outside, with target and source, and exits 1 (a data officer's script can stop on it)."""
    from reporting.cli.main import app

    build_database(tmp_path / "profile.sqlite", PROFILE_FIXTURE).dispose()
    url = f"sqlite:///{tmp_path / 'profile.sqlite'}"
    result = CliRunner().invoke(app, ["db", "profile", "--url", url, "--as-at", "2026-03-31"],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 1, result.output
    assert "Profile of the reporting year 01 Apr 2025 to 31 Mar 2026" in result.output
    line = next(line for line in result.output.splitlines() if "Looked after aged under 1 (%)" in line)
    assert "16.7" in line and " no " in line and "DfE CLA national characteristics" in line
    within = sum(1 for _ in calibration().measures) - len(
        _outside(_profile_json(url, date(2026, 3, 31))[1]["measures"]))
    assert f"{within} of {len(calibration().measures)} measures within tolerance" in result.output


def test_profile_names_a_broken_calibration_file(tmp_path):
    bad = tmp_path / "calibration.yml"
    bad.write_text("measures:\n  - {id: x, label: X, measure: no_such_measure, target: 1, tolerance: 1,"
                   " source: 'a source of 2025'}\n")
    with pytest.raises(CalibrationConfigError) as error:
        calibration(bad)
    assert str(bad) in str(error.value) and "unknown measure 'no_such_measure'" in str(error.value)
    assert "lac_age_under_1" in str(error.value)  # says what was expected


def test_profile_of_a_database_that_is_not_there_says_so(tmp_path):
    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["db", "profile", "--url", f"sqlite:///{tmp_path / 'missing.sqlite'}"])
    assert result.exit_code == 2
    assert "cannot profile the case database" in result.output


# ---- journeys end to end -------------------------------------------------------------------------
# Dates that are not something happening to the child: due and target dates, planned ones, and the
# death itself and its notification.
NOT_EVENTS = ("due", "target", "expected", "death", "notification", "valid_to", "last_updated")


def _person_events():
    """(table, person column, event date column) for every child-level table of the schema."""
    for table in case_metadata().sorted_tables:
        people = [c.name for c in table.columns if c.name.endswith("person_id")]
        if not people or table.name in ("ssd_person", "ext_child_deaths", "ssd_api_data_staging"):
            continue
        for column in table.columns:
            if "date" in column.name and not any(word in column.name for word in NOT_EVENTS):
                yield table.name, people[0], column.name


@pytest.mark.xdist_group("sqlite_seed")
def test_nothing_happens_to_a_child_after_their_death_or_before_their_birth(seeded_sqlite_url):
    engine = create_engine(seeded_sqlite_url)
    after_death, before_birth, checked = {}, {}, 0
    with engine.connect() as conn:
        deaths = conn.execute(text("select count(*) from ssd_person where pers_death_date is not null")).scalar()
        for table, person, column in _person_events():
            checked += 1
            late = conn.execute(text(
                f"select count(*) from {table} x join ssd_person p on p.pers_person_id = x.{person} "
                f"where p.pers_death_date is not null and x.{column} > p.pers_death_date")).scalar()
            early = conn.execute(text(
                f"select count(*) from {table} x join ssd_person p on p.pers_person_id = x.{person} "
                f"where x.{column} < p.pers_dob")).scalar()
            if late:
                after_death[f"{table}.{column}"] = late
            if early:
                before_birth[f"{table}.{column}"] = early
    engine.dispose()
    assert deaths >= 3 and checked > 60  # there are deaths to check, and every table is read
    assert after_death == {}
    assert before_birth == {}


AGE_LIMITS = {
    # what starts only for a child under 18: (table, person column, start date column)
    "contact": ("ssd_contacts", "cont_person_id", "cont_contact_date"),
    "referral": ("ssd_cin_episodes", "cine_person_id", "cine_referral_date"),
    "assessment": ("ssd_cin_assessments", "cina_person_id", "cina_assessment_start_date"),
    "section 47 enquiry": ("ssd_s47_enquiry", "s47e_person_id", "s47e_s47_start_date"),
    "initial conference": ("ssd_initial_cp_conference", "icpc_person_id", "icpc_icpc_date"),
    "CP plan": ("ssd_cp_plans", "cppl_person_id", "cppl_cp_plan_start_date"),
    "CIN plan": ("ssd_cin_plans", "cinp_person_id", "cinp_cin_plan_start_date"),
    "period of care": ("ssd_cla_episodes", "clae_person_id", "clae_cla_episode_start_date"),
}


@pytest.mark.xdist_group("sqlite_seed")
def test_childrens_services_work_with_children_under_18(seeded_sqlite_url):
    """No contact, referral, enquiry, conference, plan or period of care starts on or after an 18th
    birthday; a looked-after child leaves care by 18 (and becomes a care leaver); a CP plan ends by
    18. (The disability service's transition work to 25 has its own tables.)"""
    engine = create_engine(seeded_sqlite_url)
    eighteen = "date(p.pers_dob, '+18 years')"
    with engine.connect() as conn:
        def count(sql: str) -> int:
            return conn.execute(text(sql)).scalar()

        adults = {name: n for name, (table, person, column) in AGE_LIMITS.items()
                  if (n := count(f"select count(*) from {table} x join ssd_person p on p.pers_person_id = x.{person} "
                                 f"where x.{column} >= {eighteen}"))}
        in_care_past_18 = count(
            "select count(*) from ssd_cla_episodes e join ssd_person p on p.pers_person_id = e.clae_person_id "
            f"where coalesce(e.clae_cla_episode_ceased_date, '{SEED_AS_AT}') > {eighteen}")
        cp_past_18 = count(
            "select count(*) from ssd_cp_plans c join ssd_person p on p.pers_person_id = c.cppl_person_id "
            f"where coalesce(c.cppl_cp_plan_end_date, '{SEED_AS_AT}') > {eighteen}")
        uasc_under_10 = count(
            "select count(*) from ssd_immigration_status i join ssd_person p on p.pers_person_id = i.immi_person_id "
            "where i.immi_immigration_status_start_date < date(p.pers_dob, '+10 years')")
        eighteenth_birthday_leavers = count(
            "select count(*) from ssd_cla_episodes e where e.clae_cla_episode_ceased_reason = 'E17'")
    engine.dispose()
    assert adults == {}
    assert (in_care_past_18, cp_past_18, uasc_under_10) == (0, 0, 0)
    assert eighteenth_birthday_leavers > 20  # the rule has cases to hold for


# ---- every SSD reference checked -----------------------------------------------------------------
def test_references_stated_only_in_descriptions_are_found():
    from reporting.casedb.ssd import described_references

    found = {(f.table, f.field): target for f, target in described_references()}
    assert found[("ssd_cp_visits", "cppv_cp_plan_id")] == "ssd_cp_plans.cppl_cp_plan_id"
    assert found[("ssd_cp_plans", "cppl_referral_id")] == "ssd_cin_episodes.cine_referral_id"
    assert found[("ssd_permanence", "perm_cla_id")] == "ssd_cla_episodes.clae_cla_id"
    assert found[("ssd_involvements", "invo_person_id")] == "ssd_person.pers_person_id"
    assert all(not target.startswith(f"{table}.") or target != f"{table}.{field}"
               for (table, field), target in found.items())


@pytest.mark.xdist_group("sqlite_seed")
def test_a_cp_visit_to_a_plan_that_does_not_exist_is_a_source_finding(seeded_sqlite_url, tmp_path):
    """The SSD states `cppv_cp_plan_id` is a CP Plan ID only in its description; no key enforces
    it. One planted orphan visit is one failing row; the seed itself has none."""
    from reporting.quality.source import validate_source

    check = "cppv_cp_plan_id is in ssd_cp_plans.cppl_cp_plan_id"

    def finding(url: str) -> dict:
        result = validate_source(url, SEED_AS_AT, tables=["ssd_cp_visits"])
        (match,) = [f for f in result.findings if f["check"] == check]
        return match

    clean = finding(seeded_sqlite_url)
    assert clean["success"] and clean["failing_rows"] == 0
    copy = tmp_path / "orphan.sqlite"
    shutil.copy(make_path(seeded_sqlite_url), copy)
    engine = create_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.execute(text(
            "insert into ssd_cp_visits (cppv_cp_visit_id, cppv_person_id, cppv_cp_plan_id, cppv_cp_visit_date, "
            "cppv_cp_visit_seen) select 'PLANTED-1', cppv_person_id, 'NO-SUCH-PLAN', cppv_cp_visit_date, 'Y' "
            "from ssd_cp_visits limit 1"))
    engine.dispose()
    planted = finding(f"sqlite:///{copy}")
    assert not planted["success"] and planted["failing_rows"] == 1


def make_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))
