"""The MI board: a week of report runs as the performance team sees them, from `mi board`, its JSON,
and the page inside Airflow (the plugin's FastAPI app), read in headless Chromium.

The week of 26 Oct 2026 has 12 report runs due on Monday 26 Oct (weekly and fortnightly). Three of
them are given a state by hand below (an archive folder, the gate's findings, ledger rows); the
other nine have left nothing behind, so at noon on Thursday 29 Oct they are late."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporting import archive
from reporting.board import board
from reporting.definitions import load_catalogue
from reporting.delivery import digest_queue
from reporting.delivery.deliver import Due
from reporting.delivery.ledger import Key, Ledger
from reporting.delivery.recipients import Person
from reporting.schedules.periods import Period

MONDAY, SUNDAY = date(2026, 10, 26), date(2026, 11, 1)
NOON_THURSDAY = datetime(2026, 10, 29, 12, 0)
HELD, SENT, READY = "cp_visits_due_next_week", "icpc_first_review_timeliness", "missing_children_weekly"


@pytest.fixture
def week(tmp_path, monkeypatch):
    """The archive and ledger of the week, as runs would leave them."""
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_CASEDB_URL", f"sqlite:///{tmp_path / 'no-casedb.sqlite'}")  # names fall back to ids
    # held: the gate found a critical check, nothing was rendered
    staging = archive.period_dir(HELD, "2026-10-25") / ".staging"
    staging.mkdir(parents=True)
    (staging / "quality.json").write_text(json.dumps({"findings": [
        {"check": "Person ID is repeated", "severity": "critical", "failing_rows": 2},
        {"check": "Team is blank", "severity": "warning", "failing_rows": 3}]}))
    # rendered and recorded; one recipient refused: not delivered
    for report_id, rows in ((SENT, 216), (READY, 10)):
        folder = archive.period_dir(report_id, "2026-10-25")
        folder.mkdir(parents=True)
        archive.write_manifest(folder, {"rows": rows, "content_hash": "h"})
        (folder / "run.json").write_text(json.dumps({"status": "ready", "rows": rows}))
    ledger = Ledger()
    for report_id, recipient, outcome in ((SENT, "iro@example.org", "sent"), (SENT, "old@example.org", "rejected"),
                                          (READY, "tm@example.org", "sent")):
        claim = ledger.claim(Key(report_id, "2026-10-25", "all", recipient, "report", "h" * 64))
        if outcome == "sent":
            ledger.mark_sent(claim, f"<{recipient}>")
        else:
            ledger.mark_failed(claim, "550 mailbox unavailable", permanent=True)
    ledger.dispose()
    # the ready report's deliver task queued two staff sends for the day's digest: tm@ went (above),
    # sp@ is still waiting for the mi_staff_digest DAG
    report = load_catalogue().get(READY)
    period = Period(date(2026, 10, 19), date(2026, 10, 25))
    waiting = [Due(report, period, Person(email, email.split("@")[0], "all", None, "whole report", "staff", (role,)),
                   archive.period_dir(READY, "2026-10-25"), "h" * 64, 10)
               for email, role in (("tm@example.org", "TM"), ("sp@example.org", "SP"))]
    digest_queue.put(READY, "2026-10-25", None, waiting)
    return tmp_path


def test_the_board_puts_held_then_late_then_not_delivered_first(week):
    rows = board(MONDAY, SUNDAY, now=NOON_THURSDAY)
    assert len(rows) == 12 and {r.due_at[:10] for r in rows} == {"2026-10-26"}
    statuses = [r.status for r in rows]
    # 1 held, 9 late (nothing in the archive 3 days after they were due), 1 not delivered, 1 ready
    assert statuses == ["held"] + ["late"] * 9 + ["not delivered", "ready"]
    held, sent, ready = rows[0], rows[10], rows[11]
    assert (held.report_id, held.critical, held.warnings) == (HELD, ["Person ID is repeated: 2 row(s)"], 1)
    assert (sent.report_id, sent.rows, sent.deliveries["sent"], sent.deliveries["rejected"]) == (SENT, 216, 1, 1)
    assert [(p.recipient, p.state, p.why) for p in sent.recipients] == [
        ("iro@example.org", "sent", None), ("old@example.org", "rejected", "550 mailbox unavailable")]
    assert (ready.report_id, ready.status, ready.period_start, ready.period_end) == (READY, "ready", "2026-10-19",
                                                                                     "2026-10-25")
    # sent to tm@ (the ledger), sp@ still in the digest queue: counted apart, not as sent or failed
    assert (ready.deliveries["sent"], ready.deliveries["queued"], sent.deliveries["queued"]) == (1, 1, 0)
    # on the Monday morning itself the nine are due, not late (MI_DEADLINE_HOURS: 6)
    early = board(MONDAY, SUNDAY, now=datetime(2026, 10, 26, 9, 0))
    assert [r.status for r in early].count("due") == 9


def test_mi_board_json_is_the_board(week):
    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["board", "--since", "2026-10-26", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    expected = [r.as_json() for r in board(MONDAY, SUNDAY)]
    assert printed == expected and printed[0]["status"] == "held"
    table = CliRunner().invoke(app, ["board", "--since", "2026-10-26"]).output
    assert "Person ID is repeated: 2 row(s)" in table and "12 report runs due 2026-10-26 to 2026-11-01" in table


def test_the_plugin_refuses_anyone_not_signed_in_to_airflow(week):
    from fastapi.testclient import TestClient

    from reporting.board_plugin import create_app

    client = TestClient(create_app())  # Airflow's own requires_authenticated()
    for path in ("/", "/api?since=2026-10-26"):
        refused = client.get(path)
        assert refused.status_code == 401 and "old@example.org" not in refused.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_board_page_in_headless_chromium_shows_the_rest_data(week, tmp_path):
    """The page as the performance team opens it, in a real browser, against its own JSON."""
    import uvicorn
    from fastapi.testclient import TestClient

    from reporting.board_plugin import create_app

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed (make setup installs Debian's chromium)"
    app = create_app(authenticated=lambda: None)  # signed in: the Airflow check is tested above
    api = TestClient(app).get("/api", params={"since": "2026-10-26"}).json()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/?since=2026-10-26"
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1280,900"]
        dom = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
        shot = tmp_path / "board.png"
        subprocess.run([chromium, *flags, f"--screenshot={shot}", url], capture_output=True, timeout=120)
    finally:
        server.should_exit = True
        thread.join(10)
    assert "MI board: report runs due 26 Oct 2026 to 1 Nov 2026" in dom
    body = dom[dom.index("<tbody>"):]
    titles = [r["title"] for r in api]
    positions = [body.index(f">{title}</a>") for title in titles]
    assert positions == sorted(positions), "the page lists the runs in the API's order"
    assert api[0]["status"] == "held" and "held: Person ID is repeated: 2 row(s)" in body
    assert "old@example.org (report) rejected: 550 mailbox unavailable" in body
    # the ready run's row: 1 sent, and 1 waiting for the staff digest (the tenth column, "Queued for digest")
    title_at = body.index(f">{api[-1]['title']}</a>")
    row = body[body.rindex("<tr", 0, title_at):body.index("</tr>", title_at)]
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert (cells[5], cells[9]) == ("1", "1") and api[-1]["deliveries"]["queued"] == 1
    assert shot.stat().st_size > 10_000
    docs_shot = Path(__file__).resolve().parents[1] / "docs" / "board.png"
    if os.environ.get("MI_WRITE_DOCS_SCREENSHOTS"):  # refresh the runbook's picture of this week
        shutil.copyfile(shot, docs_shot)
    assert docs_shot.exists(), "docs/board.png: the screenshot in the runbook (MI_WRITE_DOCS_SCREENSHOTS=1)"


def test_the_weekly_digest_tells_the_performance_team_what_needs_them(week, monkeypatch):
    """The Monday digest DAG's task, as Airflow runs it: one e-mail, urgent runs named with why."""
    import email
    from email import policy

    import pendulum

    from reporting.orchestration.dag_factory import build_housekeeping_dags

    monkeypatch.setenv("MI_OUTBOX_DIR", str(week / "outbox"))
    monkeypatch.setenv("MI_TRANSPORT", "outbox")
    monkeypatch.setenv("MI_PERFORMANCE_TEAM_EMAIL", "performance@example.org")
    dag = build_housekeeping_dags()["mi_board_digest"]
    thursday = pendulum.datetime(2026, 10, 29, 13, tz="Europe/London")  # 23 to 29 Oct: the 12 of Monday 26th
    counts = dag.get_task("send_digest").python_callable(data_interval_end=thursday)
    assert counts == {"runs": 12, "not_ready": 11}
    messages = sorted((email.message_from_bytes(p.read_bytes(), policy=policy.default)
                       for p in (week / "outbox").glob("*.eml")), key=lambda m: m["Subject"])
    assert [m["To"] for m in messages] == ["performance@example.org"]
    latest = messages[0]
    assert latest["Subject"] == "[MI] Report runs 23 Oct to 29 Oct 2026: 1 held, 9 late, 1 not delivered, 1 ready"
    body = latest.get_body(("plain",)).get_content()
    assert f"HELD: CP children with visits due in the next week ({HELD})" in body
    assert "held by: Person ID is repeated: 2 row(s)" in body
    assert "old@example.org (all): rejected: 550 mailbox unavailable" in body
    assert "1 run(s) went to plan: 1 e-mails sent." in body
    assert "1 report copy is waiting for the staff digest (the mi_staff_digest DAG sends them)." in body


def test_the_board_links_to_the_archived_report_and_the_quality_page_and_nothing_else(week):
    """Behind the same sign-in: the whole report's HTML exactly as archived (checked against its
    manifest), the source data-quality page; no other path of the archive."""
    import hashlib

    from fastapi.testclient import TestClient

    from reporting import settings
    from reporting.board_plugin import create_app

    folder = archive.period_dir(SENT, "2026-10-25")
    html = "<html><body>Initial CP conferences, the archived copy</body></html>"
    (folder / f"{SENT}.html").write_text(html)
    archive.write_manifest(folder, {"rows": 216, "content_hash": "h",
                                    "file_hashes": {f"{SENT}.html": hashlib.sha256(html.encode()).hexdigest()}})
    client = TestClient(create_app(authenticated=lambda: None))
    page = client.get("/", params={"since": "2026-10-26"}).text
    assert f'href="report/{SENT}/2026-10-25"' in page and 'href="quality/index.html"' in page
    assert client.get(f"/report/{SENT}/2026-10-25").text == html
    assert client.get(f"/report/{HELD}/2026-10-25").status_code == 404  # held: nothing rendered
    assert client.get("/report/no_such_report/2026-10-25").status_code == 404
    assert client.get(f"/report/{SENT}/..%2F..").status_code in (404, 422)  # a period is a date, nothing else
    assert client.get(f"/report/{SENT}/2026-13-45").status_code == 422
    (folder / f"{SENT}.html").write_text(html.replace("archived", "altered"))
    assert client.get(f"/report/{SENT}/2026-10-25").status_code == 409  # not what the manifest vouches for
    assert client.get("/quality/index.html").status_code == 404  # no source check published yet
    quality = Path(settings.archive_dir()) / "_quality"
    quality.mkdir(parents=True)
    (quality / "index.html").write_text("<p>source data quality</p>")
    assert client.get("/quality/index.html").text == "<p>source data quality</p>"
    assert client.get("/quality/summary.json").status_code == 422
    refused = TestClient(create_app()).get(f"/report/{SENT}/2026-10-25")
    assert refused.status_code == 401 and "archived copy" not in refused.text
