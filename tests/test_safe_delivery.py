"""What the source data, the config and re-runs cannot do to a delivery (docs/security.md, controls 3-11).

Each test changes one thing an attacker or a careless data officer could change (a staff address,
a partner address, a team name, a child's name, a file in the archive) on a private copy of the
seeded authority, runs the real delivery against a real SMTP server (aiosmtpd), and checks who
received what and what the ledger and the performance team's notice say.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import create_engine, text
from test_delivery import Server, extract_of, staff
from typer.testing import CliRunner

from reporting import archive, settings
from reporting.casedb import readonly
from reporting.definitions import load_catalogue
from reporting.delivery import addresses
from reporting.delivery.ledger import Ledger
from reporting.delivery.transport import OutboxTransport, SmtpTransport, TemporaryFailure
from reporting.plan import assign
from reporting.publish import publish_period
from reporting.render.tabular import append_row, write_csv, write_xlsx

SEED = pytest.mark.xdist_group("sqlite_seed")
AS_AT = date(2026, 10, 26)
PERFORMANCE = "performance-team@example.org"


@pytest.fixture
def env(tmp_path, monkeypatch):
    for name, path in (("MI_ARCHIVE_DIR", "archive"), ("MI_VAR_DIR", "var"), ("MI_OUTBOX_DIR", "outbox")):
        monkeypatch.setenv(name, str(tmp_path / path))
    monkeypatch.setenv("MI_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("MI_PERFORMANCE_TEAM_EMAIL", PERFORMANCE)
    return tmp_path


@pytest.fixture
def case_copy(seeded_sqlite_url, tmp_path):
    """A private copy of the seeded authority that a test may change."""
    source = Path(seeded_sqlite_url.removeprefix("sqlite:///"))
    target = tmp_path / "casedb-copy.sqlite"
    shutil.copyfile(source, target)
    return target


def execute(path: Path, sql: str, params=()) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql, params)


def deliver_all(report, rows, period, url: str, transport, ledger: Ledger, **kw) -> dict:
    engine = create_engine(url)
    try:
        return publish_period(report, rows, period, period.end, casedb=engine, transport=transport,
                                       ledger=ledger, formats=["csv"], backoff=0.01, **kw)
    finally:
        engine.dispose()


def team_with_rows(rows) -> str:
    teams = sorted({r["team_id"] for r in rows if r["team_id"]})
    assert teams
    return teams[0]


# ---- 3. addresses ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value, problem", [
    ("outsider@example.com, manager@example.org", "2 addresses"),
    ("manager@example.org, outsider@example.org", "2 addresses"),
    ("Manager <manager@example.org>", "plain address"),
    ("manager@example.org\r\nBcc: outsider@example.com", "line break"),
    ("group: manager@example.org;", "plain address"),
    ('"a,b"@example.org', "plain address"),
    ("manager@evil.test", "not allowed"),  # .test is synthetic but not the council's domain
    ("manager@example.org.evil.com", "not allowed"),
    ("", "blank"),
    ("not an address", "address"),
])
def test_an_address_must_be_one_plain_address_at_an_allowed_domain(value, problem):
    with pytest.raises(addresses.AddressError) as refused:
        addresses.checked(value, "council", field="ext_staff.staf_email")
    assert "ext_staff.staf_email" in str(refused.value) and problem in str(refused.value)
    assert "\n" not in str(refused.value) and "\r" not in str(refused.value)


def test_the_allowed_domains_are_synthetic_in_this_repository():
    rules = addresses.policy()
    for domain in (*rules.council, *rules.partners, *rules.schools):
        bare = domain.removeprefix(".")
        assert bare == "example.org" or bare.endswith(".example.org") or bare.endswith("test"), domain
    assert addresses.checked("cp-lead.100001@schools.example.org", "schools", field="x")
    with pytest.raises(addresses.AddressError):
        addresses.checked("cp-lead.100001@schools.example.org", "council", field="x")


@SEED
def test_a_staff_address_naming_an_outsider_is_refused_recorded_and_notified(case_copy, env):
    report = load_catalogue().get("cp_visits_due_next_week")
    url = f"sqlite:///{case_copy}"
    period, rows = extract_of(url, report)
    team = team_with_rows(rows)
    [(manager, _)] = [(a, t) for a, (_, t) in sorted(staff(url, "TM", period.end).items()) if t == team][:1]
    tampered = f"outsider@example.com, {manager}"
    execute(case_copy, "UPDATE ext_staff SET staf_email = ? WHERE staf_email = ?", (tampered, manager))
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with Server() as server:
        counts = deliver_all(report, rows, period, url, SmtpTransport("127.0.0.1", server.port, timeout=5), ledger)
    received = [m["To"] for m in server.messages]
    assert not [to for to in received if "outsider" in to or to == manager]
    assert counts["rejected"] == 1 and counts["sent"] >= 2 and counts["failed"] == 0
    [refused] = [e for e in ledger.entries(report.id) if e["state"] == "rejected"]
    assert refused["slice_id"] == f"team-{team}" and "2 addresses" in refused["last_error"]
    [notice] = [m for m in server.messages if m["To"] == PERFORMANCE]
    assert "NOT DELIVERED" in notice["Subject"] and "outsider@example.com" in notice.get_content()
    ledger.dispose()


def test_a_partner_without_a_separate_password_route_is_refused_at_validation(env, monkeypatch):
    """The password never goes by the file's route: a partner with no password_to, or with the same
    address as its e-mail, is refused by `mi reports validate`, naming the partner and the fix."""
    config = env / "config"
    shutil.copytree(settings.config_dir(), config)
    partners = (config / "partners.yml").read_text()
    tampered = partners.replace("    password_to: uclh.safeguarding.passwords@example.org\n", "").replace(
        "password_to: tavistock.safeguarding.passwords@example.org", "password_to: Tavistock.Safeguarding@example.org")
    assert tampered.count("password_to:") == partners.count("password_to:") - 1
    (config / "partners.yml").write_text(tampered)
    monkeypatch.setenv("MI_CONFIG_DIR", str(config))
    monkeypatch.setenv("COLUMNS", "2000")
    from typer.testing import CliRunner

    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["reports", "validate", "--offline"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = next(x for x in result.output.splitlines() if "partners.yml" in x)
    assert "partners[uclh].password_to: Field required" in line
    assert ("partners[tavistock]: partner 'tavistock': password_to is the address the PDF goes to; the password "
            "must go by another route: a second address (another mailbox) or out_of_band") in line


@SEED
def test_a_partner_address_naming_an_outsider_gets_no_report_and_no_password(seeded_sqlite_url, env, monkeypatch):
    config = env / "config"
    shutil.copytree(settings.config_dir(), config)
    partners = (config / "partners.yml").read_text()
    tampered = partners.replace("email: royal-free.safeguarding@example.org",
                                "email: outsider@example.com, royal-free.safeguarding@example.org")
    assert tampered != partners
    (config / "partners.yml").write_text(tampered)
    monkeypatch.setenv("MI_CONFIG_DIR", str(config))
    report = load_catalogue().get("cp_lists_to_agencies")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    chosen = [a for a in assign(report, rows, period.end, engine) if a.person.key in ("royal_free", "uclh")]
    engine.dispose()
    assert len(chosen) == 2
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with Server() as server:
        counts = deliver_all(report, rows, period, seeded_sqlite_url,
                             SmtpTransport("127.0.0.1", server.port, timeout=5), ledger, assignments=chosen)
    received = sorted(m["To"] for m in server.messages)
    # uclh's encrypted PDF, its password to the partner's second mailbox, the notice of royal_free's refusal
    assert received == sorted(["uclh.safeguarding@example.org", "uclh.safeguarding.passwords@example.org",
                               PERFORMANCE])
    assert counts["rejected"] == 1 and counts["sent"] == 1 and counts["passwords_sent"] == 1
    # `mi reports validate` names the bad address before any run
    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["reports", "validate"])
    assert result.exit_code == 1 and "royal_free.email" in "".join(result.output.split())
    ledger.dispose()


def test_the_transport_refuses_a_message_for_more_than_one_person(tmp_path):
    from email.message import EmailMessage

    from reporting.delivery.transport import PermanentFailure

    message = EmailMessage()
    message["To"] = "a@example.org, b@example.org"
    message["Message-ID"] = "<x@example.org>"
    message.set_content("x")
    with pytest.raises(PermanentFailure, match="2 addressee"):
        OutboxTransport(tmp_path).send(message)
    assert not list(tmp_path.glob("*.eml"))


# ---- 4. re-running a delivered period ---------------------------------------------------------------
class PasswordsFailUntilRecovered:
    """SMTP that refuses password messages (a temporary failure) until `recovered` is set."""

    def __init__(self, port: int):
        self.smtp = SmtpTransport("127.0.0.1", port, timeout=5)
        self.recovered = False

    def send(self, message):
        if "] Password: " in message["Subject"] and not self.recovered:
            raise TemporaryFailure("SMTP 451 try again later")
        self.smtp.send(message)


@SEED
def test_rerendering_a_delivered_period_keeps_what_was_sent_and_a_partner_retry_works(seeded_sqlite_url, env):
    from pypdf import PdfReader

    from reporting.runner import run_report

    report = load_catalogue().get("cp_lists_to_agencies")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    chosen = [a for a in assign(report, rows, period.end, engine) if a.person.key == "royal_free"]
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with Server() as server:
        transport = PasswordsFailUntilRecovered(server.port)
        first = deliver_all(report, rows, period, seeded_sqlite_url, transport, ledger, assignments=chosen)
        assert first["sent"] == 1 and first["failed"] == 1 and first["passwords_sent"] == 0
        folder = archive.period_dir(report.id, period.end.isoformat())
        kept = sorted(p.relative_to(folder) for p in (folder / "sent").rglob("*.pdf"))
        assert kept, "the sent encrypted PDF is kept under sent/"
        # `mi reports render` of the same period, twice (the old code replaced the whole folder)
        for _ in range(2):
            run_report(report, engine, period, period.end, formats=["pdf", "csv"])
        assert sorted(p.relative_to(folder) for p in (folder / "sent").rglob("*.pdf")) == kept
        assert list((folder / "deliveries").glob(".password-*")), "the password of what was sent is kept"
        # the task's retry: the password goes now, and it opens the PDF the partner already has
        transport.recovered = True
        retry = deliver_all(report, rows, period, seeded_sqlite_url, transport, ledger, assignments=chosen)
    engine.dispose()
    assert retry["already_sent"] == 1 and retry["passwords_sent"] == 1 and retry["failed"] == 0
    [pdf_message] = [m for m in server.messages if m["To"] == "royal-free.safeguarding@example.org"]
    [password_message] = [m for m in server.messages if "] Password: " in m["Subject"]]
    password = password_message.get_content().split("is:")[1].split()[0]
    attachment = next(pdf_message.iter_attachments()).get_content()
    assert PdfReader(io.BytesIO(attachment), password=password).pages[0].extract_text()
    assert (folder / kept[0]).read_bytes() == attachment
    ledger.dispose()


@SEED
def test_mi_run_twice_delivers_partner_and_school_reports_both_times(seeded_sqlite_url, env):
    """The old re-run deleted deliveries/ while the ledger remembered the sends: the second run of
    every partner or school report failed with FileNotFoundError (.password-...)."""
    from reporting.batch import run_batch

    catalogue = load_catalogue()
    selection = [(catalogue.get(i), extract_of(seeded_sqlite_url, catalogue.get(i))[0])
                 for i in ("cp_lists_to_agencies", "open_cases_by_school")]
    engine = readonly.case_engine(seeded_sqlite_url)
    for attempt in ("first", "second"):
        items = run_batch(selection, engine, formats=["pdf", "csv"], deliver=True, jobs=1)
        assert [(i.report_id, i.status, i.error) for i in items if i.status == "failed"] == [], attempt
    assert all(i.delivery["already_sent"] > 0 and i.delivery["sent"] == 0 for i in items)
    engine.dispose()


# ---- 5. unreadable values -------------------------------------------------------------------------
@SEED
def test_control_characters_and_invalid_utf8_in_names_are_cleaned_counted_and_never_quoted(case_copy, env):
    from reporting.runner import run_report

    report = load_catalogue().get("cp_visits_due_next_week")
    url = f"sqlite:///{case_copy}"
    period, rows = extract_of(url, report)
    first, second = rows[0]["person_id"], rows[1]["person_id"]
    execute(case_copy, "UPDATE ssd_person SET pers_forename = 'Zoe' || char(1) WHERE pers_person_id = ?", (first,))
    # bytes that are not UTF-8 (a legacy import): sqlite3 would raise quoting the whole value
    execute(case_copy, "UPDATE ssd_person SET pers_surname = CAST(X'416c6cff656e' AS TEXT) "
                       "WHERE pers_person_id = ?", (second,))
    engine = readonly.case_engine(url)
    result = run_report(report, engine, period, period.end, formats=["html", "pdf", "csv", "xlsx"])
    engine.dispose()
    [finding] = [f for f in result.data_quality if "unreadable" in f["check"]]
    assert finding["check"] == "Child has unreadable characters" and finding["failing_rows"] == 2
    with open(result.outputs["csv"], encoding="utf-8") as handle:
        names = [r["Child"] for r in csv.DictReader(handle)]
    assert sum("\ufffd" in n for n in names) == 2
    assert any(n.startswith("Zoe\ufffd") for n in names)
    html = Path(result.outputs["html"]).read_text()
    assert "has unreadable characters" in html and "\x01" not in html


@pytest.mark.postgres
def test_a_driver_error_never_quotes_a_value(make_pg_database, tmp_path):
    from test_hostile_definitions import definition

    from reporting.extract import ReportSQLError, run_extract

    url = make_pg_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE people (name text)"))
        conn.execute(text("INSERT INTO people VALUES ('Zoe Allen')"))
    report = definition(tmp_path / "sql", "dates_of_names",
                        "SELECT CAST(name AS date) AS visit_id FROM people WHERE :as_at IS NOT NULL")
    with pytest.raises(ReportSQLError) as failed:
        run_extract(report, engine, period_start=AS_AT, period_end=AS_AT, as_at=AS_AT)
    engine.dispose()
    message = str(failed.value)
    assert "invalid input syntax for type date" in message and "[value hidden]" in message
    assert "Zoe" not in message and "Allen" not in message


# ---- 6. spreadsheets ------------------------------------------------------------------------------
HOSTILE = ["=HYPERLINK(\"http://evil.test\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "Ordinary"]


def test_csv_and_xlsx_cells_that_look_like_formulas_stay_text(tmp_path):
    columns = [{"name": "name", "label": "=cmd|' /C calc'!A0", "type": "text"},
               {"name": "n", "label": "Count", "type": "int"}]
    rows = [{"name": value, "n": -5} for value in HOSTILE]
    write_csv(columns, rows, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["'=cmd|' /C calc'!A0", "Count"]
    assert [r[0] for r in table[1:]] == ["'" + v for v in HOSTILE[:-1]] + ["Ordinary"]
    assert {r[1] for r in table[1:]} == {"-5"}, "numbers are numbers"
    write_xlsx(columns, rows, tmp_path / "out.xlsx", title="t",
               fixed_timestamp=__import__("datetime").datetime(2026, 1, 1))
    with zipfile.ZipFile(tmp_path / "out.xlsx") as book:
        assert "<f>" not in book.read("xl/worksheets/sheet1.xml").decode(), "no formula in the sheet"
    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert sheet["A1"].value == columns[0]["label"] and sheet["A1"].data_type == "s" and sheet["A1"].quotePrefix
    # exact, a lone CR too (openpyxl writes it escaped, _x000D_, through lxml: pikepdf needs lxml)
    assert [sheet.cell(row=i + 2, column=1).value for i in range(len(HOSTILE))] == HOSTILE
    assert all(sheet.cell(row=i + 2, column=1).data_type == "s" for i in range(len(HOSTILE)))
    # the normal-mode writer the returns use
    book = Workbook()
    append_row(book.active, HOSTILE)
    assert [c.data_type for c in book.active[1]] == ["s"] * len(HOSTILE)


# ---- 7. one bad recipient -------------------------------------------------------------------------
@SEED
def test_a_line_break_in_a_team_name_does_not_stop_any_delivery(case_copy, env):
    report = load_catalogue().get("cp_visits_due_next_week")
    url = f"sqlite:///{case_copy}"
    period, rows = extract_of(url, report)
    team = team_with_rows(rows)
    execute(case_copy, "UPDATE ssd_department SET dept_team_name = ? WHERE dept_team_id = ?",
            ("Team A\r\nBcc: outsider@example.com", team))
    expected = sorted(a for role in ("SP", "TM") for a, (_, t) in staff(url, role, period.end).items()
                      if any(r["team_id"] == t for r in rows))
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with Server() as server:
        counts = deliver_all(report, rows, period, url, SmtpTransport("127.0.0.1", server.port, timeout=5), ledger)
    assert sorted(m["To"] for m in server.messages) == expected
    assert counts["sent"] == len(expected) and counts["failed"] == 0
    [message] = [m for m in server.messages if "Team A" in m["Subject"]][:1]
    assert "Team A Bcc: outsider@example.com" in message["Subject"] and message["Bcc"] is None
    ledger.dispose()


class FailsFor:
    """Raises an unexpected error for one recipient only."""

    def __init__(self, port: int, victim: str):
        self.smtp, self.victim = SmtpTransport("127.0.0.1", port, timeout=5), victim

    def send(self, message):
        if message["To"] == self.victim:
            raise ValueError("a bug while sending to this one recipient")
        self.smtp.send(message)


@SEED
def test_an_error_for_one_recipient_does_not_block_the_others(seeded_sqlite_url, env):
    report = load_catalogue().get("cp_visits_due_next_week")
    period, rows = extract_of(seeded_sqlite_url, report)
    engine = create_engine(seeded_sqlite_url)
    plan = [a for a in assign(report, rows, period.end, engine) if a.rows]
    engine.dispose()
    victim = plan[0].person.email
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    with Server() as server:
        counts = deliver_all(report, rows, period, seeded_sqlite_url, FailsFor(server.port, victim), ledger,
                             assignments=plan)
    assert counts["failed"] == 1 and counts["sent"] == len(plan) - 1
    assert victim not in [m["To"] for m in server.messages]
    ledger.dispose()


# ---- 8. a title is text ----------------------------------------------------------------------------
def test_a_report_title_in_a_failure_notice_is_never_evaluated(env, monkeypatch):
    import email
    from email import policy

    from reporting.orchestration import notify

    monkeypatch.setenv("MI_TRANSPORT", "outbox")
    title = "Visits {{ 7 * 7 }} {{ conn.mi_smtp.password }} {{ var.value.secret }}"
    # what a rendered template would have reached: made up here, never written down
    reachable = {"connection": secrets.token_hex(8), "variable": secrets.token_hex(8)}
    context = {"dag_run": {"run_id": "scheduled__2026-10-26"}, "task_instance": None, "reason": "task failed",
               "conn": {"mi_smtp": SimpleNamespace(password=reachable["connection"])},
               "var": {"value": {"secret": reachable["variable"]}}}
    notify.failure_notifier("visits", title)(context)
    [path] = (env / "outbox").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == PERFORMANCE
    assert "{{ 7 * 7 }}" in message["Subject"] and "49" not in message["Subject"]
    body = message.get_content()
    assert title in body and not [v for v in reachable.values() if v in body + message["Subject"]]


# ---- 9. files are checked against the manifest ------------------------------------------------------
@SEED
def test_a_file_changed_after_render_is_not_sent(seeded_sqlite_url, env, monkeypatch, per_report_mail):
    from reporting.orchestration import tasks

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    monkeypatch.setenv("MI_TRANSPORT", "outbox")
    report_id = "cp_visits_due_next_week"
    out = tasks.extract(report_id, "2026-10-19", "2026-10-25")
    tasks.check_quality(report_id, out["staging"])
    rendered = {r["slice"]: r for r in (tasks.render(report_id, out["staging"], t) for t in out["targets"])}
    tampered, untouched = sorted(k for k in rendered if k)[:2]
    [csv_file] = Path(rendered[tampered]["folder"]).glob("*.csv")
    csv_file.write_text(csv_file.read_text() + "P999,Someone else,...\n")
    bad = tasks.deliver(report_id, rendered[tampered])["delivery"]
    good = tasks.deliver(report_id, rendered[untouched])["delivery"]
    assert bad["rejected"] >= 1 and bad["sent"] == 0 and bad["rejection_notices"] == 1
    assert good["sent"] >= 1 and good["rejected"] == 0
    ledger = Ledger()
    errors = {e["last_error"] for e in ledger.entries(report_id) if e["state"] == "rejected"}
    ledger.dispose()
    assert errors == {f"{csv_file.name} does not match its manifest (changed after it was rendered); not sent: "
                      "re-run the render task"}


# ---- 10. two runs of one report and period ------------------------------------------------------------
@SEED
def test_a_second_run_of_the_same_report_and_period_is_refused_clearly(seeded_sqlite_url, env, monkeypatch):
    from reporting.batch import run_batch
    from reporting.cli.main import app

    monkeypatch.setenv("MI_CASEDB_URL", seeded_sqlite_url)
    report = load_catalogue().get("cp_visits_due_next_week")
    period, _ = extract_of(seeded_sqlite_url, report)
    with archive.period_lock(report.id, period.end.isoformat()):  # the first run, still going
        result = CliRunner().invoke(app, ["reports", "render", report.id, "--as-at", "2026-10-26", "--format", "csv"])
        engine = readonly.case_engine(seeded_sqlite_url)
        [item] = run_batch([(report, period)], engine, formats=["csv"], deliver=False)
        engine.dispose()
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "is being run by process" in said and "wait for it to finish" in said
    assert item.status == "failed" and "ReportBusyError" in item.error
    assert not archive.period_dir(report.id, period.end.isoformat()).joinpath("manifest.json").exists()
    # once the first run is over, it runs
    again = CliRunner().invoke(app, ["reports", "render", report.id, "--as-at", "2026-10-26", "--format", "csv"])
    assert again.exit_code == 0, again.output


# ---- 11. scratch left by a killed render ----------------------------------------------------------------
KILLED = """
import os, sys
from pathlib import Path
from reporting import archive
with archive.work_folder(Path(sys.argv[1])) as work:
    (work / "rows.csv").write_text("a child's row")
    print("ready", flush=True)
    sys.stdin.read()  # killed here
"""


def test_retention_removes_the_scratch_of_a_killed_render_and_keeps_a_live_one(env):
    from reporting.orchestration.housekeeping import apply_retention

    final = env / "archive" / "some_report" / "2026-10-25"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(final)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=settings.REPO_ROOT)
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    [left] = list(final.parent.glob(".work-*"))
    assert list(left.rglob("rows.csv")), "the killed render left its scratch with child data"
    with archive.work_folder(final) as live:  # a render running now
        result = apply_retention("2026-11-01", root=env / "archive")
        assert live.exists()
    assert result["scratch_removed"] == 1 and not left.exists()


# ---- low: inputs that must be refused clearly ------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["run", "--as-at", "2100-01-04", "--no-deliver"],
    ["reports", "render", "cp_visits_due_next_week", "--as-at", "1900-01-04"],
    ["reports", "render", "cp_visits_due_next_week", "--as-at", "0001-01-01"],
    ["recipients", "resolve", "cp_visits_due_next_week", "--as-at", "2100-01-04"],
])
def test_a_run_date_outside_the_calendar_is_refused_naming_its_range(args, env):
    from reporting.cli.main import app

    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "outside the reporting calendar" in said and "01 Sep 2014" in said
    assert "Traceback" not in result.output and not (env / "archive").exists()


def test_a_schedule_year_outside_the_calendar_says_so():
    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["schedule", "--year", "2040"])
    assert result.exit_code == 1 and "outside the reporting calendar" in " ".join(result.output.split())


def test_commands_on_a_missing_or_locked_database_fail_without_a_traceback(tmp_path, monkeypatch):
    from reporting.cli.main import app

    monkeypatch.setenv("MI_CASEDB_URL", f"sqlite:///{tmp_path / 'no-such.sqlite'}")
    for args in (["recipients", "resolve", "cp_visits_due_next_week", "--as-at", "2026-10-26"],
                 ["quality", "check", "--table", "ssd_person"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code in (1, 2) and "does not exist" in " ".join(result.output.split()), args
        assert result.exception is None or isinstance(result.exception, SystemExit), args
    assert not (tmp_path / "no-such.sqlite").exists()
    locked = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("CREATE TABLE ssd_person (pers_person_id text)")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setenv("MI_CASEDB_URL", f"sqlite:///{locked}")
    monkeypatch.setenv("MI_QUERY_TIMEOUT_SECONDS", "2")
    result = CliRunner().invoke(app, ["recipients", "resolve", "cp_visits_due_next_week", "--as-at", "2026-10-26"])
    holder.close()
    assert result.exit_code == 1 and "locked" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("report_id, area", [
    ("../../escaped", "child_protection"), ("ok_report", "/tmp/absolute"), ("ok_report", "../up"),
    ("has space", "child_protection"), ("trailing_newline\n", "child_protection"), ("ok_report", "Area"),
])
def test_mi_reports_new_refuses_ids_and_areas_that_could_leave_sql(report_id, area, tmp_path, monkeypatch):
    from reporting.cli.main import app

    monkeypatch.setenv("MI_SQL_DIR", str(tmp_path / "sql"))
    result = CliRunner().invoke(app, ["reports", "new", report_id, "--area", area])
    assert result.exit_code == 2 and "is not allowed" in result.output
    assert not list(tmp_path.rglob("*.yml")) and not Path("/tmp/absolute").exists()


def test_a_definition_id_with_a_trailing_newline_is_refused(tmp_path):
    from reporting.definitions import DefinitionLoadError, load_definition

    example = settings.sql_dir() / "child_protection" / "cp_visits_due_next_week.yml"
    folder = tmp_path / "child_protection"
    folder.mkdir()
    (folder / "cp_visits_due_next_week.yml").write_text(
        example.read_text().replace("id: cp_visits_due_next_week", 'id: "cp_visits_due_next_week\\n"'))
    shutil.copy(example.with_suffix(".sql"), folder)
    with pytest.raises(DefinitionLoadError, match="field: id"):
        load_definition(folder / "cp_visits_due_next_week.yml")


def test_validate_finds_a_missing_template(tmp_path, monkeypatch):
    from reporting.cli.main import app

    root = tmp_path / "sql"
    shutil.copytree(settings.sql_dir(), root)
    path = root / "child_protection" / "cp_visits_due_next_week.yml"
    path.write_text(path.read_text() + "template: no_such_template.html.j2\n")
    monkeypatch.setenv("MI_SQL_DIR", str(root))
    result = CliRunner().invoke(app, ["reports", "validate"])
    said = "".join(result.output.split())
    assert result.exit_code == 1 and "'no_such_template.html.j2'notfound" in said


@SEED
def test_a_school_urn_that_could_name_a_folder_is_refused(case_copy, env):
    report = load_catalogue().get("open_cases_by_school")
    url = f"sqlite:///{case_copy}"
    period, rows = extract_of(url, report)
    urn = sorted({str(r["school_urn"]) for r in rows if r["school_urn"]})[0]
    execute(case_copy, "UPDATE ext_schools SET scho_urn = '../../outside' WHERE scho_urn = ?", (urn,))
    engine = create_engine(url)
    plan = assign(report, rows, period.end, engine)
    engine.dispose()
    bad = [a.person for a in plan if a.person.refused]
    assert bad and all("6-digit URN" in p.refused for p in bad)
    ledger = Ledger(f"sqlite:///{env / 'state.sqlite'}")
    counts = deliver_all(report, rows, period, url, OutboxTransport(env / "outbox"), ledger,
                         assignments=[a for a in plan if a.person.refused])
    assert counts["rejected"] == len(bad) and counts["sent"] == 0
    assert not [p for p in env.rglob("*") if "outside" in p.name]
    ledger.dispose()


def test_state_files_index_and_a_new_case_database_are_owner_only(tmp_path):
    from reporting.batch import BatchItem, write_index
    from reporting.casedb.seed import engine_for

    ledger = Ledger(f"sqlite:///{tmp_path / 'state' / 'state.sqlite'}")
    ledger.dispose()
    engine_for(f"sqlite:///{tmp_path / 'case' / 'casedb.sqlite'}").dispose()
    index = write_index([BatchItem("r", "Title", None, "ok", rows=1)], AS_AT, tmp_path / "out")
    for path in (tmp_path / "state" / "state.sqlite", tmp_path / "case" / "casedb.sqlite", index):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_make_airflow_listens_on_loopback_by_default(tmp_path):
    fake = tmp_path / "airflow"
    fake.write_text("#!/bin/sh\necho \"host=$AIRFLOW__API__HOST\"\n")
    fake.chmod(0o700)
    env = {**os.environ, "AIRFLOW_BIN": str(fake), "MI_AIRFLOW_HOME": str(tmp_path / "home"),
           "MI_CASEDB_URL": "sqlite:///unused.sqlite"}
    env.pop("AIRFLOW_HOST", None)
    out = subprocess.run([str(settings.REPO_ROOT / "scripts" / "airflow-standalone.sh")], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "host=127.0.0.1" in out and "http://127.0.0.1:" in out
