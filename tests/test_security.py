"""Security: no child data in logs, XCom/return values or errors; every slice in scope; permissions;
no secrets in git; retention purges outputs while the ledger keeps the audit (docs/security.md)."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from test_delivery import extract_of  # one extract per report per session, shared with test_delivery

from reporting import settings
from reporting.definitions import load_catalogue
from reporting.delivery.ledger import Ledger
from reporting.plan import assign
from reporting.quality.errors import CriticalDataQualityError

SEED = pytest.mark.xdist_group("sqlite_seed")
WEEK = ("2026-10-19", "2026-10-25")


@pytest.fixture
def env(tmp_path, monkeypatch):
    for name, path in (("MI_ARCHIVE_DIR", "archive"), ("MI_VAR_DIR", "var"), ("MI_OUTBOX_DIR", "outbox")):
        monkeypatch.setenv(name, str(tmp_path / path))
    monkeypatch.setenv("MI_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("MI_TRANSPORT", "outbox")
    return tmp_path


def child_identifiers(url: str, people: set[str]) -> list[str]:
    """Names, dates of birth (ISO and dd/mm/yyyy) and person ids of the given children, from ssd_person."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT pers_person_id, pers_forename, pers_surname, pers_dob FROM ssd_person")).all()
    engine.dispose()
    found = []
    for pid, forename, surname, dob in rows:
        if pid not in people:
            continue
        found.append(pid)
        if forename and surname:
            found.append(f"{forename} {surname}")
        if dob:
            d = dob if isinstance(dob, date) else date.fromisoformat(str(dob)[:10])
            found += [d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%d %b %Y"), f"{d.day} {d:%b %Y}"]
    return found


@SEED
def test_a_full_run_and_its_failures_leak_no_child_data(env, monkeypatch, seeded_sqlite_url, caplog):
    """Task bodies of a burst report (extract, gate, render per slice, deliver to the outbox, record),
    then the failure paths (critical data quality, a broken query): logs at DEBUG, every return value
    (what XCom carries) and every exception message are scanned for the children's identifiers."""
    from reporting.orchestration import tasks

    report_id = "cp_visits_due_next_week"
    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    caplog.set_level(logging.DEBUG)
    returned, errors = [], []
    out = tasks.extract(report_id, *WEEK)
    returned.append(out)
    returned.append(tasks.check_quality(report_id, out["staging"]))
    results = []
    for target in out["targets"]:
        rendered = tasks.render(report_id, out["staging"], target)
        returned.append(rendered)
        results.append(tasks.deliver(report_id, rendered))
    returned += results
    returned.append(tasks.record(report_id, results))
    digests = tasks.send_digests(WEEK[1])  # team managers take a digest: their copies went in the queue
    returned.append(digests)
    staged = json.loads(Path(out["staging"]).read_text())
    people = {r["person_id"] for r in staged["rows"]}
    assert len(people) >= 10 and sum(r["delivery"]["in_digest"] for r in results) == digests["queued"] > 0
    assert digests["digests"] == digests["recipients"] > 0 and digests["left"] == 0
    queued = list((env / "archive" / "_digests").rglob("*"))
    assert [p for p in queued if p.is_file()] == [], "the queue is emptied once the digests went"
    # failure paths: a repeated child (critical gate) and a query against a missing table
    staged["rows"][1]["person_id"] = staged["rows"][0]["person_id"]
    Path(out["staging"]).write_text(json.dumps(staged))
    with pytest.raises(CriticalDataQualityError) as critical:
        tasks.check_quality(report_id, out["staging"])
    errors.append(str(critical.value))
    sqlite3.connect(env / "empty.sqlite").close()  # a database without the case tables
    monkeypatch.setenv("MI_CASEDB_URL", f"sqlite:///{env / 'empty.sqlite'}")
    with pytest.raises(Exception) as broken:
        tasks.extract(report_id, *WEEK)
    errors.append(str(broken.value))
    identifiers = child_identifiers(seeded_sqlite_url, people)
    assert len(identifiers) >= 4 * len(people) * 0.9
    scanned = {"logs": caplog.text, "returns": json.dumps(returned, default=str), "errors": "\n".join(errors)}
    assert "no such table" in scanned["errors"]
    for where, content in scanned.items():
        leaked = [i for i in identifiers if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", content)]
        assert not leaked, f"child identifiers in {where}: {leaked[:3]}"


@SEED
def test_every_slice_of_every_burst_report_is_in_its_recipients_scope(seeded_sqlite_url):
    """Extends test_delivery's check: every burst report is covered (a failing query fails this test,
    it is not skipped), and each slice equals, row for row, the rows of the recipient's own key."""
    catalogue = load_catalogue()
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        team_of = dict(conn.execute(text("SELECT staf_email, staf_team_id FROM ext_staff")).all())
        worker_of = dict(conn.execute(text("SELECT staf_email, staf_professional_id FROM ext_staff")).all())
        service_of_team = dict(conn.execute(text("SELECT team_team_id, team_service_id FROM ext_teams")).all())
    burst = sorted(r.id for r in catalogue.reports.values() if r.spec.burst_key)
    checked, scopes = set(), set()
    for report_id in burst:
        report = catalogue.get(report_id)
        period, rows = extract_of(seeded_sqlite_url, report)  # raises (fails) if the SQL is broken
        ids = lambda rs: sorted(json.dumps(r, sort_keys=True, default=str) for r in rs)  # noqa: E731
        for a in assign(report, rows, period.end, engine):
            person, where = a.person, (report_id, a.person.slice_id)
            if person.scope == "team":
                own = [r for r in rows if r.get("team_id") == team_of[person.email]]
            elif person.scope == "service":
                service = service_of_team.get(team_of[person.email], team_of[person.email])
                own = [r for r in rows if service_of_team.get(r.get("team_id")) == service]
            elif person.scope == "worker":
                own = [r for r in rows if r.get("worker_id") == worker_of[person.email]]
            elif person.scope == "school":
                own = [r for r in rows if str(r.get("school_urn")) == person.key]
            elif person.scope == "all":
                own = rows
            else:
                continue  # agency: partner column subsets, checked in test_delivery's partner test
            if person.kind == "partner":
                continue
            assert ids(a.rows) == ids(own), where
            scopes.add(person.scope)
        checked.add(report_id)
    engine.dispose()
    assert checked == set(burst) and len(burst) >= 30
    assert {"team", "service", "worker", "school", "all"} <= scopes


@SEED
def test_archive_files_and_folders_are_owner_only(env, monkeypatch, seeded_sqlite_url):
    from reporting.orchestration import tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    out = tasks.extract("cp_visits_due_next_week", *WEEK)
    tasks.check_quality("cp_visits_due_next_week", out["staging"])
    rendered = tasks.render("cp_visits_due_next_week", out["staging"], out["slices"][0])
    whole = tasks.render("cp_visits_due_next_week", out["staging"])
    tasks.record("cp_visits_due_next_week", [whole, rendered])
    loose = [f"{p} {oct(p.stat().st_mode & 0o777)}" for p in (env / "archive").rglob("*")
             if (p.stat().st_mode & 0o077)]
    assert not loose, f"readable by group/others: {loose[:5]}"


TRACKED_SECRET = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|xox[bp]-[0-9A-Za-z-]{10,}|gh[pousr]_[0-9A-Za-z]{30,}"
    # a quoted literal given to a secret-looking name: password = "hunter22", "token": "abc123..."
    r"|(?i:\w*(?:password|passwd|secret|api_?key|token)\w*[\"']?\s*[:=]\s*[\"'][^\"'\s$<{]{6,}[\"'])"
    # an environment-style assignment with a literal value: CASEDB_PASSWORD=abc123 (not ${VAR})
    r"|^\s*(?:export\s+)?[A-Z][A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|API_KEY)\s*[=:]\s*(?!\$)[^\s'\"#]{6,}\s*$"
    # credentials in a URL: scheme://user:literal@host (not ${VAR})
    r"|://[^/\s:@]+:(?![$\{])[^@\s/]{6,}@")
# Fake values the tests themselves use to prove secrets are *not* echoed; no real credential.
ALLOWED = re.compile(r"Sup3r-S3cret-pw")


def test_no_secrets_in_tracked_files():
    # the patterns catch what they are for (so an empty result means something)
    assert all(TRACKED_SECRET.search(x) for x in ('password = "hunter22x"', "CASEDB_PASSWORD=abc123xyz",
                                                  "postgresql+psycopg://mi:hunter22x@db/casedb"))
    assert not any(TRACKED_SECRET.search(x) for x in ("CASEDB_PASSWORD=", "mi:${CASEDB_PASSWORD:?set}@casedb",
                                                      "password=password,"))
    files = subprocess.run(["git", "ls-files"], cwd=settings.REPO_ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    found = []
    for name in files:
        path = settings.REPO_ROOT / name
        if path.suffix in (".pdf", ".png", ".woff2", ".ttf", ".sqlite", ".xlsx") or not path.is_file():
            continue
        if name == "tests/test_security.py":  # this scanner's own examples of what it must catch
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").splitlines(), 1):
            for match in TRACKED_SECRET.finditer(line):
                if not ALLOWED.search(line):
                    found.append(f"{name}:{number}: {match.group(0)[:40]}")
    assert not found, "possible secrets in tracked files (use the environment or an Airflow connection):\n" + \
        "\n".join(found[:20])


@SEED
def test_retention_purges_old_outputs_and_the_ledger_keeps_the_audit(env, monkeypatch, seeded_sqlite_url):
    from reporting.orchestration import housekeeping, tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    report_id = "icpc_first_review_timeliness"
    out = tasks.extract(report_id, *WEEK)
    tasks.check_quality(report_id, out["staging"])
    result = tasks.deliver(report_id, tasks.render(report_id, out["staging"]))
    assert result["delivery"]["in_digest"] > 0  # IROs and business support take a digest
    assert tasks.send_digests(WEEK[1])["digests"] > 0
    ledger = Ledger()
    before = ledger.entries(report_id)
    folder = env / "archive" / report_id / WEEK[1]
    assert folder.is_dir()
    kept = housekeeping.apply_retention(date(2027, 10, 25), days=365)  # exactly 365 days: kept
    assert kept["deleted"] == 0 and folder.is_dir()
    purged = housekeeping.apply_retention(date(2027, 10, 27), days=365)
    assert purged["deleted"] == 1 and not folder.exists()
    assert not any((env / "archive" / report_id).iterdir()), "nothing half-deleted left behind"
    after = ledger.entries(report_id)
    ledger.dispose()
    assert after == before and {e["state"] for e in after} == {"sent"}
    assert all(e["content_hash"] and e["message_id"] and e["sent_at"] for e in after)
