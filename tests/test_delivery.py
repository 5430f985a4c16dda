"""Delivery against a real SMTP server (aiosmtpd, started here): who got what, once, and safely.

Expected recipients come from the staff directory by plain SQL here, not from the delivery code;
expected rows per slice come from the report's extract grouped by hand.
"""

from __future__ import annotations

import csv
import email
import io
import json
import socket
import threading
import warnings
from collections import Counter, defaultdict
from datetime import date
from email import policy

import pytest
from sqlalchemy import create_engine, text

from reporting.definitions import load_catalogue
from reporting.delivery.ledger import Ledger
from reporting.delivery.transport import SmtpTransport, TemporaryFailure
from reporting.extract import ReportSQLError, run_extract
from reporting.plan import assign
from reporting.publish import publish_period
from reporting.schedules.periods import latest_complete_period

AS_AT = date(2026, 10, 26)
SEED = pytest.mark.xdist_group("sqlite_seed")


# ---- a real SMTP server ----------------------------------------------------------------------------
class Collector:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int | None = None):
        from aiosmtpd.controller import Controller

        self.port = port or free_port()
        self.collector = Collector()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self):
        return self.collector.messages


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MI_OUTBOX_DIR", str(tmp_path / "outbox"))
    return tmp_path


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


_extracts: dict = {}


def extract_of(url: str, report):
    """One extract per report per session (the seed is shared; the SQL is slow to repeat)."""
    if (url, report.id) not in _extracts:
        period = latest_complete_period(report.spec.cadence, AS_AT)
        engine = create_engine(url)
        rows = run_extract(report, engine, period_start=period.start, period_end=period.end, as_at=period.end).rows
        engine.dispose()
        _extracts[(url, report.id)] = (period, rows)
    return _extracts[(url, report.id)]


def staff(url: str, role: str, as_of: date) -> dict[str, tuple[str, str]]:
    """email -> (professional id, team) for staff in `role` on `as_of`, straight from ext_staff."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT staf_email, staf_professional_id, staf_team_id FROM ext_staff WHERE staf_role = :r "
            "AND staf_start_date <= :d AND (staf_leave_date IS NULL OR staf_leave_date > :d)"),
            {"r": role, "d": as_of}).all()
    engine.dispose()
    return {r[0]: (r[1], r[2]) for r in rows}


def csv_rows(message) -> list[dict]:
    part = next(p for p in message.iter_attachments() if p.get_filename().endswith(".csv"))
    return list(csv.DictReader(io.StringIO(part.get_content() if isinstance(part.get_content(), str)
                                           else part.get_content().decode())))


def deliver(report, url, server_port, ledger, **kw):
    period, rows = extract_of(url, report)
    engine = create_engine(url)
    try:
        return publish_period(report, rows, period, period.end, casedb=engine,
                                       transport=SmtpTransport("127.0.0.1", server_port, timeout=5),
                                       ledger=ledger, formats=["csv"], backoff=0.01, **kw)
    finally:
        engine.dispose()


# ---- who received what ---------------------------------------------------------------------------
@SEED
def test_team_managers_receive_their_own_teams_rows(seeded_sqlite_url, catalogue, env):
    report = catalogue.get("cp_visits_due_next_week")
    period, rows = extract_of(seeded_sqlite_url, report)
    by_team = defaultdict(set)
    for row in rows:
        by_team[row["team_id"]].add(str(row["person_id"]))
    expected = {}
    for role in ("SP", "TM"):
        for address, (_, team) in staff(seeded_sqlite_url, role, period.end).items():
            if by_team.get(team):
                expected[address] = by_team[team]
    assert len(expected) >= 3, "the seed should give several teams with CP visits due"
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with Server() as server:
        counts = deliver(report, seeded_sqlite_url, server.port, ledger)
    received = {}
    for message in server.messages:
        received[message["To"]] = {r["Person ID"] for r in csv_rows(message)}
        assert report.spec.title in message["Subject"] and "OFFICIAL-SENSITIVE" in message["Subject"]
    assert received == expected
    assert counts["sent"] == len(expected) and counts["failed"] == 0
    # the HTML body carries the headline figure (rows in the slice), not names
    sample = server.messages[0]
    body = sample.get_body(("html",)).get_content()
    assert str(len(received[sample["To"]])) in body
    # the ledger agrees with the server, one row per recipient, all sent
    sent = [e for e in ledger.entries(report.id) if e["state"] == "sent"]
    assert sorted(e["recipient"] for e in sent) == sorted(expected)
    ledger.dispose()


@SEED
def test_no_child_of_another_team_service_or_worker_in_any_slice(seeded_sqlite_url, catalogue):
    """Every slice of every burst report at camden scale holds only the recipient's own rows."""
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        team_of = dict(conn.execute(text("SELECT staf_email, staf_team_id FROM ext_staff")).all())
        worker_of = dict(conn.execute(text("SELECT staf_email, staf_professional_id FROM ext_staff")).all())
        service_of_team = dict(conn.execute(text("SELECT team_team_id, team_service_id FROM ext_teams")).all())
    burst = [r for r in catalogue.reports.values() if r.spec.burst_key]
    assert len(burst) >= 5
    checked = Counter()
    broken = []
    for report in burst:
        try:
            period, rows = extract_of(seeded_sqlite_url, report)
        except ReportSQLError:
            broken.append(report.id)  # its own tests report the SQL; slicing is checked on the rest
            continue
        for a in assign(report, rows, period.end, engine):
            email_ = a.person.email
            if a.person.scope == "team":
                assert all(r["team_id"] == team_of[email_] for r in a.rows), (report.id, a.person.slice_id)
                assert len(a.rows) == sum(r["team_id"] == team_of[email_] for r in rows)
            elif a.person.scope == "service":
                own = team_of[email_]
                service = service_of_team.get(own, own)
                assert all(service_of_team[r["team_id"]] == service for r in a.rows), (report.id, a.person.slice_id)
            elif a.person.scope == "worker":
                assert all(r["worker_id"] == worker_of[email_] for r in a.rows), (report.id, a.person.slice_id)
            elif a.person.scope == "school":
                assert all(str(r.get("school_urn", r.get("urn"))) == a.person.key for r in a.rows)
            elif a.person.scope == "all":
                assert len(a.rows) == len(rows)
            checked[a.person.scope] += len(a.rows)
    engine.dispose()
    if broken:
        warnings.warn(f"slices not checked for reports whose SQL fails: {', '.join(broken)}", stacklevel=1)
    assert checked["team"] > 0 and checked["service"] > 0 and checked["worker"] > 0


# ---- exactly once --------------------------------------------------------------------------------
class Flaky:
    """Fails the first `fails` sends with a temporary error, then passes to the real transport."""

    def __init__(self, inner, fails: int):
        self.inner, self.fails, self.calls = inner, fails, 0

    def send(self, message):
        self.calls += 1
        if self.calls <= self.fails:
            raise TemporaryFailure("SMTP 451 try later", 451)
        self.inner.send(message)


@SEED
def test_retries_and_concurrent_workers_send_each_message_once(seeded_sqlite_url, catalogue, env):
    report = catalogue.get("allocations_caseload_per_team")
    period, rows = extract_of(seeded_sqlite_url, report)
    state = f"sqlite:///{env / 'state.sqlite'}"
    with Server() as server:
        engine = create_engine(seeded_sqlite_url)
        assignments = assign(report, rows, period.end, engine)
        expected = {a.person.email for a in assignments if a.rows}
        # a retried temporary failure is sent once, and the ledger counts the tries
        first = next(a for a in assignments if a.rows)
        flaky = Flaky(SmtpTransport("127.0.0.1", server.port, timeout=5), fails=2)
        ledger = Ledger(state)
        counts = publish_period(report, rows, period, period.end, casedb=engine, transport=flaky,
                                         ledger=ledger, formats=["csv"], backoff=0.001, assignments=[first])
        assert counts["sent"] == 1 and flaky.calls == 3
        assert [e["attempts"] for e in ledger.entries(report.id) if e["state"] == "sent"] == [3]
        # then two workers deliver the whole period at the same moment
        results, errors = [], []

        def worker():
            own = Ledger(state)
            try:
                results.append(publish_period(
                    report, rows, period, period.end, casedb=engine,
                    transport=SmtpTransport("127.0.0.1", server.port, timeout=5), ledger=own, formats=["csv"],
                    backoff=0.01, assignments=assignments))
            except Exception as error:  # noqa: BLE001 - surfaced below
                errors.append(error)
            finally:
                own.dispose()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        engine.dispose()
    assert not errors
    sent_to = Counter(m["To"] for m in server.messages)
    assert set(sent_to) == expected
    assert max(sent_to.values()) == 1, "someone received the same report twice"
    assert sum(r["sent"] for r in results) == len(expected) - 1
    assert len(server.messages) == len([e for e in ledger.entries(report.id) if e["state"] == "sent"])
    ledger.dispose()


@SEED
def test_smtp_down_then_up_delivers_everything_once(seeded_sqlite_url, catalogue, env):
    report = catalogue.get("cp_visits_due_next_week")
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    port = free_port()  # nothing listens yet
    down = deliver(report, seeded_sqlite_url, port, ledger, attempts=2)
    assert down["sent"] == 0 and down["failed"] > 0
    assert {e["state"] for e in ledger.entries(report.id)} <= {"failed", "empty"}
    assert all(e["attempts"] == 2 for e in ledger.entries(report.id) if e["state"] == "failed")
    with Server(port) as server:
        up = deliver(report, seeded_sqlite_url, port, ledger)
        again = deliver(report, seeded_sqlite_url, port, ledger)
    assert up["sent"] == down["failed"] and up["failed"] == 0
    assert again["sent"] == 0 and again["already_sent"] == up["sent"]
    sent = [e for e in ledger.entries(report.id) if e["state"] == "sent"]
    assert sorted(m["To"] for m in server.messages) == sorted(e["recipient"] for e in sent)
    assert {m["Message-ID"] for m in server.messages} == {e["message_id"] for e in sent}
    ledger.dispose()


@SEED
def test_changed_content_is_sent_as_a_correction_and_empty_slices_are_not_sent(seeded_sqlite_url, catalogue,
                                                                               env):
    report = catalogue.get("cp_visits_due_next_week")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    assignments = assign(report, rows, period.end, engine)
    team = next(a for a in assignments if len(a.rows) >= 2)
    empty = next(a for a in assignments if not a.rows)
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with Server() as server:
        transport = SmtpTransport("127.0.0.1", server.port, timeout=5)
        first = publish_period(report, rows, period, period.end, casedb=engine, transport=transport,
                                        ledger=ledger, formats=["csv"], assignments=[team, empty])
        assert first["sent"] == 1 and first["empty"] == 1
        fixed = [r for i, r in enumerate(rows) if i != team.indexes[0]]  # a record was fixed: out of the list
        corrected = next(a for a in assign(report, fixed, period.end, engine) if a.person == team.person)
        second = publish_period(report, fixed, period, period.end, casedb=engine, transport=transport,
                                ledger=ledger, formats=["csv"], assignments=[corrected])
    engine.dispose()
    assert second["sent"] == 1 and second["corrections"] == 1
    assert [m["To"] for m in server.messages] == [team.person.email] * 2
    assert "CORRECTION" not in server.messages[0]["Subject"]
    assert server.messages[1]["Subject"].startswith("[OFFICIAL-SENSITIVE] CORRECTION: ")
    assert len(csv_rows(server.messages[1])) == len(team.rows) - 1
    states = {(e["recipient"], e["correction"], e["state"]) for e in ledger.entries(report.id)}
    assert (team.person.email, True, "sent") in states and (empty.person.email, False, "empty") in states
    ledger.dispose()


# ---- partners ------------------------------------------------------------------------------------
@SEED
def test_the_named_list_of_disabled_17_year_olds_goes_to_one_nhs_partner_not_every_one(seeded_sqlite_url,
                                                                                       catalogue):
    """cypds_transition_plans_age_17 (the schedule: CYPDS managers, adults' social work, NHS) went to
    every partner answering to NHS: three hospitals' safeguarding teams, the Tavistock and the LAC
    health team had the names of disabled 17-year-olds whose care none of them plans. NHS is now the
    designated clinical officer for SEND alone, and no other report is sent to it."""
    from reporting.delivery.recipients import resolve

    engine = create_engine(seeded_sqlite_url)
    people = resolve(catalogue.get("cypds_transition_plans_age_17").spec, engine, date(2026, 10, 26))
    engine.dispose()
    assert sorted(p.key for p in people if p.kind == "partner") == ["adult_social_work", "nhs_send_dco"]
    assert [i for i, r in catalogue.reports.items() if any(x.role == "NHS" for x in r.spec.recipients)] == [
        "cypds_transition_plans_age_17"]


@SEED
def test_partner_gets_only_partner_columns_as_encrypted_pdf_and_password_separately(seeded_sqlite_url, catalogue,
                                                                                    env):
    from pypdf import PdfReader

    from reporting.delivery.partners import out_of_band_list

    report = catalogue.get("cp_lists_to_agencies")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    chosen = [a for a in assign(report, rows, period.end, engine) if a.person.key in ("royal_free", "cait")]
    assert len(chosen) == 2
    with Server() as server:
        counts = publish_period(report, rows, period, period.end, casedb=engine,
                                         transport=SmtpTransport("127.0.0.1", server.port, timeout=5),
                                         ledger=Ledger(f"sqlite:///{env / 'state.sqlite'}"), assignments=chosen)
    engine.dispose()
    assert counts["sent"] == 2 and counts["passwords_sent"] == 1 and counts["passwords_out_of_band"] == 1
    by_to = {m["To"]: m for m in server.messages}
    assert set(by_to) == {"royal-free.safeguarding@example.org", "cait.north@example.org",
                          "royal-free.safeguarding-admin@example.org"}
    password_message = by_to["royal-free.safeguarding-admin@example.org"]
    password = password_message.get_content().split("is:")[1].split()[0]
    # the password message carries the protective marking the report's message carries
    assert password_message["Subject"].startswith("[OFFICIAL-SENSITIVE] Password: ")
    assert by_to["royal-free.safeguarding@example.org"]["Subject"].startswith("[OFFICIAL-SENSITIVE] ")
    assert "Classification: OFFICIAL-SENSITIVE." in password_message.get_content()
    oob = list(csv.DictReader(out_of_band_list().open()))
    assert [r["partner"] for r in oob] == ["cait"]
    # each message says how its password really travels (and not to which mailbox)
    def said(to):
        return " ".join(by_to[to].get_body(("plain",)).get_content().split())

    assert ("its password comes in a separate message, to another mailbox of your organisation."
            in said("royal-free.safeguarding@example.org"))
    assert "safeguarding-admin" not in said("royal-free.safeguarding@example.org")
    assert ("Its password is not e-mailed: the performance team will give it to you by telephone."
            in said("cait.north@example.org"))
    assert "separate message" not in said("cait.north@example.org")
    # what partners must not see: the allocated worker (column and names); the worker's team and its
    # contact they may see (partner_columns)
    assert "worker_name" not in report.spec.partner_columns and "team_name" in report.spec.partner_columns
    # (a worker who shares a name with a child on the list is left out of the check)
    workers = {r["worker_name"] for r in rows if r["worker_name"]} - {r["child_name"] for r in rows}
    assert len(workers) >= 5
    withheld = ["Allocated worker", *workers]
    for to, secret in (("royal-free.safeguarding@example.org", password), ("cait.north@example.org",
                                                                            oob[0]["password"])):
        message = by_to[to]
        files = list(message.iter_attachments())
        assert [f.get_filename().endswith(".encrypted.pdf") for f in files] == [True]
        assert secret not in message.as_string()
        reader = PdfReader(io.BytesIO(files[0].get_content()))
        assert reader.is_encrypted
        assert reader.decrypt("not the password") == 0
        with pytest.raises(Exception):  # noqa: B017 - pypdf refuses to read pages while locked
            reader.pages[0].extract_text()
        reader = PdfReader(io.BytesIO(files[0].get_content()), password=secret)
        text_ = " ".join(p.extract_text() for p in reader.pages)
        assert str(rows[0]["person_id"]) in text_
        for value in withheld:
            assert value not in text_, f"{value!r} is not from a partner column"
        assert "Plan start" in text_ and "Category of abuse" in text_


# ---- statistical disclosure control ---------------------------------------------------------------
def _derivable(values, hidden, lines) -> set:
    """Hidden cells whose value the published lines fix exactly (linear algebra, independent of disclosure.py)."""
    import numpy as np

    unknown = sorted(hidden)
    index = {c: k for k, c in enumerate(unknown)}
    equations = []
    for members, total in lines:
        row = np.zeros(len(unknown))
        for cell in members:
            if cell in index:
                row[index[cell]] += 1
        if total in index:
            row[index[total]] -= 1
        if row.any():
            equations.append(row)
    if not equations:
        return set(unknown)
    matrix = np.array(equations)
    rank = np.linalg.matrix_rank(matrix)
    fixed = set()
    for cell, k in index.items():
        unit = np.zeros(len(unknown))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            fixed.add(cell)
    return fixed


def test_sdc_primary_and_secondary_suppression_on_a_known_table():
    from reporting.disclosure import _lines_2d, suppress_table

    table = [[10, 3, 12],
             [8, 9, 20],
             [7, 15, 6]]
    result = suppress_table(table)
    assert result.values == [["c", "c", 12, 25],
                             [8, 9, 20, 37],
                             ["c", "c", 6, 28],
                             [25, 27, 38, 90]]
    assert result.primary == {(0, 1)}
    assert result.secondary == {(0, 0), (2, 0), (2, 1)}
    values = {(i, j): v for i, row in enumerate([*[r + [sum(r)] for r in table],
                                                 [25, 27, 38, 90]]) for j, v in enumerate(row)}
    assert not _derivable(values, result.primary | result.secondary, _lines_2d(3, 3))


@pytest.mark.parametrize("table", [
    [[0, 2, 30], [5, 40, 50]],  # a small total forces suppression in the totals row too
    [[4, 20], [30, 40], [1, 1]],  # a row of two small cells: its total (2) is small as well
    [[12, 0, 14], [13, 11, 0]],  # nothing small: nothing hidden
    [[6, 7, 5]],  # one row: the column totals repeat the cells
])
def test_sdc_leaves_no_hidden_cell_derivable(table):
    from reporting.disclosure import _lines_2d, suppress_table

    result = suppress_table(table)
    rows, cols = len(table), len(table[0])
    values = {}
    for i in range(rows):
        for j in range(cols):
            values[(i, j)] = table[i][j]
    hidden = result.primary | result.secondary
    for cell in hidden:
        assert result.values[cell[0]][cell[1]] == "c"
    small = {(i, j) for i in range(rows + 1) for j in range(cols + 1)
             if isinstance(result.values[i][j], int) and 1 <= result.values[i][j] <= 5}
    assert not small, "a count of 1-5 is shown"
    assert not _derivable(values, hidden, _lines_2d(rows, cols))
    if table == [[12, 0, 14], [13, 11, 0]]:
        assert not hidden


def test_sdc_on_a_summary_table_hides_rates_of_hidden_counts():
    from reporting.disclosure import suppress_summary

    table = {"title": "By team", "columns": [
        {"name": "group", "label": "Team", "type": "text"},
        {"name": "children", "label": "Children", "type": "int"},
        {"name": "pct", "label": "% seen", "type": "percent"}],
        "rows": [{"group": "A", "children": 3, "pct": 66.7}, {"group": "B", "children": 20, "pct": 50.0},
                 {"group": "C", "children": 9, "pct": 10.0}, {"group": "Total", "children": 32, "pct": 40.0}]}
    out = suppress_summary(table)
    assert [r["children"] for r in out["rows"]] == ["c", 20, "c", 32]
    assert [r["pct"] for r in out["rows"]] == ["c", 50.0, "c", 40.0]
    assert out["sdc"] == {"primary": 1, "secondary": 1}


def test_sdc_rejects_bad_input_clearly():
    from reporting.disclosure import suppress_table

    with pytest.raises(ValueError, match=r"cell \(0, 1\) is -1; expected a count"):
        suppress_table([[1, -1]])
    with pytest.raises(ValueError, match="row 1 has 1 cells; expected 2"):
        suppress_table([[1, 2], [3]])


# ---- outbox, large attachments, CLI --------------------------------------------------------------
@SEED
def test_outbox_and_large_attachments_go_as_a_link(seeded_sqlite_url, catalogue, env, monkeypatch):
    from reporting.delivery.transport import OutboxTransport

    monkeypatch.setenv("MI_MAX_ATTACHMENT_MB", "0.0001")  # about 100 bytes: every CSV is "large"
    monkeypatch.setenv("MI_ARCHIVE_URL", "https://mi-archive.example.org/reports/")
    report = catalogue.get("cp_visits_due_next_week")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    one = next(a for a in assign(report, rows, period.end, engine) if a.rows)
    counts = publish_period(report, rows, period, period.end, casedb=engine,
                                     transport=OutboxTransport(env / "outbox"),
                                     ledger=Ledger(f"sqlite:///{env / 'state.sqlite'}"), formats=["csv"],
                                     assignments=[one])
    engine.dispose()
    assert counts["sent"] == 1
    [eml] = list((env / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == one.person.email
    assert not list(message.iter_attachments())
    html_body = message.get_body(("html",)).get_content()
    text_body = message.get_body(("plain",)).get_content()
    # the link is the archived file's address on the intranet site, never this server's own path
    link = f"https://mi-archive.example.org/reports/cp_visits_due_next_week/{period.end.isoformat()}/"
    for body in (html_body, text_body):
        assert "Too large to attach" in body and link in body and ".csv" in body
        assert "file://" not in body and str(env) not in body


@SEED
def test_mi_recipients_resolve_lists_each_recipient_with_their_slice(seeded_sqlite_url, catalogue, monkeypatch,
                                                                     env):
    from typer.testing import CliRunner

    from reporting.cli.main import app

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    report = catalogue.get("cp_visits_due_next_week")
    period, rows = extract_of(seeded_sqlite_url, report)
    result = CliRunner().invoke(app, ["recipients", "resolve", report.id, "--as-at", AS_AT.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["period_end"] == period.end.isoformat() and data["extract_rows"] == len(rows)
    managers = staff(seeded_sqlite_url, "TM", period.end)
    listed = {e["email"]: e for e in data["recipients"] if "TM" in e["roles"]}
    assert set(listed) == set(managers)
    for address, entry in listed.items():
        team = managers[address][1]
        assert entry["slice"] == f"team-{team}"
        assert entry["rows"] == sum(r["team_id"] == team for r in rows)
        assert entry["send"] == (entry["rows"] > 0)
    # the audit trail command reads the ledger (empty here: nothing was sent)
    listing = CliRunner().invoke(app, ["deliveries", "list", "--report", report.id, "--json"])
    assert listing.exit_code == 0 and json.loads(listing.stdout) == []


# ---- outside the council, and sends that go wrong ----------------------------------------------------
@SEED
def test_a_school_gets_only_its_own_pupils_as_an_encrypted_pdf_and_the_password_separately(
        seeded_sqlite_url, catalogue, env):
    from pypdf import PdfReader

    report = catalogue.get("open_cases_by_school")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    plan = [a for a in assign(report, rows, period.end, engine) if a.rows]
    urn = plan[0].person.key
    chosen = [a for a in plan if a.person.key == urn]
    assert chosen and all(a.person.kind == "school" and a.person.external for a in chosen)
    with create_engine(seeded_sqlite_url).connect() as conn:
        lead, assistant = conn.execute(text("SELECT scho_cp_lead_email, scho_assistant_head_email FROM ext_schools "
                                            "WHERE scho_urn = :urn"), {"urn": urn}).one()
    # one copy has one password: the file goes to the CP lead, its password to the assistant head
    assert [(a.person.email, a.person.password_to) for a in chosen] == [(lead, assistant)]
    assert chosen[0].person.name.endswith("(CP lead)")
    with Server() as server:
        counts = publish_period(report, rows, period, period.end, casedb=engine,
                                         transport=SmtpTransport("127.0.0.1", server.port, timeout=5),
                                         ledger=Ledger(f"sqlite:///{env / 'state.sqlite'}"), assignments=chosen)
    engine.dispose()
    assert counts["sent"] == len(chosen) and counts["passwords_sent"] == len(chosen)
    ours = {str(r["person_id"]) for r in rows if str(r["school_urn"]) == urn}
    others = {str(r["person_id"]) for r in rows if str(r["school_urn"]) != urn}
    assert ours and others
    # no mailbox holds both the file and its password: the lead has the file only, the assistant
    # head the password only
    assert sorted((m["To"], "Password" in m["Subject"]) for m in server.messages) == [
        (assistant, True), (lead, False)]
    for assignment in chosen:
        to, other = lead, assistant
        [report_message] = [m for m in server.messages if m["To"] == to and "Password" not in m["Subject"]]
        [password_message] = [m for m in server.messages if m["To"] == other and "Password" in m["Subject"]
                              and assignment.person.name in m["Subject"]]
        password = password_message.get_content().split("is:")[1].split()[0]
        files = list(report_message.iter_attachments())
        assert [f.get_filename() for f in files] == ["open_cases_by_school.encrypted.pdf"], \
            "no plain PDF, CSV or spreadsheet leaves the council"
        assert password not in report_message.as_string()
        reader = PdfReader(io.BytesIO(files[0].get_content()))
        assert reader.is_encrypted and reader.decrypt("not the password") == 0
        reader = PdfReader(io.BytesIO(files[0].get_content()), password=password)
        text_ = " ".join(p.extract_text() for p in reader.pages)
        assert all(pid in text_ for pid in ours), "every pupil of the school (the PDF is not capped)"
        assert not any(pid in text_ for pid in others), "no pupil of another school"


def test_a_school_file_and_its_password_never_meet_in_one_mailbox():
    from reporting.delivery.recipients import OUT_OF_BAND, Schools, school_recipients

    lead = ("scho_cp_lead_email", "cp-lead.100001@schools.example.org")
    assistant = ("scho_assistant_head_email", "assistant-head.100001@schools.example.org")
    # two contacts: the file to the first, its password to the second (the second gets no file)
    assert school_recipients(Schools(), [lead, assistant]) == [(*lead, assistant[1])]
    # one contact: nobody else to send the password to, so the performance team reads it out
    assert school_recipients(Schools(), [assistant]) == [(*assistant, OUT_OF_BAND)]
    # out_of_band: every contact gets the file, no password is e-mailed
    assert school_recipients(Schools(password_to=OUT_OF_BAND), [lead, assistant]) == [
        (*lead, OUT_OF_BAND), (*assistant, OUT_OF_BAND)]


def test_the_digest_links_the_archived_copy_only_where_the_reader_can_open_it(tmp_path, monkeypatch):
    from reporting.delivery.deliver import _archived_html

    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    folder = tmp_path / "archive" / "cp_visits_due_next_week" / "2026-10-25" / "slices" / "T-FIT01"
    manifest = {"file_hashes": {"cp_visits_due_next_week__T-FIT01.html": "x",
                                "cp_visits_due_next_week__T-FIT01.pdf": "y"}}
    # no intranet address: a file:// link to this server's disk would not open on the reader's machine
    monkeypatch.delenv("MI_ARCHIVE_URL", raising=False)
    assert _archived_html(folder, manifest) is None
    monkeypatch.setenv("MI_ARCHIVE_URL", "https://mi-archive.example.org/reports/")
    assert _archived_html(folder, manifest) == ("https://mi-archive.example.org/reports/cp_visits_due_next_week/"
                                                "2026-10-25/slices/T-FIT01/cp_visits_due_next_week__T-FIT01.html")
    assert _archived_html(folder, {"file_hashes": {"x.pdf": "y"}}) is None  # no HTML rendered: nothing to open


class CrashingTransport:
    """A transport that fails in a way the delivery code does not expect (a bug, a full disk...)."""

    def send(self, message):
        raise OSError("No space left on device")


@SEED
def test_a_send_that_crashes_gives_its_claim_back_and_the_retry_sends_it(seeded_sqlite_url, catalogue, env):
    report = catalogue.get("cp_visits_due_next_week")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    [first] = [a for a in assign(report, rows, period.end, engine) if a.rows][:1]
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    # the crash is that recipient's alone: counted failed (the task then fails and retries), not raised
    crashed = publish_period(report, rows, period, period.end, casedb=engine,
                                      transport=CrashingTransport(), ledger=ledger, formats=["csv"],
                                      backoff=0.01, assignments=[first])
    assert crashed["failed"] == 1 and crashed["sent"] == 0
    [entry] = [e for e in ledger.entries(report.id) if e["kind"] == "report"]
    assert entry["state"] != "sending" and "OSError" in entry["last_error"]
    with Server() as server:  # the task's retry, well within the claim's lease
        counts = publish_period(report, rows, period, period.end, casedb=engine,
                                         transport=SmtpTransport("127.0.0.1", server.port, timeout=5),
                                         ledger=ledger, formats=["csv"], backoff=0.01, assignments=[first])
    engine.dispose()
    assert counts["sent"] == 1 and counts["in_progress"] == 0
    assert [m["To"] for m in server.messages] == [first.person.email]
    ledger.dispose()


@SEED
def test_an_error_after_the_message_went_never_makes_it_go_again(seeded_sqlite_url, catalogue, env, monkeypatch):
    """The SMTP server took the message, then keeping its sent copy failed (a full disk): the run
    counts the failure, but the ledger row stays sent and the retry sends nothing again. (The
    ledger finished a claim only by its token: the error path turned a sent row back to failed.)"""
    from reporting import archive

    report = catalogue.get("cp_visits_due_next_week")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    [first] = [a for a in assign(report, rows, period.end, engine) if a.rows][:1]
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    keep_sent = archive.keep_sent

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    with Server() as server:
        transport = SmtpTransport("127.0.0.1", server.port, timeout=5)
        monkeypatch.setattr(archive, "keep_sent", disk_full)
        crashed = publish_period(report, rows, period, period.end, casedb=engine, transport=transport,
                                 ledger=ledger, formats=["csv"], backoff=0.01, assignments=[first])
        assert crashed["failed"] == 1 and [m["To"] for m in server.messages] == [first.person.email]
        [entry] = [e for e in ledger.entries(report.id) if e["kind"] == "report"]
        assert entry["state"] == "sent"
        monkeypatch.setattr(archive, "keep_sent", keep_sent)
        again = publish_period(report, rows, period, period.end, casedb=engine, transport=transport,
                               ledger=ledger, formats=["csv"], backoff=0.01, assignments=[first])
    engine.dispose()
    assert again["already_sent"] == 1 and again["sent"] == 0 and again["failed"] == 0
    assert [m["To"] for m in server.messages] == [first.person.email], "sent once"
    ledger.dispose()


def test_a_finished_claim_is_never_finished_again(tmp_path):
    from reporting.delivery.ledger import Key

    ledger = Ledger(f"sqlite:///{tmp_path / 'state.sqlite'}")
    key = Key("r", "2026-10-25", "T1", "a@example.org", "report", "h")
    claim = ledger.claim(key)
    assert ledger.mark_sent(claim, "<m@example.org>")
    assert not ledger.mark_failed(claim, "late error", permanent=False)
    assert ledger.state(key) == "sent" and ledger.claim(key) is None
    refused = Key("r", "2026-10-25", "T1", "b@example.org", "report", "h")
    claim = ledger.claim(refused)
    assert ledger.mark_failed(claim, "550 no such user", permanent=True)
    assert not ledger.mark_sent(claim, "<m2@example.org>") and ledger.state(refused) == "rejected"
    ledger.dispose()


@SEED
def test_a_delivery_claimed_elsewhere_is_not_reported_done(seeded_sqlite_url, catalogue, env, monkeypatch):
    """A claim left by an attempt that died mid-send is 'in progress' once the wait for a live sender
    is over: the Airflow task must fail (and retry after the lease) rather than finish as if the
    recipient had their report."""
    from reporting.delivery import deliver as delivery
    from reporting.delivery.ledger import Key
    from reporting.disclosure import data_hash

    monkeypatch.setattr(delivery, "WAIT_FOR_OTHER_SENDER", 1.0)

    report = catalogue.get("cp_visits_due_next_week")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    [first] = [a for a in assign(report, rows, period.end, engine) if a.rows][:1]
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    content = data_hash([c.model_dump() for c in report.spec.columns], first.rows)
    key = Key(report.id, period.end.isoformat(), first.person.slice_id, first.person.email, "report", content)
    assert ledger.claim(key) is not None  # the attempt that was killed
    with Server() as server:
        counts = publish_period(report, rows, period, period.end, casedb=engine,
                                         transport=SmtpTransport("127.0.0.1", server.port, timeout=5),
                                         ledger=ledger, formats=["csv"], backoff=0.01, assignments=[first])
    engine.dispose()
    assert counts["in_progress"] == 1 and counts["sent"] == 0 and server.messages == []
    ledger.dispose()


def test_a_blank_slice_key_selects_nothing_and_names_no_folder(tmp_path):
    from reporting import archive
    from reporting.delivery.recipients import Directory, Person
    from reporting.delivery.slices import rows_for
    from reporting.plan import slice_keys

    spec = load_catalogue().get("cp_visits_due_next_week").spec
    rows = [{"team_id": "T1"}, {"team_id": ""}, {"team_id": None}, {"team_id": " "}]
    # unallocated rows are in the whole report only: nobody's slice is "blank"
    assert slice_keys(spec, rows) == ["T1"]
    blank = Person("tm@example.org", "A manager", "team", "", "", "staff", ("TEAM_MANAGER",))
    assert rows_for(spec, rows, blank, Directory({}, {}, {})) == []
    # a blank key must never stand for "no slice" (publishing there would replace the whole period)
    for bad in ("", " ", "..", "../elsewhere", "a/b"):
        with pytest.raises(ValueError, match="cannot name a folder"):
            archive.period_dir("cp_visits_due_next_week", "2026-10-25", bad, root=tmp_path)
    assert archive.period_dir("r", "2026-10-25", "T1", root=tmp_path) == tmp_path / "r" / "2026-10-25" / "slices" / "T1"


def test_partner_passwords_differ_per_slice_and_content_and_corrections_are_listed(tmp_path, monkeypatch):
    from reporting.delivery import partners

    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path / "var"))
    long_a, long_b = "agency-royal_free_hospital_north", "agency-royal_free_hospital_south"
    first = partners.password_for(tmp_path, f"{long_a}-{'a' * 64}")
    assert partners.password_for(tmp_path, f"{long_a}-{'a' * 64}") == first, "a retry reuses it"
    assert partners.password_for(tmp_path, f"{long_b}-{'a' * 64}") != first, "two partners, two passwords"
    corrected = partners.password_for(tmp_path, f"{long_a}-{'b' * 64}")
    assert corrected != first, "new content, new password"
    args = ("cp_lists_to_agencies", "2026-10-25", "cait", "cait.north@example.org", "x.encrypted.pdf")
    assert partners.record_out_of_band(*args, first)
    assert not partners.record_out_of_band(*args, first), "listed once"
    assert partners.record_out_of_band(*args, corrected), "the corrected file's password is listed too"
    listed = list(csv.DictReader(partners.out_of_band_list().open()))
    assert [r["password"] for r in listed] == [first, corrected]


@SEED
def test_a_file_too_large_for_a_partner_is_refused_and_reported_not_counted_sent(seeded_sqlite_url, catalogue,
                                                                                 env, monkeypatch):
    """Inside the council a large file goes as a link to the archive; a partner cannot open that."""
    monkeypatch.setenv("MI_MAX_ATTACHMENT_MB", "0.001")
    monkeypatch.setenv("MI_PERFORMANCE_TEAM_EMAIL", "performance-team@example.org")
    report = catalogue.get("cp_lists_to_agencies")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    chosen = [a for a in assign(report, rows, period.end, engine) if a.person.key == "royal_free"]
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with Server() as server:
        transport = SmtpTransport("127.0.0.1", server.port, timeout=5)
        counts = publish_period(report, rows, period, period.end, casedb=engine, transport=transport,
                                         ledger=ledger, assignments=chosen)
        again = publish_period(report, rows, period, period.end, casedb=engine, transport=transport,
                                        ledger=ledger, assignments=chosen)
    engine.dispose()
    assert counts["rejected"] == 1 and counts["sent"] == 0 and counts["passwords_sent"] == 0
    assert again["rejected"] == 1 and again["sent"] == 0 and again["passwords_sent"] == 0
    [notice] = server.messages  # no report and no password reached the partner
    assert notice["To"] == "performance-team@example.org" and "NOT DELIVERED" in notice["Subject"]
    assert "royal-free.safeguarding@example.org" in notice.get_content()
    assert "over MI_MAX_ATTACHMENT_MB" in notice.get_content()
    ledger.dispose()


# ---- the audit trail from the command line ---------------------------------------------------------
@SEED
def test_deliveries_list_filters_by_day_and_state_and_names_the_team(seeded_sqlite_url, env, monkeypatch):
    """Sent, refused and empty deliveries are all listed; --since/--until pick the days they were
    recorded on, --state the outcome; a team's slice is named by the team's name."""
    import datetime as dt

    from typer.testing import CliRunner

    from reporting.cli.main import app
    from reporting.delivery import ledger as ledger_module
    from reporting.delivery.ledger import Key

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    engine = create_engine(seeded_sqlite_url)
    with engine.connect() as conn:
        team_id, team_name = conn.execute(text(
            "SELECT dept_team_id, dept_team_name FROM ssd_department ORDER BY dept_team_id")).first()
    engine.dispose()
    ledger = Ledger()
    clock = [dt.datetime(2026, 10, 20, 9)]
    monkeypatch.setattr(ledger_module, "_now", lambda: clock[0])
    week = "2026-10-25"
    sent = ledger.claim(Key("r1", "2026-10-18", f"team-{team_id}", "tm@example.org", "report", "a" * 64))
    clock[0] = dt.datetime(2026, 10, 27, 9)
    ledger.mark_sent(sent, "<m1@example.org>")  # claimed 20 Oct, sent (last recorded) 27 Oct
    clock[0] = dt.datetime(2026, 10, 28, 9)
    refused = ledger.claim(Key("r1", week, f"team-{team_id}", "old.tm@example.org", "report", "b" * 64))
    ledger.mark_failed(refused, "550 no such user", permanent=True)
    ledger.record_empty(Key("r1", week, "worker-W9", "sw@example.org", "report", "c" * 64))
    ledger.dispose()

    def listed(*options: str) -> list[dict]:
        result = CliRunner().invoke(app, ["deliveries", "list", "--json", *options])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert {(e["recipient"], e["state"]) for e in listed()} == {
        ("tm@example.org", "sent"), ("old.tm@example.org", "rejected"), ("sw@example.org", "empty")}
    assert [e["recipient"] for e in listed("--since", "2026-10-28")] == ["old.tm@example.org", "sw@example.org"]
    assert [e["recipient"] for e in listed("--until", "2026-10-27")] == ["tm@example.org"]
    refused_rows = listed("--state", "rejected")
    assert [(e["recipient"], e["last_error"]) for e in refused_rows] == [("old.tm@example.org", "550 no such user")]
    assert refused_rows[0]["slice_label"] == f"{team_name} (team)"
    bad = CliRunner().invoke(app, ["deliveries", "list", "--state", "lost"])
    assert bad.exit_code == 2 and "unknown state(s) lost" in bad.output
    # piped, the table is not cut at 80 columns: every recipient whole on its line
    table = CliRunner().invoke(app, ["deliveries", "list"]).output
    assert "old.tm@example.org" in table and f"{team_name} (team)" in table
