"""The data-quality gate's exception, importable without Great Expectations (DAG parse, tasks)."""

from __future__ import annotations

from reporting.errors import MIError


class CriticalDataQualityError(MIError):
    """A critical check failed: nothing may be rendered or delivered. Holds labels and counts only."""

    def __init__(self, report_id: str, failures: list[dict]):
        self.report_id = report_id
        self.failures = failures
        detail = "; ".join(f"{f['check']!r} failed on {f['failing_rows']} row(s)" for f in failures)
        super().__init__(f"{report_id}: critical data-quality check(s) failed, nothing will be delivered: {detail}")
