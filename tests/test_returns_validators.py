"""The DfE validators (csc-validator-be-903, csc-validator-be-cin) on the camden returns: zero errors.

This is CI's check of issue 9 ("CI runs both validators and fails on errors"), through the same
command a person runs, `mi returns validate`. The validators' own virtualenv is created from PyPI
the first time (var/validators-venv, kept between runs; in CI once per clean clone).
"""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner


def _per_rule(summary: dict, name: str) -> str:
    rules = summary["returns"][name]["error_rules"]
    return ", ".join(f"{code}: {n}" for code, n in sorted(rules.items(), key=lambda kv: -kv[1])) or "none"


@pytest.mark.slow
@pytest.mark.xdist_group("sqlite_seed")
# 2025 as well as the current year: the code lists change between collections (Z1 split into
# Z11-Z14 for 2025-26), and a council re-submits or checks last year's return.
@pytest.mark.parametrize("year", [2025, 2026])
def test_both_returns_pass_the_dfe_validators(seeded_sqlite_url, tmp_path, year):
    from reporting.cli.main import app

    out = tmp_path / "check"
    result = CliRunner().invoke(app, ["returns", "validate", "--year", str(year), "--url", seeded_sqlite_url,
                                      "--out", str(out)])
    assert result.exit_code in (0, 1), f"the validators did not run:\n{result.output}"
    summary = json.loads((out / "validation.json").read_text())
    assert set(summary["returns"]) == {"ssda903", "cin"}
    for name in ("ssda903", "cin"):
        assert summary["returns"][name]["errors"] == sum(summary["returns"][name]["error_rules"].values())
    # The exit status is the CI gate: 1 exactly when there are errors.
    assert result.exit_code == (1 if summary["errors"] else 0), result.output
    assert summary["returns"]["ssda903"]["errors"] == 0, \
        f"SSDA903 {year} errors per rule: {_per_rule(summary, 'ssda903')}"
    assert summary["returns"]["cin"]["errors"] == 0, f"CIN census {year} errors per rule: {_per_rule(summary, 'cin')}"


def test_the_validator_reports_a_broken_return(tmp_path):
    """The gate can fail: a one-child synthetic SSDA903 return with an invalid SEX code is an error."""
    from reporting.returns import ssda903, validate

    folder = tmp_path / "ssda903"
    folder.mkdir()
    rows = {"header": {"CHILD": "T1", "SEX": "X", "DOB": "01/06/2015", "ETHNIC": "WBRI", "UPN": "UN5",
                       "MOTHER": "", "MC_DOB": ""},
            "episodes": {"CHILD": "T1", "DECOM": "01/05/2025", "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U1",
                         "PLACE_PROVIDER": "PR1", "DEC": "", "REC": "", "REASON_PLACE_CHANGE": "",
                         "HOME_POST": "NW1 2AA", "PL_POST": "NW5 1AA", "URN": "SC111111"}}
    for stem, row in rows.items():
        with open(folder / f"{stem}.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=ssda903.COLUMNS[stem])
            writer.writeheader()
            writer.writerow(row)
    summary = validate.validate(2026, ssda903=folder, out=tmp_path)
    assert not summary.passed
    assert "101" in summary.counts()["ssda903"]["error_rules"], summary.lines()  # 101: sex code not valid
    written = json.loads((tmp_path / validate.SUMMARY_FILE).read_text())
    assert written["errors"] == summary.errors > 0
    assert (tmp_path / validate.SUMMARY_FILE).stat().st_mode & 0o777 == 0o600
    assert "T1" not in json.dumps(written), "no child identifiers in the summary"


def test_a_missing_validators_venv_names_the_command(tmp_path, monkeypatch):
    from reporting.returns import validate

    monkeypatch.setenv("VALIDATORS_VENV", str(tmp_path / "no-venv"))
    with pytest.raises(validate.ValidatorsMissing) as error:
        validate.ensure_venv(create=False)
    assert str(tmp_path / "no-venv") in str(error.value)
    assert "pip install csc-validator-be-903 csc-validator-be-cin" in str(error.value)


def test_a_validator_crash_is_not_a_pass(tmp_path):
    """No result is an error of its own (exit 2 from the command), never a silent zero."""
    from reporting.returns import validate

    broken = tmp_path / "cin_census_2026.xml"
    broken.write_text("this is not XML")
    with pytest.raises(validate.ValidatorsCrashed) as error:
        validate.validate(2026, cin=broken, out=tmp_path)
    assert str(tmp_path / validate.LOG_FILE) in str(error.value)
    assert not (tmp_path / validate.SUMMARY_FILE).exists()
    assert (tmp_path / validate.LOG_FILE).stat().st_mode & 0o777 == 0o600
