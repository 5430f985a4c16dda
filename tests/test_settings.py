"""The settings object: every setting typed, read once per environment, frozen, and a bad value
refused naming its variable, its value and what was expected."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from reporting import settings
from reporting.schedules.periods import CADENCES


def test_settings_are_typed_derived_and_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MI_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("MI_ARCHIVE_DIR", raising=False)
    monkeypatch.setenv("MI_SCHEDULE_START", "2026-10-19")
    monkeypatch.setenv("MI_CATCHUP", "yes")
    monkeypatch.setenv("MI_SMTP_PORT", "2525")
    config = settings.current()
    assert config.schedule_start == date(2026, 10, 19) and config.catchup is True and config.smtp_port == 2525
    assert settings.archive_dir() == tmp_path / "archive"  # derived from MI_VAR_DIR when not set
    assert settings.current() is config, "read once while the environment is unchanged"
    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "elsewhere"))
    assert settings.archive_dir() == tmp_path / "elsewhere", "a changed environment is read again"
    with pytest.raises(ValidationError):
        config.smtp_port = 25  # frozen: nobody changes a setting behind the others' backs


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("MI_PDF_MAX_ROWS", "-3", "MI_PDF_MAX_ROWS='-3': expected a whole number >= 0 (0 = no cap)"),
    ("MI_SMTP_PORT", "twenty-five", "MI_SMTP_PORT='twenty-five': Input should be a valid integer"),
    ("MI_DEADLINE_HOURS", "0", "MI_DEADLINE_HOURS='0': expected a number > 0"),
    ("MI_TRANSPORT", "pigeon", "MI_TRANSPORT='pigeon': Input should be 'smtp' or 'outbox'"),
    ("MI_SCHEDULE_END", "31/10/2026", "MI_SCHEDULE_END='31/10/2026': Input should be a valid date"),
])
def test_a_bad_value_names_its_variable_value_and_what_was_expected(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.SettingsError) as refused:
        settings.current()
    assert str(refused.value).startswith(expected), str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_the_secret_is_not_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("MI_SMTP_PASSWORD", "s3cret-relay-password")
    assert "s3cret" not in repr(settings.current())


def test_the_cli_takes_the_schedule_cadences_and_refuses_others():
    from typer.testing import CliRunner

    from reporting.cli.main import app

    refused = CliRunner().invoke(app, ["run", "--as-at", "2026-10-26", "--cadence", "bimonthly"])
    assert refused.exit_code == 2
    message = " ".join(refused.output.replace("│", " ").split())
    assert "'bimonthly' is not one of" in message
    assert all(f"'{cadence}'" in message for cadence in CADENCES), message


def test_a_secret_can_be_a_file_and_the_environment_wins(monkeypatch, tmp_path):
    """Docker secrets: /run/secrets/<VARIABLE> (here MI_SECRETS_DIR) is read as the setting, so the
    case database's password need not be in any process's environment."""
    (tmp_path / "MI_CASEDB_URL").write_text("postgresql+psycopg://mi_reader:Sup3r-S3cret-pw@ssd.council.example.org/ssd")
    (tmp_path / "MI_SMTP_PASSWORD").write_text("relay-password")
    monkeypatch.setenv("MI_SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("MI_CASEDB_URL", raising=False)
    monkeypatch.delenv("MI_SMTP_PASSWORD", raising=False)
    assert settings.casedb_url() == "postgresql+psycopg://mi_reader:Sup3r-S3cret-pw@ssd.council.example.org/ssd"
    assert settings.current().smtp_password == "relay-password"
    monkeypatch.setenv("MI_SMTP_PASSWORD", "from-the-environment")
    assert settings.current().smtp_password == "from-the-environment"


def test_mi_run_refuses_to_start_when_smtp_is_asked_for_but_no_relay_is_set(monkeypatch, tmp_path):
    """Found before any report runs (not after every report is rendered), naming the settings to set."""
    from typer.testing import CliRunner

    from reporting.cli.main import app

    monkeypatch.setenv("MI_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("MI_TRANSPORT", "smtp")
    monkeypatch.delenv("MI_SMTP_HOST", raising=False)
    refused = CliRunner().invoke(app, ["run", "--as-at", "2026-10-26"])
    message = " ".join(refused.output.split())
    assert refused.exit_code == 2, refused.output
    assert "MI_TRANSPORT=smtp but neither MI_SMTP_HOST nor the Airflow connection mi_smtp is set" in message
    assert "MI_TRANSPORT=outbox" in message and "--no-deliver" in message
    assert not (tmp_path / "archive").exists(), "no report ran"
