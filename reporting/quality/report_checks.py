"""A report's YAML column `checks` compiled to GX expectations and run on its extracted rows.

    not_null         -> ExpectColumnValuesToNotBeNull        "<label> is blank"
    unique           -> ExpectColumnValuesToBeUnique         "<label> is repeated"
    accepted_values  -> ExpectColumnValuesToBeInSet          "<label> not one of a, b"
    min / max        -> ExpectColumnValuesToBeBetween        "<label> below n" / "<label> above n"
                                                             (max 0, a count of faults: "<label>: 1 or more")

Findings are `{check, column, severity, failing_rows, meaning}`, only for checks with failing
rows: what the report's data-quality section and manifest show. `unique` counts every row whose
value is repeated (both copies: either may be the wrong one). `validate_frame(..., failing_rows=True)`
also gives the positions of the failing rows (never their values), so one run of the gate counts
the findings of every copy of the report: a team's copy counts its own rows (`gate.Findings`).
"""

from __future__ import annotations

from reporting.definitions import Checks, Column, Definition
from reporting.quality.context import RESULT_FORMAT, ROW_POSITIONS, finding_from_result, quiet_context
from reporting.text import REPLACEMENT

DEFAULT_MEANING = "Rows affected may be miscounted or missing from the figures until the record is corrected."
TEXT_SUFFIX = "__as_text"


def compile_checks(spec: Definition) -> list:
    """The GX expectations for a definition's column checks, labelled as the report shows them."""
    import great_expectations.expectations as gxe

    expectations: list[gxe.Expectation] = []
    for column in spec.columns:
        checks = column.checks
        if checks is None:
            continue

        # Called only within this iteration; the defaults bind this iteration's column and checks.
        def meta(label: str, column: Column = column, checks: Checks = checks) -> dict:
            return {"check": label, "column": column.name, "severity": checks.severity,
                    "meaning": checks.meaning or DEFAULT_MEANING}

        if checks.not_null:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(
                column=column.name, meta=meta(f"{column.label} is blank")))
        if checks.unique:
            expectations.append(gxe.ExpectColumnValuesToBeUnique(
                column=column.name, meta=meta(f"{column.label} is repeated")))
        if checks.accepted_values is not None:
            # YAML values are text; compare the text form so 1 and "1" agree, as data officers expect.
            expectations.append(gxe.ExpectColumnValuesToBeInSet(
                column=column.name + TEXT_SUFFIX, value_set=list(checks.accepted_values),
                meta=meta(f"{column.label} not one of {', '.join(checks.accepted_values)}")))
        if checks.min is not None:
            expectations.append(gxe.ExpectColumnValuesToBeBetween(
                column=column.name, min_value=checks.min, meta=meta(f"{column.label} below {checks.min:g}")))
        if checks.max is not None:
            expectations.append(gxe.ExpectColumnValuesToBeBetween(
                column=column.name, max_value=checks.max, meta=meta(_above(column.label, checks.max))))
    return expectations


def _above(label: str, most: float) -> str:
    """A maximum's check in words: "Days open above 30"; a maximum of 0, a count that should be none,
    "Visits recorded without the child seen: 1 or more" (not "... above 0")."""
    return f"{label}: 1 or more" if most == 0 else f"{label} above {most:g}"


UNREADABLE_MEANING = ("The case record holds characters that cannot be shown (control characters or "
                      "invalid text encoding); they are shown as \ufffd. Correct the record in the case system.")


def unreadable_text(spec: Definition, rows: list[dict]) -> list[dict]:
    """A finding per text column with cells whose unreadable characters were replaced by U+FFFD
    (`reporting.text.readable`, applied at extract): counted, never quoted; `row_indexes` holds the
    positions of those rows."""
    findings = []
    for column in spec.columns:
        if column.type != "text":
            continue
        failing = [i for i, row in enumerate(rows)
                   if isinstance(row.get(column.name), str) and REPLACEMENT in row[column.name]]
        if failing:
            findings.append({"check": f"{column.label} has unreadable characters", "column": column.name,
                             "severity": "warning", "failing_rows": len(failing), "meaning": UNREADABLE_MEANING,
                             "row_indexes": failing})
    return findings


def dataframe(spec: Definition, rows: list[dict]):
    """The rows as a pandas DataFrame (object dtype, so None stays None), plus text copies for sets."""
    import pandas as pd

    names = [c.name for c in spec.columns]
    frame = pd.DataFrame({n: pd.Series([r.get(n) for r in rows], dtype=object) for n in names})
    for column in spec.columns:
        if column.checks is not None and column.checks.accepted_values is not None:
            frame[column.name + TEXT_SUFFIX] = pd.Series(
                [None if r.get(column.name) is None else str(r.get(column.name)) for r in rows], dtype=object)
    for column in spec.columns:
        if column.checks is not None and (column.checks.min is not None or column.checks.max is not None):
            # Between needs numbers: Decimal and None become float and NaN (NaN is skipped as missing).
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce")
    return frame


def validate_frame(frame, expectations: list, *, name: str, failing_rows: bool = False) -> list[dict]:
    """Run expectations on a DataFrame; one finding per expectation (passed ones included).

    failing_rows: each finding also gets `row_indexes`, the positions of its failing rows. GX's
    COMPLETE format gives them, with the failing values too: those stay in this function.
    """
    import great_expectations as gx

    if not expectations:
        return []
    context = quiet_context()
    batch = context.data_sources.add_pandas("rows").add_dataframe_asset(name=name) \
        .add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    result = batch.validate(suite, result_format=ROW_POSITIONS if failing_rows else RESULT_FORMAT)
    findings = [finding_from_result(r, row_indexes=failing_rows) for r in result.results]
    # GX may reorder results; keep the definition's order so the report lists checks as written.
    order = {e.meta["check"]: i for i, e in enumerate(expectations)}
    return sorted(findings, key=lambda f: order.get(f["check"], len(order)))


def report_findings(spec: Definition, rows: list[dict]) -> list[dict]:
    """The failing YAML checks of a report (labels and counts: no rows, no values)."""
    findings = validate_frame(dataframe(spec, rows), compile_checks(spec), name=f"report.{spec.id}")
    return [public(f) for f in findings if not f["success"] and (f["failing_rows"] or f.get("error"))]


def public(finding: dict) -> dict:
    """The fields the report's data-quality section and manifest use."""
    out = {k: finding[k] for k in ("check", "column", "severity", "failing_rows", "meaning")}
    if finding.get("error"):
        out["check"] = f"{finding['check']} (could not be checked: {finding['error']})"
    return out
