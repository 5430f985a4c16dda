"""One digest per recipient per run: `mi run` delivering several reports sends each member
of staff ONE e-mail, through a real SMTP server (aiosmtpd) and real rendered files.

Who should receive what comes from the staff directory by plain SQL (test_delivery.staff), the
figures each section must show from the manifests render wrote, the periods from the timetable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from test_delivery import Server, extract_of, staff  # the shared aiosmtpd helper, extract cache, directory

from reporting import settings
from reporting.casedb import readonly
from reporting.definitions import load_catalogue
from reporting.delivery.addresses import MailConfigError, policy
from reporting.delivery.ledger import Ledger
from reporting.delivery.message import period_text
from reporting.delivery.recipients import load_partners
from reporting.delivery.transport import SmtpTransport, TemporaryFailure

pytestmark = pytest.mark.xdist_group("sqlite_seed")
REPO_CONFIG = settings.REPO_ROOT / "config"
# three weekly lists sent whole (scope all): IRO receive all three, business support two, superusers one
REPORTS = ("cp_conferences_incomplete", "icpc_first_review_timeliness", "rcpc_next_review_timeliness")
RECEIVES = {"IRO": set(REPORTS), "BUSINESS_SUPPORT": set(REPORTS[1:]), "SUPERUSER": {REPORTS[0]}}
FORMATS = ["pdf", "xlsx", "csv", "html"]
DIGEST = re.compile(r"^\[OFFICIAL-SENSITIVE\] MI reports run on (\d{1,2} \w\w\w \d{4}): (.+)$")


def written(day) -> str:
    """A date as the reports and e-mails write it: "1 Oct 2026" (no leading zero)."""
    return f"{day.day} {day:%b %Y}"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MI_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("MI_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("MI_PERFORMANCE_TEAM_EMAIL", "performance-team@example.org")
    return tmp_path


@pytest.fixture
def server(env, monkeypatch):
    with Server() as running:
        monkeypatch.setenv("MI_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MI_SMTP_PORT", str(running.port))
        monkeypatch.setenv("MI_SMTP_TIMEOUT", "5")
        yield running


def mail_config(env: Path, monkeypatch, text: str) -> None:
    """A copy of config/ with `text` as its mail.yml's digest and attachments settings."""
    config = env / "config"
    shutil.copytree(REPO_CONFIG, config)
    domains = "council: [example.org]\npartners: [example.org]\nschools: [schools.example.org]\n"
    (config / "mail.yml").write_text(domains + text)
    monkeypatch.setenv("MI_CONFIG_DIR", str(config))


def selection(url: str, ids=REPORTS):
    catalogue = load_catalogue()
    return [(catalogue.get(i), extract_of(url, catalogue.get(i))[0]) for i in ids]


def run(url: str, ids=REPORTS, **kw):
    from reporting.batch import run_batch

    engine = readonly.case_engine(url)
    try:
        return run_batch(selection(url, ids), engine, formats=FORMATS, deliver=True, **{"jobs": 1, **kw})
    finally:
        engine.dispose()


def expected_reports(url: str) -> dict[str, set[str]]:
    """address -> the reports of REPORTS owed to it, from ext_staff."""
    period = selection(url)[0][1]
    owed: dict[str, set[str]] = {}
    for role, reports in RECEIVES.items():
        for address in staff(url, role, period.end):
            owed.setdefault(address, set()).update(reports)
    return owed


def sections(message) -> dict[str, str]:
    """The text body cut into its numbered sections, by report title."""
    body = message.get_body(("plain",)).get_content()
    parts = re.split(r"^\d+\. (?:CORRECTION: )?", body, flags=re.M)[1:]
    return {part.splitlines()[0]: part for part in parts}


def manifest(env: Path, report_id: str, period) -> dict:
    return json.loads((env / "archive" / report_id / period.end.isoformat() / "manifest.json").read_text())


def capped(env: Path, report_id: str, period) -> bool:
    recorded = manifest(env, report_id, period)
    return recorded["pdf_rows"] < recorded["rows"]


# ---- one e-mail each, with every report's headline -------------------------------------------------
def test_each_recipient_gets_one_email_with_each_reports_headline_and_pdf_and_xlsx(seeded_sqlite_url, env,
                                                                                    server, monkeypatch):
    monkeypatch.setenv("MI_ARCHIVE_URL", "https://mi-archive.example.org/reports/")
    catalogue = load_catalogue()
    chosen = selection(seeded_sqlite_url)
    period = chosen[0][1]
    assert {p for _, p in chosen} == {period}, "three weekly reports: one period"
    owed = expected_reports(seeded_sqlite_url)
    assert any(len(v) == 3 for v in owed.values()) and any(len(v) == 2 for v in owed.values())
    # the previous week rendered first, so each list has something to compare with (since last time)
    from reporting.batch import run_batch
    from reporting.schedules.periods import latest_complete_period

    previous = latest_complete_period("weekly", period.start)
    engine = readonly.case_engine(seeded_sqlite_url)
    run_batch([(catalogue.get(i), previous) for i in REPORTS], engine, formats=FORMATS, deliver=False)
    engine.dispose()

    items = run(seeded_sqlite_url)
    assert [(i.report_id, i.status) for i in items if i.status == "failed"] == []

    by_to = Counter(m["To"] for m in server.messages)
    assert set(by_to) == set(owed) and set(by_to.values()) == {1}, "exactly one e-mail each"
    for message in server.messages:
        reports = owed[message["To"]]
        subject = DIGEST.match(message["Subject"])
        assert subject, message["Subject"]
        # one report is named; more are counted
        assert subject.group(2) == (catalogue.get(next(iter(reports))).spec.title if len(reports) == 1
                                    else f"{len(reports)} reports")
        found = sections(message)
        assert set(found) == {catalogue.get(r).spec.title for r in reports}
        attached = sorted(p.get_filename() for p in message.iter_attachments())
        assert attached == sorted(f"{r}.{f}" for r in reports for f in ("pdf", "xlsx")), "PDF and XLSX, no CSV"
        for report_id in reports:
            spec = catalogue.get(report_id).spec
            text = found[spec.title]
            recorded = manifest(env, report_id, period)
            # its own headline, naming its own period (or the window its figures count over)
            assert f"Period: {period_text(period)}" in text and "For: the whole report" in text
            if spec.figures_cover != "period":  # counted over the 12 months to the period end
                start = period.end.replace(year=period.end.year - 1) + timedelta(days=1)
                assert f"Figures for the 12 months {written(start)} to {written(period.end)}:" in text
            for label, value in recorded["headline"]:
                assert f"  {label}: {value}" in text
            # and what changed since last week's list
            assert recorded["since_last"]["compared_with"]["end"] == previous.end.isoformat()
            assert f"  New since the last list: {recorded['since_last']['new']:,}" in text
            assert f"since the list for the period ending {written(previous.end)})" in text  # a date as people write it
            # the first red records to act on, in the list's order, from the extract's own rows
            rag = next(c.rag for c in spec.columns if c.rag)
            key = spec.columns[0]
            red = [r for r in extract_of(seeded_sqlite_url, catalogue.get(report_id))[1] if r[rag] == "red"]
            assert red, f"{report_id}: the seed should have red records to list"
            listed = re.findall(rf"^  - {re.escape(key.label)}: ([^;]+);", text, re.M)
            assert listed == [str(r[key.name]) for r in red[:5]], report_id
            said = "The red record" if len(red) == 1 else (
                f"The first 5 of {len(red):,} red records" if len(red) > 5 else f"The {len(red)} red records")
            assert f"{said} on your list:" in text
            # and where to open it: the archived HTML under MI_ARCHIVE_URL
            link = f"https://mi-archive.example.org/reports/{report_id}/{period.end.isoformat()}/{report_id}.html"
            assert f"Open in the archive: {link}" in text
            assert (env / "archive" / report_id / period.end.isoformat() / f"{report_id}.html").is_file()
    # cp_conferences_incomplete: its headline is its first summary's total over the list (every row)
    rows = extract_of(seeded_sqlite_url, catalogue.get(REPORTS[0]))[1]
    assert manifest(env, REPORTS[0], period)["rows"] == len(rows)

    # the ledger: one row per report x recipient, all sent, pointing at the one message they went in
    ledger = Ledger()
    entries = [e for r in REPORTS for e in ledger.entries(r, period.end.isoformat())]
    ledger.dispose()
    assert Counter((e["report_id"], e["recipient"]) for e in entries) == Counter(
        {(r, to): 1 for to, reports in owed.items() for r in reports})
    assert {e["state"] for e in entries} == {"sent"}
    message_ids = {m["To"]: m["Message-ID"] for m in server.messages}
    assert all(e["message_id"] == message_ids[e["recipient"]] for e in entries)
    # each report's counts include its part of the digests
    by_report = {i.report_id: i.delivery for i in items}
    for report_id in REPORTS:
        owed_it = sum(report_id in v for v in owed.values())
        assert by_report[report_id]["sent"] == by_report[report_id]["in_digest"] == owed_it

    # the same run again: nothing is sent twice
    again = run(seeded_sqlite_url)
    assert len(server.messages) == len(owed)
    assert all(i.delivery["already_sent"] == i.delivery["in_digest"] and i.delivery["sent"] == 0 for i in again)


def test_worker_processes_hand_their_digest_sends_back_to_one_digest_each(seeded_sqlite_url, env, server):
    """`mi run -j 2`: each report runs in a worker process; the digests still go once, from the run."""
    owed = expected_reports(seeded_sqlite_url)
    items = run(seeded_sqlite_url, jobs=2)
    assert [(i.report_id, i.status, i.error) for i in items if i.status == "failed"] == []
    assert Counter(m["To"] for m in server.messages) == Counter(dict.fromkeys(owed, 1))
    assert {i.report_id: i.delivery["sent"] for i in items} == {
        r: sum(r in reports for reports in owed.values()) for r in REPORTS}


def sender_pid(session) -> int:
    """The process on the other end of an aiosmtpd session (the one that opened the connection)."""
    import psutil

    peer = tuple(session.peer[:2])
    # an earlier connection from the same port can linger without a process (TIME_WAIT, pid None)
    # beside the live one: take the one that has a process
    return next(c.pid for c in psutil.net_connections("tcp")
                if c.pid is not None and c.laddr and (c.laddr.ip, c.laddr.port) == peer)


def record_digest_parts(monkeypatch) -> list[list[set[str]]]:
    """The recipients of each part of the digests, as each run splits them (`batch.digest_parts`)."""
    from reporting.batch import digest_parts

    made: list[list[set[str]]] = []

    def noted(due, jobs):
        parts = digest_parts(due, jobs)
        made.append([{d.person.email for d in part} for part in parts])
        return parts

    monkeypatch.setattr("reporting.batch.digest_parts", noted)
    return made


def test_digests_sent_by_two_processes_record_refusals_and_notify_them_once_per_report(seeded_sqlite_url, env,
                                                                                     monkeypatch):
    """`mi run -j 2` sends the digests from two worker processes, each for a part of the recipients.
    One recipient in each part is refused for good (550): each refusal is recorded for every report
    of that digest, the others get theirs, and the performance team is told once per report, naming
    both, not once per process."""
    from test_fault_smtp import Choosy, serve


    class Witness(Choosy):
        """Notes which process each recipient's connection came from."""

        def __init__(self, permanent):
            super().__init__(temporary={}, permanent=permanent)
            self.senders: dict[str, list[int]] = {}

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            self.senders.setdefault(address, []).append(sender_pid(session))
            return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    owed = expected_reports(seeded_sqlite_url)
    period = selection(seeded_sqlite_url)[0][1]
    iro = set(staff(seeded_sqlite_url, "IRO", period.end))  # owed all three reports
    made = record_digest_parts(monkeypatch)
    # a run to the outbox first, to refuse one IRO in each part of the run by SMTP
    first_run = run(seeded_sqlite_url, jobs=2)
    [parts] = made
    assert len(parts) == 2 and [i.status for i in first_run if i.status == "failed"] == []
    gone = {sorted(part & iro)[0] for part in parts}
    assert len(gone) == 2

    for name in ("archive", "state.sqlite", "outbox"):  # the same run again, from nothing, by SMTP
        shutil.rmtree(env / name) if (env / name).is_dir() else (env / name).unlink()
    handler = Witness(permanent=gone)
    with serve(handler) as server:
        monkeypatch.setenv("MI_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MI_SMTP_PORT", str(server.port))
        monkeypatch.setenv("MI_SMTP_TIMEOUT", "5")
        items = run(seeded_sqlite_url, jobs=2)
    assert made == [parts, parts]
    team = "performance-team@example.org"
    digests = Counter(m["To"] for m in handler.messages if m["To"] != team)
    assert digests == Counter(dict.fromkeys(set(owed) - gone, 1))
    assert handler.refusals == Counter({(to, 550): 1 for to in gone}), "one digest each, refused once, not retried"
    # two processes sent the digests, neither of them this one; each refused IRO from a different one;
    # the notices came from this one (the run), once both parts were done
    senders = {pid for to, pids in handler.senders.items() if to != team for pid in pids}
    assert len(senders) == 2 and os.getpid() not in senders
    assert len({pid for to in gone for pid in handler.senders[to]}) == 2
    assert handler.senders[team] == [os.getpid()] * len(REPORTS)
    catalogue = load_catalogue()
    notices = {m["Subject"]: m.get_content() for m in handler.messages if m["To"] == team}
    assert sorted(notices) == sorted(f"[MI] NOT DELIVERED: {catalogue.get(r).spec.title}: {period_text(period)} "
                                     "(2 recipient(s) refused)" for r in REPORTS)
    assert all(to in body for body in notices.values() for to in gone)
    by_report = {i.report_id: i.delivery for i in items}
    for report_id in REPORTS:  # 3 reports: each owed to both refused IROs and to the others (sent)
        assert by_report[report_id]["rejected"] == 2 and by_report[report_id]["rejection_notices"] == 1
        assert by_report[report_id]["sent"] == sum(report_id in v for to, v in owed.items() if to not in gone)
        assert by_report[report_id]["failed"] == 0


def test_a_digest_worker_killed_mid_part_loses_nothing_and_the_next_run_sends_the_rest_once(seeded_sqlite_url, env,
                                                                                            monkeypatch):
    """A worker process sending a part of the digests has its first recipient refused for good (550),
    then is killed (as the kernel's out-of-memory killer would) at its second. The run reads back
    from the ledger what the dead worker did: that refusal is counted and the performance team told
    of it, the rest of its part counted failed; the other part is sent in full. Once the dead
    worker's claim has run out, the next run sends the rest of the killed part, each recipient one
    digest, and nobody else anything again."""
    import signal

    from sqlalchemy import text
    from test_fault_smtp import Choosy, serve


    team = "performance-team@example.org"

    class RefuseThenKill(Choosy):
        """Refuses the first recipient it is offered, then kills the process that offered it at its
        next recipient, once; notes which process sent each recipient."""

        def __init__(self):
            super().__init__(temporary={}, permanent=set())
            self.victim: int | None = None
            self.killed: str | None = None
            self.senders: dict[str, list[int]] = {}

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            pid = sender_pid(session)
            self.senders.setdefault(address, []).append(pid)
            if self.victim is None and pid != os.getpid():
                self.victim = pid
                self.permanent.add(address)
            elif pid == self.victim and self.killed is None:
                self.killed = address
                os.kill(pid, signal.SIGKILL)
                return "451 4.3.0 Try later"
            return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    owed = expected_reports(seeded_sqlite_url)
    made = record_digest_parts(monkeypatch)
    handler = RefuseThenKill()
    with serve(handler) as server:
        monkeypatch.setenv("MI_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MI_SMTP_PORT", str(server.port))
        monkeypatch.setenv("MI_SMTP_TIMEOUT", "5")
        first = run(seeded_sqlite_url, jobs=2)
        [refused] = handler.permanent
        assert handler.killed is not None, "the worker was killed at its second recipient"
        [parts] = made
        [killed_part] = [part for part in parts if refused in part]
        [other_part] = [part for part in parts if refused not in part]
        assert handler.killed in killed_part and len(killed_part) >= 3
        unsent = killed_part - {refused}
        digests = Counter(m["To"] for m in handler.messages if m["To"] != team)
        assert digests == Counter(dict.fromkeys(other_part, 1))
        by_report = {i.report_id: i for i in first}
        for report_id in REPORTS:
            item = by_report[report_id]
            assert item.status == "failed" and "failed" in item.error
            assert item.delivery["sent"] == sum(report_id in owed[to] for to in other_part)
            assert item.delivery["rejected"] == (report_id in owed[refused])
            assert item.delivery["failed"] == sum(report_id in owed[to] for to in unsent)
            assert item.delivery["rejection_notices"] == (report_id in owed[refused])
        # the refusal the dead worker recorded is told, by the run's own process, once per report
        notices = [m for m in handler.messages if m["To"] == team]
        assert len(notices) == len(owed[refused]) and all(refused in m.get_content() for m in notices)
        assert set(handler.senders[team]) == {os.getpid()}
        # the dead worker's claim on its second recipient stands until its lease runs out
        ledger = Ledger()
        period_end = selection(seeded_sqlite_url)[0][1].end.isoformat()
        states = {(e["report_id"], e["recipient"]): e["state"]
                  for r in REPORTS for e in ledger.entries(r, period_end) if e["kind"] == "report"}
        assert {states.get((r, handler.killed)) for r in owed[handler.killed]} == {"sending"}
        assert {states.get((r, refused)) for r in owed[refused]} == {"rejected"}
        assert {states[(r, to)] for to in other_part for r in owed[to]} == {"sent"}
        with ledger.engine.begin() as conn:  # the lease runs out
            conn.execute(text("UPDATE mi_deliveries SET lease_until = :t WHERE state = 'sending'"),
                         {"t": "2000-01-01 00:00:00.000000"})

        again = run(seeded_sqlite_url, jobs=2)
    for item in again:  # the refusal stands (not retried), nothing else is left
        assert item.delivery["rejected"] == (item.report_id in owed[refused])
        assert item.delivery["failed"] == item.delivery["in_progress"] == 0
    digests = Counter(m["To"] for m in handler.messages if m["To"] != team)
    assert digests == Counter(dict.fromkeys(set(owed) - {refused}, 1)), \
        "the rest of the killed part sent once, nobody in the other part twice, the refused one not retried"
    assert len([m for m in handler.messages if m["To"] == team]) == len(owed[refused]), "told once"
    for item in again:
        assert item.delivery["sent"] == sum(item.report_id in owed[to] for to in unsent)
    entries = [e for r in REPORTS for e in ledger.entries(r, period_end) if e["kind"] == "report"]
    ledger.dispose()
    assert {e["state"] for e in entries if e["recipient"] != refused} == {"sent"}
    assert {e["attempts"] for e in entries if e["recipient"] == handler.killed} == {2}, \
        "claimed by the dead worker, then sent"


def test_attachments_and_digest_by_role_and_digest_off(seeded_sqlite_url, env, server, monkeypatch):
    catalogue = load_catalogue()
    owed = expected_reports(seeded_sqlite_url)
    period = selection(seeded_sqlite_url)[0][1]
    roles = {to: role for role in RECEIVES for to in staff(seeded_sqlite_url, role, period.end)}
    mail_config(env, monkeypatch, "digest: {default: true, SUPERUSER: false}\n"
                                  "attachments: {default: [pdf], BUSINESS_SUPPORT: [pdf, xlsx, csv]}\n")
    run(seeded_sqlite_url)
    received: dict[str, list] = {}
    for message in server.messages:
        received.setdefault(message["To"], []).append(message)
    assert set(received) == set(owed)
    for to, messages in received.items():
        files = sorted(p.get_filename() for m in messages for p in m.iter_attachments())
        if roles[to] == "SUPERUSER":  # digest off for the role: the report on its own, as before (every format)
            [message] = messages
            assert message["Subject"].startswith(f"[OFFICIAL-SENSITIVE] {catalogue.get(REPORTS[0]).spec.title}: ")
            assert files == sorted(f"{REPORTS[0]}.{f}" for f in FORMATS if f != "html")  # HTML: not attached
            continue
        [message] = messages
        assert DIGEST.match(message["Subject"])
        if roles[to] == "BUSINESS_SUPPORT":
            wanted = dict.fromkeys(owed[to], ("pdf", "xlsx", "csv"))
        else:  # the PDF alone, unless it shows only the first rows: then the XLSX with every row goes too
            wanted = {r: ("pdf", "xlsx") if capped(env, r, period) else ("pdf",) for r in owed[to]}
        assert files == sorted(f"{r}.{f}" for r in owed[to] for f in wanted[r]), (roles[to], files)
    assert any(capped(env, r, period) for r in REPORTS) and not all(capped(env, r, period) for r in REPORTS)

    # digest: false for everyone: per-report e-mails again (a fresh period: a new ledger and archive)
    server.collector.messages.clear()
    for name in ("archive", "state.sqlite"):
        shutil.rmtree(env / name) if (env / name).is_dir() else (env / name).unlink()
    mail_config_off = env / "config" / "mail.yml"
    mail_config_off.write_text(mail_config_off.read_text().split("digest:")[0] + "digest: false\n")
    items = run(seeded_sqlite_url)
    assert all(i.delivery["in_digest"] == 0 for i in items)
    per_report = Counter(m["To"] for m in server.messages)
    assert per_report == Counter({to: len(reports) for to, reports in owed.items()})
    titles = {catalogue.get(r).spec.title: r for r in REPORTS}
    for message in server.messages:
        assert not DIGEST.match(message["Subject"])
        title = message["Subject"].removeprefix("[OFFICIAL-SENSITIVE] ").split(": ")[0]
        assert titles[title] in owed[message["To"]]


def test_mail_yml_digest_settings_are_checked_naming_the_file_and_field(env, monkeypatch):
    for text, words in (("attachments: {default: [pdf, docx]}\n", "attachments.default[2]"),
                        ("attachments: {TEAM_MANAGERS: [pdf]}\n", "'TEAM_MANAGERS' is not a role"),
                        ("attachments: {TM: []}\n", "TM: no formats"),
                        ("digest: sometimes\n", "digest"),
                        ("digests: true\n", "digests: Extra inputs are not permitted")):
        mail_config(env, monkeypatch, text)
        with pytest.raises(MailConfigError) as error:
            policy()
        assert "mail.yml" in str(error.value) and words in str(error.value), str(error.value)
        shutil.rmtree(env / "config")
    mail_config(env, monkeypatch, "attachments: {TM: [pdf, csv]}\n")
    rules = policy()
    assert rules.attachments_for(("TM",)) == ("pdf", "csv") and rules.attachments_for(("SW",)) == ("pdf", "xlsx")
    assert rules.attachments_for(("SW", "TM")) == ("pdf", "xlsx", "csv") and rules.digest_for(("TM",)) is True


# ---- a digest that fails part-way -------------------------------------------------------------------
class FailAfter:
    """Passes the first `passes` messages to the real server, then fails every one: a temporary SMTP
    error, or (crash) an error the delivery code does not expect."""

    def __init__(self, inner, passes: int, crash: bool = False):
        self.inner, self.passes, self.crash, self.calls = inner, passes, crash, 0

    def send(self, message):
        self.calls += 1
        if self.calls > self.passes:
            if self.crash:
                raise OSError("No space left on device")
            raise TemporaryFailure("SMTP 451 try later", 451)
        self.inner.send(message)


@pytest.mark.parametrize("crash", [False, True], ids=["smtp-451", "crash"])
def test_a_run_failing_after_the_first_digest_sends_nothing_twice_on_retry(seeded_sqlite_url, env, crash):
    from reporting.batch import _run_one
    from reporting.delivery.deliver import deliver_digests

    owed = expected_reports(seeded_sqlite_url)
    chosen = selection(seeded_sqlite_url)
    period = chosen[0][1]
    engine = readonly.case_engine(seeded_sqlite_url)
    # the reports of the run rendered, with what each owes to whom (sent nothing yet)
    due = [d for report, p in chosen for d in _run_one(report, p, engine, FORMATS, True).due]
    engine.dispose()
    ledger = Ledger()
    with Server() as server:
        smtp = SmtpTransport("127.0.0.1", server.port, timeout=5)
        # one report went to an IRO already (a digest of an earlier, smaller run of the day)
        iro = next(to for to, reports in owed.items() if len(reports) == 3)
        early = [d for d in due if d.person.email == iro and d.report.id == REPORTS[0]]
        assert deliver_digests(early, period.end, transport=smtp, ledger=ledger)["digests"] == 1
        # the run: the first digest goes, then the server fails (or the process crashes) for the rest
        failing = FailAfter(smtp, passes=1, crash=crash)
        first = deliver_digests(due, period.end, transport=failing, ledger=ledger, attempts=1)
        assert first["digests"] == 1 and failing.calls == len(owed)
        assert sum(c["failed"] for c in first["reports"].values()) > 0
        assert not [e for r in REPORTS for e in ledger.entries(r) if e["state"] == "sending"], "claims given back"
        # the retry sends only what did not go
        retry = deliver_digests(due, period.end, transport=smtp, ledger=ledger)
        assert retry["digests"] == len(owed) - 1
        assert sum(c["sent"] for c in retry["reports"].values()) == \
            sum(c["failed"] for c in first["reports"].values())
        # and once more: nothing at all
        assert deliver_digests(due, period.end, transport=smtp, ledger=ledger)["digests"] == 0
    messages = server.messages
    # every report reached every recipient exactly once, over however many messages
    got = Counter((m["To"], title) for m in messages for title in sections(m))
    titles = {r: load_catalogue().get(r).spec.title for r in REPORTS}
    assert got == Counter({(to, titles[r]): 1 for to, reports in owed.items() for r in reports})
    assert Counter(m["To"] for m in messages)[iro] == 2  # the early report, then the other two
    later = [m for m in messages if m["To"] == iro][1]
    assert set(sections(later)) == {titles[r] for r in REPORTS[1:]}
    entries = [e for r in REPORTS for e in ledger.entries(r)]
    assert Counter((e["report_id"], e["recipient"]) for e in entries) == Counter(
        {(r, to): 1 for to, reports in owed.items() for r in reports})
    assert {e["state"] for e in entries} == {"sent"}
    assert {e["message_id"] for e in entries} == {m["Message-ID"] for m in messages}
    ledger.dispose()


# ---- outside the council ----------------------------------------------------------------------------
def test_partners_keep_their_own_encrypted_pdf_and_password_never_a_digest(seeded_sqlite_url, env, server):
    catalogue = load_catalogue()
    items = run(seeded_sqlite_url, ids=("cp_lists_to_agencies", REPORTS[0]))
    assert [(i.report_id, i.status, i.error) for i in items if i.status == "failed"] == []
    partners = {p.email for p in load_partners().partners if {"HOSPITALS", "CAIT"} & set(p.roles)}
    title = catalogue.get("cp_lists_to_agencies").spec.title
    passwords = [m for m in server.messages if "] Password: " in m["Subject"]]
    to_partners = [m for m in server.messages if m["To"] in partners and m not in passwords]
    assert Counter(m["To"] for m in to_partners) == Counter(partners), "one report message each"
    for message in to_partners:
        assert not DIGEST.match(message["Subject"]) and title in message["Subject"]
        assert [p.get_filename() for p in message.iter_attachments()] == ["cp_lists_to_agencies.encrypted.pdf"]
    assert passwords and all(not list(m.iter_attachments()) for m in passwords)
    # staff got the other report in a digest
    staff_messages = [m for m in server.messages if m["To"] not in partners and m not in passwords]
    assert staff_messages and all(DIGEST.match(m["Subject"]) for m in staff_messages)


# ---- under Airflow: the report runs queue, mi_staff_digest sends -------------------------------------
def test_report_runs_queue_staff_sends_and_the_days_digest_task_sends_one_email_each(seeded_sqlite_url, env,
                                                                                      server, monkeypatch):
    """Each report DAG's deliver task queues its staff sends (no e-mail yet); the day's send_digests
    task sends every person one e-mail with every report queued for them and empties the queue; a
    send that failed stays queued and only it goes on the retry."""
    from reporting.delivery import digest_queue
    from reporting.orchestration import tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    owed = expected_reports(seeded_sqlite_url)
    period = selection(seeded_sqlite_url)[0][1]
    start, end = period.start.isoformat(), period.end.isoformat()
    for report_id in REPORTS:
        out = tasks.extract(report_id, start, end, end)
        tasks.check_quality(report_id, out["staging"])
        delivered = [tasks.deliver(report_id, tasks.render(report_id, out["staging"], t)) for t in out["targets"]]
        assert sum(d["delivery"]["in_digest"] for d in delivered) == sum(report_id in v for v in owed.values())
        assert sum(d["delivery"]["sent"] for d in delivered) == 0
    assert server.messages == [], "nothing is sent until the digest task runs"
    queued = sorted(p.name for p in digest_queue.pending_dir().iterdir())
    assert queued == sorted(f"{r}__{end}__all.json" for r in REPORTS)
    text = " ".join((digest_queue.pending_dir() / name).read_text() for name in queued)
    assert '"rows": ' in text and "person_id" not in text  # the queue names people and copies, no row

    # the connection drops on the first person's digest: it stays queued, the others go
    first_person = sorted(owed)[0]
    refused = {"to": first_person}
    real_send = _patch_send_dropping(monkeypatch, refused)
    with pytest.raises(RuntimeError, match=r"not yet sent to everyone owed them"):
        tasks.send_digests(end)
    assert sorted(m["To"] for m in server.messages) == sorted(set(owed) - {first_person})
    left = {p.name for p in digest_queue.pending_dir().iterdir()}
    assert left == {f"{r}__{end}__all.json" for r in owed[first_person]}
    # the retry (the mail server back): only the first person's digest goes; then the queue is empty
    refused["to"] = None
    retried = tasks.send_digests(end)
    assert retried["digests"] == 1 and retried["left"] == 0 and real_send.calls >= 1
    assert Counter(m["To"] for m in server.messages) == Counter(dict.fromkeys(owed, 1))
    assert list(digest_queue.pending_dir().iterdir()) == []
    assert tasks.send_digests(end)["queued"] == 0
    for message in server.messages:
        assert set(sections(message)) == {load_catalogue().get(r).spec.title for r in owed[message["To"]]}


def _patch_send_dropping(monkeypatch, refused: dict):
    """The SMTP connection drops on a send to `refused["to"]` while it is set."""
    from reporting.delivery import transport as transport_module

    original = transport_module.SmtpTransport.send

    class Calls:
        calls = 0

    def send(self, message):
        if refused["to"] and message["To"] == refused["to"]:
            raise ConnectionResetError("connection reset by peer")
        Calls.calls += 1
        return original(self, message)

    monkeypatch.setattr(transport_module.SmtpTransport, "send", send)
    return Calls


def test_a_queued_file_settled_by_a_concurrent_digest_task_is_skipped_not_an_error(tmp_path):
    """Two digest tasks at once (two runs of one period): one lists the queue, the other sends and
    removes a file before the first reads it. Its sends are in the ledger, so the first skips it;
    an unreadable file is still an error naming it."""
    from reporting.delivery import digest_queue

    first = digest_queue.put("report_a", "2026-10-25", None, [], root=tmp_path)
    second = digest_queue.put("report_b", "2026-10-25", "T-1", [], root=tmp_path)
    os.utime(first, (1, 1))  # oldest first: report_a is read before report_b
    reading = digest_queue.pending(tmp_path)
    assert next(reading) == (first, [])
    second.unlink()  # settled by the other task meanwhile
    assert list(reading) == []
    first.write_text("{not json", encoding="utf-8")
    with pytest.raises(digest_queue.DigestQueueError, match=r"report_a__2026-10-25__all\.json: not readable"):
        list(digest_queue.pending(tmp_path))
