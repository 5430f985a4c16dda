"""The data-quality gate in front of every delivery.

`gate(report, rows)` runs the report's compiled YAML checks plus, when it exists,
`expectations/reports/<report_id>.json` (GX expectations for what the YAML cannot say: column
pairs, row counts, regular expressions...). Critical failures raise `CriticalDataQualityError`,
whose message names each check and its count of failing rows - never a value from a row - so the
run stops before anything is rendered or sent. Warnings are returned for the report's
data-quality section.

Report suite file format (GX's own expectation JSON, plus our meta):

    {"expectations": [
      {"type": "expect_column_pair_values_a_to_be_greater_than_b",
       "kwargs": {"column_A": "next_visit_due", "column_B": "plan_start", "or_equal": true,
                  "ignore_row_if": "either_value_is_missing"},
       "meta": {"check": "Next visit due is before the plan started", "severity": "critical",
                "meaning": "..."}}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reporting.definitions import ReportDefinition
from reporting.errors import ConfigError
from reporting.quality.errors import CriticalDataQualityError
from reporting.quality.report_checks import compile_checks, dataframe, public, unreadable_text, validate_frame
from reporting.quality.suites import expectations_dir

SEVERITIES = ("warning", "critical")


class ReportSuiteError(ConfigError):
    """`expectations/reports/<id>.json` is not a valid suite: names the file, entry and problem."""


def report_suite_path(report_id: str, root: Path | None = None) -> Path:
    return (root or expectations_dir()) / "reports" / f"{report_id}.json"


def load_report_suite(report: ReportDefinition, root: Path | None = None) -> list:
    """The extra GX expectations for a report (none when it has no suite file)."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    path = report_suite_path(report.id, root)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ReportSuiteError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list) or set(data) - {
            "expectations", "report_id", "notes"}:
        raise ReportSuiteError(f"{path}: expected an object with an 'expectations' list "
                               "(and optionally 'report_id' and 'notes')")
    if data.get("report_id", report.id) != report.id:
        raise ReportSuiteError(f"{path}: report_id {data['report_id']!r} must equal the file name {report.id!r}")
    columns = {c.name for c in report.spec.columns}
    expectations = []
    for i, entry in enumerate(data["expectations"]):
        where = f"{path}: expectations[{i}]"
        if not isinstance(entry, dict) or set(entry) - {"type", "kwargs", "meta"} or "type" not in entry:
            raise ReportSuiteError(f"{where}: expected an object with 'type', 'kwargs' and 'meta'")
        meta = entry.get("meta") or {}
        if not meta.get("check"):
            raise ReportSuiteError(f"{where}.meta.check: required - the label shown in the report")
        if meta.get("severity", "warning") not in SEVERITIES:
            raise ReportSuiteError(f"{where}.meta.severity: {meta['severity']!r}; expected warning or critical")
        kwargs = entry.get("kwargs") or {}
        for key in ("column", "column_A", "column_B"):
            if key in kwargs and kwargs[key] not in columns:
                raise ReportSuiteError(f"{where}.kwargs.{key}: {kwargs[key]!r} is not a column of {report.id}; "
                                       f"expected one of {', '.join(sorted(columns))}")
        try:
            expectation = ExpectationConfiguration(type=entry["type"], kwargs=kwargs,
                                                   meta={"severity": "warning", **meta}).to_domain_obj()
        except Exception as error:  # noqa: BLE001 - GX raises several types for a bad config
            raise ReportSuiteError(f"{where}: not a valid GX expectation ({entry['type']!r}): "
                                   f"{type(error).__name__}: {str(error).splitlines()[0][:200]}") from None
        expectations.append(expectation)
    return expectations


def evaluate(report: ReportDefinition, rows: list[dict], *, root: Path | None = None) -> list[dict]:
    """Every failing check of the report (YAML checks, then the report suite), critical ones first."""
    return assess(report, rows, root=root).whole()


@dataclass(frozen=True)
class Findings:
    """One run of the gate over a report's rows, able to give the findings of any copy of it.

    Each check keeps the positions of its failing rows (not their values), so a team's copy shows
    how many of *its* rows fail each check, counted exactly as the gate counts them for the whole
    report, without running the checks again per copy.
    """

    report_id: str
    checks: tuple[dict, ...]  # public finding + row_indexes + columns

    def whole(self) -> list[dict]:
        return [public(c) for c in self.checks]

    def for_rows(self, indexes: Iterable[int], columns: Iterable[str]) -> list[dict]:
        """The findings of a copy holding the rows at `indexes` and showing `columns`: checks of
        columns the copy does not show (a partner's column subset) are left out."""
        chosen, shown = set(indexes), set(columns)
        findings = []
        for check in self.checks:
            if not set(check["columns"]) <= shown:
                continue
            failing = len(chosen.intersection(check["row_indexes"]))
            if failing or check.get("error"):
                findings.append(public({**check, "failing_rows": failing}))
        return findings


def assess(report: ReportDefinition, rows: list[dict], *, root: Path | None = None) -> Findings:
    """Run the gate's checks once, keeping which rows fail each (see `Findings`)."""
    expectations = compile_checks(report.spec) + load_report_suite(report, root)
    results = validate_frame(dataframe(report.spec, rows), expectations, name=f"report.{report.id}",
                             failing_rows=True)
    failing = [f for f in results if not f["success"] and (f["failing_rows"] or f.get("error"))]
    failing += [{**f, "columns": [f["column"]]} for f in unreadable_text(report.spec, rows)]
    return Findings(report.id, tuple(sorted(failing, key=lambda f: f["severity"] != "critical")))


def gate(report: ReportDefinition, rows: list[dict], *, root: Path | None = None) -> list[dict]:
    """The warnings to print with the report; raises CriticalDataQualityError on any critical failure."""
    return passed(assess(report, rows, root=root)).whole()


def passed(findings: Findings) -> Findings:
    """`findings` when nothing critical failed; otherwise CriticalDataQualityError (checks and counts)."""
    critical = [f for f in findings.whole() if f["severity"] == "critical"]
    if critical:
        raise CriticalDataQualityError(findings.report_id, critical)
    return findings
