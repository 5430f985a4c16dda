"""A Great Expectations context that is quiet and keeps row values out of results and logs.

GX is imported here, lazily, so modules that only describe checks (and the DAG files, which must
parse fast) never pay its import time (~3-5 s).
"""

from __future__ import annotations

import logging
from typing import Any

# SUMMARY/COMPLETE would copy up to 20 failing values (child ids, dates of birth) into the result;
# BASIC with partial_unexpected_count 0 gives the counts and no values.
RESULT_FORMAT: dict[str, Any] = {"result_format": "BASIC", "partial_unexpected_count": 0,
                                 "include_unexpected_rows": False}
# The positions of failing rows (`unexpected_index_list`), so one run of the gate counts the findings
# of every copy of a report. COMPLETE brings the failing values too: `finding_from_result` keeps only
# the positions, and the result object never leaves `report_checks.validate_frame`.
ROW_POSITIONS: dict[str, Any] = {"result_format": "COMPLETE", "partial_unexpected_count": 0,
                                 "include_unexpected_rows": False}


def quiet_context():
    """An ephemeral (in-memory) GX context with progress bars off and GX logging at WARNING."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX logs metric SQL and, at DEBUG, values it computed: keep its loggers above INFO whatever
    # the root level of the Airflow task or CLI is.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        # some GX modules set their own logger to INFO on import ("Created temporary directory ...
        # for ephemeral docs site" on every context): let them follow the package's level
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger) \
                and logger.level and logger.level < logging.WARNING:
            logger.setLevel(logging.NOTSET)
    context = gx.get_context(mode="ephemeral")
    # The tqdm "Calculating Metrics" bars write to stderr: noise in every Airflow task log.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def finding_from_result(result, *, table: str | None = None, row_indexes: bool = False) -> dict:
    """One finding (labels and counts only) from a GX ExpectationValidationResult.

    Our expectations carry `meta = {check, column, severity, meaning}`; the count of failing rows is
    `unexpected_count` for column expectations and `observed_value` for SQL (unexpected rows) ones.
    An expectation that could not be computed (a missing column, an SQL error) is reported as failed
    with `error` set to the exception's class name only: database messages can quote a value.
    """
    meta = dict(result.expectation_config.meta or {})
    body = result.result or {}
    failing = body.get("unexpected_count")
    if failing is None:
        failing = body.get("observed_value")
    error = None
    info = result.exception_info or {}
    raised = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")] \
        if not info.get("raised_exception") else [info]
    if raised:
        message = str(raised[0].get("exception_message") or "")
        error = message.split("(", 2)[1].split(")")[0] if message.startswith("(") else "exception"
    finding = {
        "check": meta.get("check") or result.expectation_config.type,
        "column": meta.get("column"),
        "severity": meta.get("severity", "warning"),
        "failing_rows": int(failing or 0),
        "meaning": meta.get("meaning") or "Rows affected may be miscounted or missing from the figures "
                                          "until the record is corrected.",
        "success": bool(result.success) and error is None,
        "expectation": result.expectation_config.type,
    }
    if "element_count" in body:
        finding["rows_checked"] = int(body["element_count"])
    if table is not None:
        finding["table"] = table
    if row_indexes:
        finding["row_indexes"] = [int(i) for i in body.get("unexpected_index_list") or []]
        kwargs = result.expectation_config.kwargs or {}
        finding["columns"] = [meta["column"]] if meta.get("column") else [
            kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
    if error is not None:
        finding["error"] = error
    return finding
