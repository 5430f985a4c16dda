"""Percentages on aggregate reports: a percent or decimal column that says which counts it
is worked out from (`derived_from`) is hidden only when one of those counts is hidden in its row;
one that does not keeps the conservative rule (any hidden count of the row hides it).

A small hand-written table of conference attendance, every figure worked out by hand below.
"""

from __future__ import annotations

import pytest

from reporting import disclosure as sdc
from reporting.definitions import Definition, DefinitionLoadError, parse_definition

SUPPRESSED = sdc.SUPPRESSED

COLUMNS = [
    {"name": "agency", "type": "text"},
    {"name": "invited", "type": "int"},
    {"name": "attended", "type": "int"},
    {"name": "reports_submitted", "type": "int"},
    {"name": "pct_attended", "type": "percent", "derived_from": ["attended", "invited"]},
    {"name": "pct_reports", "type": "percent", "derived_from": ["reports_submitted", "invited"]},
    {"name": "pct_undeclared", "type": "percent"},  # the same figure as pct_attended, sources not said
]

# invited, attended, reports:
#   Police      53   8   3   -> reports 3 is 1-5: primary.
#   Health      40  30  20
#   Education   30  24  12
# Reports column: 3 + 20 + 12 = 35, with one hidden cell: 35 - 20 - 12 gives the 3 back, so one more
# reports cell is hidden, the smallest non-zero: Education's 12 (secondary). Invited (53, 40, 30;
# total 123) and attended (8, 30, 24; total 62) have nothing from 1 to 5: all shown.
ROWS = [
    {"agency": "Police", "invited": 53, "attended": 8, "reports_submitted": 3,
     "pct_attended": 15.1, "pct_reports": 5.7, "pct_undeclared": 15.1},       # 8/53 = 15.09; 3/53 = 5.66
    {"agency": "Health", "invited": 40, "attended": 30, "reports_submitted": 20,
     "pct_attended": 75.0, "pct_reports": 50.0, "pct_undeclared": 75.0},      # 30/40; 20/40
    {"agency": "Education", "invited": 30, "attended": 24, "reports_submitted": 12,
     "pct_attended": 80.0, "pct_reports": 40.0, "pct_undeclared": 80.0},      # 24/30; 12/30
]


def test_a_percent_shows_when_its_own_counts_do():
    shown, disclosure = sdc.suppress_rows(COLUMNS, ROWS)
    police, health, education = shown
    # Police: 8 of 53 are both shown, so 15.1% is too, although the row's reports (3) are hidden.
    assert (police["attended"], police["invited"], police["pct_attended"]) == (8, 53, 15.1)
    # 3/53 = 5.7% would give the hidden 3 back (5.7% of 53 = 3.02): hidden with it.
    assert police["reports_submitted"] == police["pct_reports"] == SUPPRESSED
    # Education's 12 is the secondary cell: 24/30 = 80.0 stays, 12/30 = 40.0 goes.
    assert education["reports_submitted"] == education["pct_reports"] == SUPPRESSED
    assert education["pct_attended"] == 80.0
    # Nothing hidden in Health's row: every figure shows.
    assert health == ROWS[1]
    assert disclosure == {"primary": 1, "secondary": 1}


def test_without_derived_from_any_hidden_count_in_the_row_hides_it():
    shown, _ = sdc.suppress_rows(COLUMNS, ROWS)
    # The same 15.1% and 80.0%, sources not declared: the rows with a hidden count lose it.
    assert [r["pct_undeclared"] for r in shown] == [SUPPRESSED, 75.0, SUPPRESSED]


def test_a_definition_carries_derived_from_to_disclosure_control():
    spec = Definition.model_validate({
        "id": "agency_attendance_example", "title": "Attendance", "cadence": "quarterly",
        "description": "One row per agency: conferences it was invited to and attended.",
        "recipients": [{"role": "DIRECTOR", "scope": "all"}], "sensitivity": "aggregate",
        "columns": [{"name": c["name"], "label": c["name"], "type": c["type"],
                     **({"derived_from": c["derived_from"]} if "derived_from" in c else {})} for c in COLUMNS]})
    rows = sdc.published(spec, ROWS).rows
    assert [r["pct_attended"] for r in rows] == [15.1, 75.0, 80.0]
    assert [r["pct_reports"] for r in rows] == [SUPPRESSED, 50.0, SUPPRESSED]


YAML = """id: {id}
title: Attendance
description: One row per agency, conferences it was invited to and attended.
cadence: quarterly
recipients: [{{role: DIRECTOR, scope: all}}]
sensitivity: aggregate
columns:
  - {{name: agency, label: Agency}}
  - {{name: invited, label: Invited, type: int}}
  - {{name: attended, label: Attended, type: int}}
{extra}
"""


@pytest.mark.parametrize("name, extra, field, expected", [
    ("derived_on_a_count",
     "  - {name: pct, label: '%', type: int, derived_from: [attended, invited]}",
     "columns[pct]", "derived_from is for percent and decimal columns"),
    ("derived_from_text",
     "  - {name: pct, label: '%', type: percent, derived_from: [attended, agency]}",
     "(definition)", "columns.pct.derived_from names column 'agency', which is of type text; expected the int "
                     "columns (counts)"),
    ("derived_from_unknown",
     "  - {name: pct, label: '%', type: percent, derived_from: [atended, invited]}",
     "(definition)", "columns.pct.derived_from names column 'atended', which is not in columns"),
])
def test_a_wrong_derived_from_is_refused_naming_the_field(tmp_path, name, extra, field, expected):
    path = tmp_path / "examples" / f"{name}.yml"
    path.parent.mkdir()
    path.write_text(YAML.format(id=name, extra=extra))
    path.with_suffix(".sql").write_text("select 1 as x")
    with pytest.raises(DefinitionLoadError) as caught:
        parse_definition(path)
    message = str(caught.value)
    assert f"{path} (field: {field}): " in message and expected in message
