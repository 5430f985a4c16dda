"""Fault scenarios 3, 4 and 10: the mail server down, refusing some recipients, failing at random.

A real SMTP server (aiosmtpd, the Server helper of test_delivery) with handlers that refuse chosen
or random RCPT/DATA commands. What the server *accepted* is compared with the delivery ledger:
nothing lost, nothing twice.
"""

from __future__ import annotations

import email
import random
import threading
from collections import Counter
from email import policy

import pytest
from sqlalchemy import create_engine
from test_delivery import Server, extract_of, free_port  # the shared aiosmtpd helper and extract cache

from reporting.definitions import load_catalogue
from reporting.delivery.ledger import Ledger
from reporting.delivery.recipients import Person
from reporting.delivery.transport import SmtpTransport
from reporting.orchestration import notify
from reporting.plan import Assignment, assign
from reporting.publish import publish_period

pytestmark = pytest.mark.xdist_group("sqlite_seed")
REPORT = "cp_visits_due_next_week"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MI_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("MI_PERFORMANCE_TEAM_EMAIL", "performance-team@example.org")
    return tmp_path


class Choosy:
    """An aiosmtpd handler that refuses chosen recipients: 4xx `times` times, or 5xx always."""

    def __init__(self, temporary: dict[str, int], permanent: set[str]):
        self.temporary, self.permanent = dict(temporary), set(permanent)
        self.messages: list = []
        self.refusals: Counter = Counter()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.permanent:
            self.refusals[(address, 550)] += 1
            return "550 5.1.1 No such mailbox"
        if self.temporary.get(address, 0) > 0:
            self.temporary[address] -= 1
            self.refusals[(address, 451)] += 1
            return "451 4.2.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


class Unreliable:
    """Fails a seeded 10% of RCPTs and 10% of DATAs with 451 (about 19% of sends); logs what it accepted."""

    def __init__(self, seed: int, rate: float = 0.10):
        self.random, self.rate, self.lock = random.Random(seed), rate, threading.Lock()
        self.accepted: list[tuple[str, str]] = []  # (To, Message-ID) of every message stored
        self.injected = 0

    def _fail(self) -> bool:
        with self.lock:
            failed = self.random.random() < self.rate
            self.injected += failed
            return failed

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._fail():
            return "451 4.3.0 Injected temporary failure (RCPT)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self._fail():
            return "451 4.3.0 Injected temporary failure (DATA)"
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.accepted.append((message["To"], message["Message-ID"]))
        return "250 OK"


def serve(handler, port: int | None = None):
    server = Server(port)
    from aiosmtpd.controller import Controller

    server.controller = Controller(handler, hostname="127.0.0.1", port=server.port)
    return server


@pytest.fixture(scope="module")
def report():
    return load_catalogue().get(REPORT)


# ---- 3. SMTP down, then up: everything pending goes once -------------------------------------------
def test_smtp_down_then_up_two_workers_resume_and_each_recipient_gets_one_copy(seeded_sqlite_url, report, env):
    """Extends test_delivery.test_smtp_down_then_up_delivers_everything_once: on resume two workers run
    at once (a retried task and a manual re-run), then a third pass finds nothing left."""
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    assignments = assign(report, rows, period.end, engine)
    expected = {a.person.email for a in assignments if a.rows}
    assert len(expected) >= 5
    state = f"sqlite:///{env / 'state.sqlite'}"
    port = free_port()  # nothing listens: the server is down

    def run(ledger_url=state):
        ledger = Ledger(ledger_url)
        try:
            return publish_period(report, rows, period, period.end, casedb=engine,
                                           transport=SmtpTransport("127.0.0.1", port, timeout=5), ledger=ledger,
                                           formats=["csv"], attempts=2, backoff=0.01, assignments=assignments)
        finally:
            ledger.dispose()

    down = run()
    assert down["sent"] == 0 and down["failed"] == len(expected)
    results = []
    with Server(port) as server:
        threads = [threading.Thread(target=lambda: results.append(run())) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        again = run()
    engine.dispose()
    received = Counter(m["To"] for m in server.messages)
    assert set(received) == expected, "a pending delivery was lost"
    assert max(received.values()) == 1, "a recipient got two copies"
    assert sum(r["sent"] for r in results) == len(expected) and again["sent"] == 0
    ledger = Ledger(state)
    sent = [e for e in ledger.entries(report.id) if e["state"] == "sent"]
    assert sorted(e["recipient"] for e in sent) == sorted(expected)
    assert all(e["attempts"] == 3 for e in sent), "two failed tries while down + the one that worked"
    ledger.dispose()


# ---- 4. per-recipient 4xx and 5xx -----------------------------------------------------------------
def test_temporary_refusal_is_retried_permanent_is_recorded_and_notified_others_unaffected(
        seeded_sqlite_url, report, env):
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    assignments = [a for a in assign(report, rows, period.end, engine) if a.rows]
    busy, gone, *others = [a.person.email for a in assignments]
    handler = Choosy(temporary={busy: 2}, permanent={gone})
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with serve(handler) as server:
        transport = SmtpTransport("127.0.0.1", server.port, timeout=5)
        first = publish_period(report, rows, period, period.end, casedb=engine, transport=transport,
                                        ledger=ledger, formats=["csv"], backoff=0.01, assignments=assignments)
        # the task is retried (or re-run): nothing is sent again, the refused address is not retried
        second = publish_period(report, rows, period, period.end, casedb=engine, transport=transport,
                                         ledger=ledger, formats=["csv"], backoff=0.01, assignments=assignments)
    engine.dispose()
    assert handler.refusals == Counter({(busy, 451): 2, (gone, 550): 1}), "5xx must not be retried"
    reports = [m for m in handler.messages if m["To"] != notify.performance_team_email()]
    assert sorted(m["To"] for m in reports) == sorted([busy, *others])
    assert first["sent"] == len(assignments) - 1 and first["rejected"] == 1 and first["failed"] == 0
    assert first["rejection_notices"] == 1
    assert second["sent"] == 0 and second["rejection_notices"] == 0
    entries = {e["recipient"]: e for e in ledger.entries(report.id) if e["kind"] == "report"}
    assert entries[busy]["state"] == "sent" and entries[busy]["attempts"] == 3
    assert entries[gone]["state"] == "rejected" and entries[gone]["last_error"].startswith("SMTP 550")
    assert all(entries[o]["state"] == "sent" and entries[o]["attempts"] == 1 for o in others)
    # the performance team hears about the refusal once, naming the address and the server's reply
    [notice] = [m for m in handler.messages if m["To"] == notify.performance_team_email()]
    body = notice.get_content()
    assert "NOT DELIVERED" in notice["Subject"] and report.spec.title in notice["Subject"]
    assert gone in body and "SMTP 550" in body and busy not in body
    for row in rows:  # a notice about addresses carries no child data
        assert str(row["person_id"]) not in body and str(row["child_name"]) not in body
    [noticed] = [e for e in ledger.entries(report.id) if e["kind"] == "notice"]
    assert noticed["state"] == "sent" and noticed["message_id"] == notice["Message-ID"]
    ledger.dispose()


# ---- 10. 1,000 deliveries, 20% injected failures --------------------------------------------------
def test_a_thousand_deliveries_with_injected_failures_none_lost_none_twice(seeded_sqlite_url, report, env,
                                                                          record_property):
    import time

    period, rows = extract_of(seeded_sqlite_url, report)
    people = [Person(f"reader{i:04d}@example.org", f"Reader {i}", "all", None, "All teams", "staff", ("DMM",))
              for i in range(1000)]
    assignments = [Assignment(p, rows, list(range(len(rows))), None) for p in people]
    handler = Unreliable(seed=20261026)
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    started = time.perf_counter()
    passes = []
    with serve(handler) as server:
        transport = SmtpTransport("127.0.0.1", server.port, timeout=5)
        while not passes or passes[-1]["failed"]:  # a task retry per pass, as Airflow would
            assert len(passes) < 5, f"deliveries still failing after {len(passes)} passes: {passes}"
            passes.append(publish_period(report, rows, period, period.end, casedb=None, transport=transport,
                                                  ledger=ledger, formats=["csv"], attempts=3, backoff=0.0,
                                                  assignments=assignments))
    record_property("thousand_deliveries_seconds", round(time.perf_counter() - started, 1))
    attempts_made = sum(e["attempts"] for e in ledger.entries(report.id))
    assert handler.injected >= 150, f"only {handler.injected} failures injected"
    assert attempts_made == 1000 + handler.injected, "every refused try is counted in the ledger"
    received = Counter(to for to, _ in handler.accepted)
    assert len(handler.accepted) == 1000 and set(received) == {p.email for p in people}, "lost"
    assert max(received.values()) == 1, "duplicated"
    sent = {e["recipient"]: e["message_id"] for e in ledger.entries(report.id) if e["state"] == "sent"}
    assert sent == dict(handler.accepted), "the ledger and the server's log disagree"
    assert sum(p["sent"] for p in passes) == 1000
    ledger.dispose()
