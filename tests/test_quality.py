"""The data-quality gate: source suites on SQLite and PostgreSQL, report checks, the delivery gate.

Expected counts are computed here in Python from plainly fetched columns, never with the suites'
own SQL or GX, so a wrong rule or a wrong GX wiring shows up as a mismatch.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import SEED_AS_AT, SEEDED_DB_PARAMS
from sqlalchemy import create_engine, text

from reporting.casedb.synth.config import load_synth_config

REPORT = "cp_visits_due_next_week"
_SOURCE_RESULTS: dict[str, object] = {}


def _source(url: str):
    """One whole-database validation per engine per worker (about 10-20 s each)."""
    from reporting.quality.source import validate_source

    if url not in _SOURCE_RESULTS:
        _SOURCE_RESULTS[url] = validate_source(url, SEED_AS_AT)
    return _SOURCE_RESULTS[url]


def _finding(result, table: str, check: str) -> dict:
    matches = [f for f in result.findings if f["table"] == table and f["check"] == check]
    assert len(matches) == 1, f"{table}: {check!r} found {len(matches)} time(s)"
    return matches[0]


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years) if not (day.month == 2 and day.day == 29) else \
        day.replace(year=day.year - years, day=28)


def _as_date(value) -> date | None:
    return None if value is None else value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _within(rate: float, n: int, observed: int) -> bool:
    return abs(observed / n - rate) <= 4 * math.sqrt(rate * (1 - rate) / n)


# ---- source suites on both engines ------------------------------------------------------------
@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
def test_source_suites_find_the_injected_defects(seeded_url):
    result = _source(seeded_url)
    engine = create_engine(seeded_url)
    with engine.connect() as conn:
        def rows(sql):
            return conn.execute(text(sql)).all()

        persons = rows("SELECT pers_person_id, pers_dob, pers_ethnicity FROM ssd_person")
        upn = {p for (p,) in rows("SELECT link_person_id FROM ssd_linked_identifiers "
                                  "WHERE link_identifier_type = 'Unique Pupil Number'")}
        plans = rows("SELECT cinp_cin_plan_start_date, cinp_cin_plan_end_date FROM ssd_cin_plans")
        visits = rows("SELECT cppv_cp_visit_seen FROM ssd_cp_visits")
        placements = [p for (p,) in rows("SELECT clap_cla_placement_id FROM ssd_cla_placement")]
        packaged = {p for (p,) in rows("SELECT capa_placement_id FROM ext_care_packages")}
        authorised = [a for a, d in rows("SELECT cina_assessment_id, cina_assessment_auth_date "
                                         "FROM ssd_cin_assessments")
                      if d is not None]
        with_form = {a for (a,) in rows("SELECT cinf_assessment_id FROM ssd_assessment_factors")}
    engine.dispose()

    # Suites load and run on this engine: every table, no check that could not be computed.
    assert result.tables >= 70 and len(result.findings) > 400
    assert [f for f in result.findings if f.get("error")] == []
    assert result.critical == [], "keys are unique and present in the seed"

    eighteen, four = _years_before(SEED_AS_AT, 18), _years_before(SEED_AS_AT, 4)
    school_age = [p for p, dob, _ in persons if eighteen < _as_date(dob) <= four]
    expected = {
        ("ssd_person", "Ethnicity is recorded"): (sum(e is None for _, _, e in persons), len(persons),
                                                  "person_missing_ethnicity"),
        ("ssd_person", "School-age child (4 to 17 at the as-at date) has a Unique Pupil Number"):
            (sum(p not in upn for p in school_age), len(school_age), "child_missing_upn"),
        # Rejected by the CIN census (rule 4011), so drawn only on plans begun after the last
        # census cleanse (31 March): the rate is measured over those plans.
        ("ssd_cin_plans", "cinp_cin_plan_end_date on or after cinp_cin_plan_start_date"):
            (sum(_as_date(e) < _as_date(s) for s, e in plans if e is not None),
             sum(_as_date(s) > date(SEED_AS_AT.year, 3, 31) for s, _ in plans), "cin_plan_end_before_start"),
        ("ssd_cp_visits", "CP visit has an outcome (child seen Y/N)"): (sum(v is None for (v,) in visits), len(visits),
                                                                       "cp_visit_no_outcome"),
        ("ssd_cla_placement", "Placement has a care package"): (sum(p not in packaged for p in placements),
                                                              len(placements), "placement_not_care_package"),
        ("ssd_cin_assessments", "Authorised assessment has a factors form"):
            (sum(a not in with_form for a in authorised), len(authorised), "assessment_no_factors_form"),
    }
    defects = load_synth_config().defects
    got, off_rate = {}, []
    for (table, check), (count, population, defect) in expected.items():
        finding = _finding(result, table, check)
        got[(table, check)] = finding["failing_rows"]
        assert count > 0 and not finding["success"], f"{check}: the seed has {count} defects"
        rate = getattr(defects, defect)
        if not _within(rate, population, count):
            off_rate.append(f"{defect}: {count}/{population} vs configured {rate}")
    assert got == {k: v[0] for k, v in expected.items()}
    assert off_rate == []


@pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
def test_source_results_hold_counts_only_and_publish_a_trend(seeded_url, tmp_path):
    from reporting.quality.source import SourceResult, publish

    result = _source(seeded_url)
    engine = create_engine(seeded_url)
    with engine.connect() as conn:
        ids = [p for (p,) in conn.execute(text("SELECT pers_person_id FROM ssd_person")).all()[:500]]
    engine.dispose()
    first = SourceResult(date(2026, 10, 19), result.database,
                         [dict(f, failing_rows=f["failing_rows"] + 5) if not f["success"] else f
                          for f in result.findings], 1.0, result.tables)
    publish(first, tmp_path)
    paths = publish(result, tmp_path)
    page = Path(paths["page"]).read_text()
    summary = json.loads(Path(paths["summary"]).read_text())
    trend = Path(paths["trend"]).read_text()
    ethnicity = _finding(result, "ssd_person", "Ethnicity is recorded")["failing_rows"]
    assert f"{ethnicity:,}" in page and "Ethnicity is recorded" in page
    assert summary["failed"] == len(result.failed) and summary["as_at"] == SEED_AS_AT.isoformat()
    # The trend has both runs, oldest first, with each run's count for the same check.
    assert trend.index("2026-10-19") < trend.index(SEED_AS_AT.isoformat())
    row = re.search(r"<td>ssd_person</td><td>Ethnicity is recorded</td>(.*?)</tr>", trend, re.S).group(1)
    assert re.findall(r'class="n">([\d,]*)</td>', row) == [f"{ethnicity + 5:,}", f"{ethnicity:,}"]
    # No child identifier anywhere in what is published.
    published = page + trend + Path(paths["summary"]).read_text()
    assert [i for i in ids if i in published] == []


# ---- declared suites: clear errors ------------------------------------------------------------
def test_declared_suite_errors_name_the_file_field_and_expectation(tmp_path):
    from reporting.quality.suites import SuiteFileError, declared_suites

    source = tmp_path / "source"
    source.mkdir()
    bad = source / "ssd_person.yml"
    bad.write_text("table: ssd_person\nchecks:\n  - {check: Sex is known, column: pers_sexx, accepted_values: [M]}\n")
    with pytest.raises(SuiteFileError, match=r"ssd_person.yml: checks\[0\].column 'pers_sexx' is not a column "
                                             r"of ssd_person; expected one of .*pers_sex"):
        declared_suites(tmp_path)
    bad.write_text("table: ssd_person\nchecks:\n  - {check: Sex is known, column: pers_sex, acepted_values: [M]}\n")
    with pytest.raises(SuiteFileError, match=r"ssd_person.yml: checks.0.acepted_values: Extra inputs"):
        declared_suites(tmp_path)
    bad.write_text("table: ssd_person\nchecks:\n  - {check: Orphans, sql: 'SELECT 1 FROM ssd_person'}\n")
    with pytest.raises(SuiteFileError, match=r"sql must select FROM \{batch\}"):
        declared_suites(tmp_path)


# ---- report checks compiled to GX -------------------------------------------------------------
def _rows(n: int) -> list[dict]:
    return [{"person_id": f"P{i}", "child_name": "A Child", "team_id": "T1", "team_name": "Team 1",
             "worker_name": "W", "plan_start": date(2026, 1, 1), "last_visit_date": date(2026, 10, 1),
             "next_visit_due": date(2026, 10, 15), "days_overdue": 3, "status": "Overdue",
             "status_rag": "red", "is_overdue": 1, "visits_not_seen": 0} for i in range(n)]


def test_yaml_checks_compile_to_gx_with_the_reports_labels_and_counts():
    from reporting.definitions import load_catalogue
    from reporting.quality.report_checks import report_findings

    spec = load_catalogue().get(REPORT).spec
    rows = _rows(40)
    for r in rows[:3]:
        r["team_name"] = None
    for r in rows[3:5]:
        r["days_overdue"] = -2
    rows[6]["next_visit_due"] = None
    rows[8]["person_id"] = rows[9]["person_id"]
    got = {f["check"]: (f["failing_rows"], f["severity"]) for f in report_findings(spec, rows)}
    assert got == {"Team is blank": (3, "warning"), "Days overdue below 1": (2, "warning"),
                   "Next visit due is blank": (1, "critical"), "Person ID is repeated": (2, "critical")}
    meaning = next(f for f in report_findings(spec, rows) if f["check"] == "Team is blank")["meaning"]
    assert meaning == "Children with no allocated team cannot be routed to a manager."
    assert report_findings(spec, []) == [] and report_findings(spec, _rows(5)) == []


def test_one_run_of_the_gate_counts_each_copys_own_rows():
    """A team's copy shows the gate's findings counted on its rows, by the gate's own rules."""
    from reporting.definitions import load_catalogue
    from reporting.quality.gate import assess

    report = load_catalogue().get(REPORT)
    rows = _rows(12)
    for r in rows[:3]:
        r["team_name"] = None  # rows 0, 1, 2
    for r in rows[3:5]:
        r["days_overdue"] = -2  # rows 3, 4
    rows[8]["person_id"] = rows[9]["person_id"]  # rows 8 and 9 share an id
    findings = assess(report, rows)
    columns = [c.name for c in report.spec.columns]

    def counts(indexes, shown=columns):
        return {f["check"]: f["failing_rows"] for f in findings.for_rows(indexes, shown)}

    assert counts(range(12)) == {f["check"]: f["failing_rows"] for f in findings.whole()} == {
        "Team is blank": 3, "Days overdue below 1": 2, "Person ID is repeated": 2}
    # rows 2-4: one blank team (row 2), two below 0 (rows 3, 4)
    assert counts([2, 3, 4]) == {"Team is blank": 1, "Days overdue below 1": 2}
    # row 9 alone: its id is repeated in the report (row 8), as the gate counts it; 1 of its rows
    assert counts([9]) == {"Person ID is repeated": 1}
    assert counts([5, 6, 7]) == {}
    # a copy without the team column (a partner's subset) is not told about it
    assert counts([0, 1, 3], [c for c in columns if c != "team_name"]) == {"Days overdue below 1": 1}


# ---- the gate in the pipeline -----------------------------------------------------------------
@pytest.fixture
def staged(seeded_sqlite_url, tmp_path, monkeypatch):
    """cp_visits_due_next_week extracted from the seed into a private archive; returns (tasks, path, rows)."""
    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    from reporting.orchestration import tasks

    out = tasks.extract(REPORT, "2026-10-19", "2026-10-25", "2026-10-26")
    path = Path(out["staging"])
    data = json.loads(path.read_text())
    assert len(data["rows"]) >= 10, "the seeded week has CP children with visits due"
    return tasks, path, data


def _restage(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data))


@pytest.mark.xdist_group("sqlite_seed")
def test_critical_failure_stops_the_run_before_render_and_delivery(staged, caplog):
    from airflow.sdk.exceptions import AirflowFailException

    from reporting.definitions import load_catalogue
    from reporting.orchestration.dag_factory import build_dag

    tasks, path, data = staged
    data["rows"][1]["person_id"] = data["rows"][0]["person_id"]
    data["rows"][4]["next_visit_due"] = "2000-01-03"  # before the plan started: the JSON report suite
    _restage(path, data)
    child = data["rows"][0]["person_id"]

    dag = build_dag(load_catalogue().get(REPORT))
    with pytest.raises(AirflowFailException) as failed:
        dag.get_task("check_quality").python_callable(staging=str(path), targets=[None])
    message = str(failed.value)
    assert "'Person ID is repeated' failed on 2 row(s)" in message
    assert "'Next visit due is on or after the plan start' failed on 1 row(s)" in message
    assert child not in message and child not in caplog.text
    quality = json.loads(path.with_name("quality.json").read_text())
    assert {(f["check"], f["failing_rows"]) for f in quality["findings"] if f["severity"] == "critical"} == {
        ("Person ID is repeated", 2), ("Next visit due is on or after the plan start", 1)}
    # Nothing was rendered or delivered: the period folder holds the staging folder only.
    assert sorted(p.name for p in path.parent.parent.iterdir()) == [".staging"]
    # The failure notice goes to the performance team and the MOSAIC superusers.
    from reporting.orchestration import notify

    assert [c.to for c in dag.on_failure_callback if isinstance(c, notify.FailureNotifier)] == [
        notify.performance_team_email(), "superusers@example.org"]


@pytest.mark.xdist_group("sqlite_seed")
def test_warnings_are_delivered_with_the_data_quality_section(staged):
    tasks, path, data = staged
    for row in data["rows"]:
        row["visits_not_seen"] = 0  # only the findings made here (the seed records some unseen visits)
    for row in data["rows"][:3]:
        row["team_name"] = None
    for row in data["rows"][3:5]:
        row["days_overdue"] = -1
    _restage(path, data)
    team = data["rows"][5]["team_id"]
    in_team = [r for r in data["rows"] if r["team_id"] == team]
    expected_team_blank = sum(r["team_name"] is None for r in in_team)
    expected_below = sum(r["days_overdue"] is not None and r["days_overdue"] < 0 for r in in_team)

    result = tasks.check_quality(REPORT, path)
    assert result["critical"] == 0
    assert sorted(result["warnings"]) == ["Days overdue below 1: 2 row(s)", "Team is blank: 3 row(s)"]
    rendered = tasks.render(REPORT, path)
    html = Path(rendered["folder"], f"{REPORT}.html").read_text()
    section = html[html.index('class="data-quality"'):]
    assert re.search(r"<td>Team is blank</td>\s*<td>warning</td>\s*<td class=\"num\">3</td>", section)
    assert re.search(r"<td>Days overdue below 1</td>\s*<td>warning</td>\s*<td class=\"num\">2</td>", section)
    manifest = json.loads(Path(rendered["folder"], "manifest.json").read_text())
    assert {(f["check"], f["failing_rows"]) for f in manifest["data_quality"]} == {
        ("Team is blank", 3), ("Days overdue below 1", 2)}
    # A team's slice counts its own rows only.
    sliced = tasks.render(REPORT, path, team)
    slice_html = next(Path(sliced["folder"]).glob("*.html")).read_text()
    found = {m[0]: int(m[1]) for m in re.findall(r"<td>([^<]+)</td>\s*<td>warning</td>\s*<td class=\"num\">(\d+)</td>",
                                                  slice_html)}
    assert found == {k: v for k, v in {"Team is blank": expected_team_blank,
                                       "Days overdue below 1": expected_below}.items() if v}
    delivered = tasks.deliver(REPORT, rendered)
    assert delivered["status"] == "ready" and delivered["rows"] == len(data["rows"])


def test_the_gate_logs_no_gx_import_noise_at_info():
    """An Airflow task logs at INFO: importing GX through the gate must not add its ~200 lines."""
    import subprocess
    import sys

    script = ("import logging; logging.basicConfig(level=logging.INFO)\n"
              "from reporting.definitions import load_catalogue\n"
              "from reporting.quality.gate import evaluate\n"
              f"evaluate(load_catalogue().get({REPORT!r}), [])\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    noise = [line for line in run.stderr.splitlines() if "great_expectations" in line]
    assert noise == [], noise[:5]


def test_a_count_that_should_be_none_is_named_one_or_more_not_above_0():
    """cp_visits_due_next_week's check of visits recorded without the child seen (max: 0) read
    "Visits recorded without the child seen above 0" in the data-quality section."""
    from reporting.definitions import load_catalogue
    from reporting.quality.report_checks import report_findings

    spec = load_catalogue().get("cp_visits_due_next_week").spec
    blank = {c.name: None for c in spec.columns}
    rows = [{**blank, "person_id": "P1", "visits_not_seen": 2}, {**blank, "person_id": "P2", "visits_not_seen": 0}]
    checks = {f["check"]: f["failing_rows"] for f in report_findings(spec, rows)}
    assert checks.get("Visits recorded without the child seen: 1 or more") == 1
    assert not any(name.endswith("above 0") for name in checks)
