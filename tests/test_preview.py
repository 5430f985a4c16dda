"""`mi reports preview`: a report served on 127.0.0.1, re-rendered when its definition changes.

Real parts throughout: a definition folder on disk (MI_SQL_DIR, with the repository's building
blocks), a small SQLite case database written here, the preview's HTTP server on a free port,
read with urllib, and `mi reports render` / `mi reports validate` through the command line.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporting import settings
from reporting.preview import PROBLEMS_ID, RELOAD_SCRIPT_ID, Preview

AS_AT = date(2026, 10, 26)  # a Monday: the weekly period is 19-25 Oct 2026
REPORT = "preview_visits"
YML = """id: preview_visits
title: {title}
description: One row per visit in the week (a test of mi reports preview).
cadence: weekly
recipients: [{{role: TM, scope: all}}]
columns:
  - {{name: visit_id, label: Visit}}
  - {{name: team_name, label: Team}}
summaries:
  - title: Visits by team
    group_by: team_name
    measures:
      - {{name: visits, label: Visits, agg: count}}
"""
SQL = """-- visits in the period
select v.visit_id, v.team_name
from preview_visits_table v
where v.visit_date between :period_start and :period_end
order by v.visit_id
"""
# 13 Kestrel visits in the period (a figure the summary shows), one Heron, one outside the period
VISITS = ([(f"PV-48{n:02d}", "Team Kestrel", f"2026-10-2{n % 5}") for n in range(13)]
          + [("PV-9001", "Team Heron", "2026-10-21"), ("PV-0001", "Team Heron", "2026-09-01")])
ROW_VALUES = ("PV-4801", "Kestrel", "Heron")  # values that must never reach the console


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A definitions folder with one report and the repository's building blocks, and a case database."""
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.REPO_ROOT / "sql" / "_blocks", sql_dir / "_blocks")
    folder = sql_dir / "child_protection"
    folder.mkdir(parents=True)
    (folder / f"{REPORT}.yml").write_text(YML.format(title="Preview visits first draft"), encoding="utf-8")
    (folder / f"{REPORT}.sql").write_text(SQL, encoding="utf-8")
    db = tmp_path / "casedb.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE preview_visits_table (visit_id TEXT, team_name TEXT, visit_date TEXT)")
        conn.executemany("INSERT INTO preview_visits_table VALUES (?, ?, ?)", VISITS)
    conn.close()
    monkeypatch.setenv("MI_SQL_DIR", str(sql_dir))
    monkeypatch.setenv("MI_CASEDB_URL", f"sqlite:///{db}")
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    assert settings.sql_dir() == sql_dir  # settings follow the environment
    return folder


@pytest.fixture
def preview(workspace):
    said: list[str] = []
    p = Preview(REPORT, AS_AT, port=0, interval=0.1, say=said.append)
    p.said = said  # type: ignore[attr-defined]
    p.start()
    yield p
    p.stop()


def save(path: Path, text: str) -> None:
    """Write a file the way an editor saves it: whole, in one rename (the preview never sees half)."""
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def get(url: str, *, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def version(p: Preview) -> int:
    status, body = get(p.url + "version")
    assert status == 200
    return int(body)


def wait_for_new_version(p: Preview, old: int, seconds: float = 10.0) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = version(p)
        if now != old:
            return now
        time.sleep(0.05)
    raise AssertionError(f"/version stayed at {old} for {seconds} s after the change")


def problems_on(page: str) -> list[str]:
    """The problem lines of the page's banner, as text."""
    banner = re.search(rf'<div id="{PROBLEMS_ID}".*?</div>', page, re.DOTALL)
    if banner is None:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", banner.group(0), re.DOTALL)]


def without_clock(document: str) -> str:
    return re.sub(r"\d{1,2} \w{3} \d{4} \d{2}:\d{2} UTC", "<generated>", document)


def test_preview_serves_the_report_and_follows_edits(preview, workspace):
    yml, sql = workspace / f"{REPORT}.yml", workspace / f"{REPORT}.sql"

    status, page = get(preview.url)
    assert status == 200
    assert "Preview visits first draft" in page, preview.said
    assert "PV-4801" in page and "PV-0001" not in page  # rows of the period only
    assert re.search(r">\s*13\s*<", page), "the summary's count of Kestrel visits"
    assert f'id="{RELOAD_SCRIPT_ID}"' in page and PROBLEMS_ID not in page

    # the title changes in the YAML: a new version, and the page has the new title
    before = version(preview)
    save(yml, YML.format(title="Preview visits second draft"))
    before = wait_for_new_version(preview, before)
    page = get(preview.url)[1]
    assert "Preview visits second draft" in page and "first draft" not in page

    # a building block that does not exist: the validate message, with the last good render below it
    save(sql, SQL.replace("from preview_visits_table v", "from {{ no_such_block() }} v"))
    before = wait_for_new_version(preview, before)
    page = get(preview.url)[1]
    shown = problems_on(page)
    assert len(shown) == 1 and f"{REPORT}.sql" in shown[0] and "no_such_block" in shown[0]
    from reporting.cli.main import app

    validated = CliRunner().invoke(app, ["reports", "validate", str(yml)])
    assert validated.exit_code == 1 and isinstance(validated.exception, SystemExit), validated.exception
    # rich wraps the line (mid-word, too): compared without whitespace
    assert "".join(shown[0].split()) in "".join(validated.output.split()), "the message validate prints"
    body = page.index("<body")
    assert body < page.index(PROBLEMS_ID) < page.index("PV-4801"), "the last good render below the problem"
    assert page.index(PROBLEMS_ID) < page.rindex("Preview visits second draft")

    # a column the query does not return
    save(sql, SQL.replace("v.visit_id, v.team_name", "v.visit_id"))
    before = wait_for_new_version(preview, before)
    shown = problems_on(get(preview.url)[1])
    assert len(shown) == 1 and "(field: columns[team_name]): the query in preview_visits.sql does not return a " \
        "column 'team_name'; it returns visit_id" in shown[0]

    save(sql, SQL)
    before = wait_for_new_version(preview, before)
    assert problems_on(get(preview.url)[1]) == []

    # broken YAML, with markup in the message: escaped on the page
    save(yml, YML.format(title="Preview visits second draft") + "burst_key: <b>team</b>\n")
    before = wait_for_new_version(preview, before)
    page = get(preview.url)[1]
    shown = problems_on(page)
    assert len(shown) == 1 and "burst_key names column '<b>team</b>'" in shown[0]
    assert "<b>team</b>" not in page and "&lt;b&gt;team&lt;/b&gt;" in page
    assert "Traceback" not in page

    save(yml, "id: preview_visits\ntitle: [unclosed\n")
    before = wait_for_new_version(preview, before)
    shown = problems_on(get(preview.url)[1])
    assert shown and "not valid YAML" in shown[0]

    # fixed again: no banner, the new title
    save(yml, YML.format(title="Preview visits third draft"))
    before = wait_for_new_version(preview, before)
    page = get(preview.url)[1]
    assert "Preview visits third draft" in page and PROBLEMS_ID not in page

    # the console: progress, one line per problem, no row values
    said = preview.said
    assert any(line.startswith("rendered preview_visits: 14 rows") for line in said)
    assert any(line == f"change seen in {REPORT}.sql, re-rendering" for line in said)
    assert any(line.startswith("✗ ") and "not valid YAML" in line for line in said)
    assert all("\n" not in line for line in said)
    leaked = [line for line in said for value in ROW_VALUES if value in line]
    assert leaked == []


def test_the_report_itself_is_what_mi_reports_render_writes(preview, workspace, tmp_path):
    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["reports", "render", REPORT, "--as-at", AS_AT.isoformat(),
                                      "--out", str(tmp_path / "rendered"), "--format", "html"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "rendered" / REPORT / "2026-10-25" / f"{REPORT}.html").read_text(encoding="utf-8")
    assert RELOAD_SCRIPT_ID not in written and "<script" not in written

    status, served = get(preview.url + "report.html")
    assert status == 200 and RELOAD_SCRIPT_ID not in served
    assert without_clock(served) == without_clock(written)

    page = get(preview.url)[1]
    script = re.search(rf'<script id="{RELOAD_SCRIPT_ID}">.*?</script>\n', page, re.DOTALL)
    assert script is not None
    assert without_clock(page.replace(script.group(0), "")) == without_clock(written)


def test_a_template_beside_the_yaml_is_watched(preview, workspace):
    template = workspace / f"{REPORT}.html.j2"
    save(template, '{% extends "table_report.html.j2" %}{% block main %}<p>Own layout one</p>'
                   "{{ super() }}{% endblock %}")
    yml = workspace / f"{REPORT}.yml"
    before = version(preview)
    save(yml, YML.format(title="Preview visits") + f"template: {REPORT}.html.j2\n")
    before = wait_for_new_version(preview, before)
    assert "Own layout one" in get(preview.url)[1]
    assert template in preview.watched()

    save(template, '{% extends "table_report.html.j2" %}{% block main %}<p>Own layout two</p>'
                   "{{ super() }}{% endblock %}")
    before = wait_for_new_version(preview, before)
    assert "Own layout two" in get(preview.url)[1]

    save(template, '{% extends "table_report.html.j2" %}{% block main %}{% if %}{% endblock %}')
    before = wait_for_new_version(preview, before)
    page = get(preview.url)[1]
    shown = problems_on(page)
    assert len(shown) == 1 and f"{REPORT}.yml (field: template): {REPORT}.html.j2 line 1:" in shown[0]
    assert "Own layout two" in page  # the last good render


def test_a_definition_broken_from_the_start_shows_only_its_problem(workspace):
    (workspace / f"{REPORT}.sql").write_text("select nothing_here from preview_visits_table "
                                             "where :as_at is not null")
    p = Preview(REPORT, AS_AT, port=0, interval=0.1, say=lambda _line: None)
    p.start()
    try:
        status, page = get(p.url)
        assert status == 200
        shown = problems_on(page)
        assert len(shown) == 1 and "the query failed" in shown[0] and "nothing has rendered yet" in page
        assert get(p.url + "report.html")[0] == 404
        # the server answers only requests addressed to it (a rebound host name gets nothing)
        assert get(p.url, host=f"attacker.example:{p.port}")[0] == 403
        assert get(p.url + "version")[0] == 200
    finally:
        p.stop()


def test_an_unknown_report_is_refused_by_the_command(workspace):
    from reporting.cli.main import app

    result = CliRunner().invoke(app, ["reports", "preview", "no_such_report", "--as-at", AS_AT.isoformat()])
    assert result.exit_code == 1 and "no report 'no_such_report'" in result.output


def test_a_missing_case_database_is_one_line_not_a_traceback(workspace, tmp_path, monkeypatch):
    from reporting.cli.main import app

    monkeypatch.setenv("MI_CASEDB_URL", f"sqlite:///{tmp_path / 'nowhere.sqlite'}")
    result = CliRunner().invoke(app, ["reports", "preview", REPORT, "--as-at", AS_AT.isoformat(), "--port", "0"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "nowhere.sqlitedoesnotexist" in "".join(result.output.split())  # rich wraps the line


@pytest.mark.parametrize("sigint", [signal.SIG_DFL, signal.SIG_IGN], ids=["from a terminal", "sigint ignored"])
def test_the_command_serves_until_ctrl_c(workspace, sigint):
    """Also when started with SIGINT ignored, as a script's background job is (and as a test worker
    may be after other tests): Python then raises no KeyboardInterrupt unless the command asks."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "400"}
    command = [sys.executable, "-m", "reporting", "reports", "preview", REPORT, "--as-at", AS_AT.isoformat(),
               "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=settings.REPO_ROOT, preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        status, page = get(match.group(0))
        assert status == 200 and "Preview visits first draft" in page
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "rendered preview_visits: 14 rows" in stderr and "preview stopped" in stderr
    assert "Traceback" not in stderr
