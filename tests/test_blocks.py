"""A misspelt building block in a report's SQL: the error names the file, the line, the
unknown name, the block meant and where every block is listed."""

from __future__ import annotations

import pytest

from reporting import settings
from reporting.definitions import load_definition
from reporting.extract import ReportSQLError, expand_sql, expand_text

EXAMPLE = settings.REPO_ROOT / "sql" / "child_protection" / "cp_visits_due_next_week.yml"


def test_an_unknown_block_is_named_with_its_line_and_the_block_meant(sql_copy):
    folder = sql_copy / "broken"
    folder.mkdir()
    path = folder / "misspelt_block.yml"
    path.write_text(EXAMPLE.read_text().replace("id: cp_visits_due_next_week", "id: misspelt_block"))
    path.with_suffix(".sql").write_text(
        "-- open cases, with the block's name misspelt on line 3\n"
        "select o.person_id\n"
        "from {{ open_case_at(':as_at') }} o\n")
    definition = load_definition(path)
    with pytest.raises(ReportSQLError) as caught:
        expand_sql(definition)
    message = str(caught.value)
    assert message.startswith(f"{path.with_suffix('.sql')} line 3: ")
    assert "'open_case_at' is not a building block" in message
    assert "did you mean open_cases_at?" in message
    assert "docs/adding-a-report.md" in message


def test_a_name_like_no_block_gets_no_guess():
    with pytest.raises(ReportSQLError) as caught:
        expand_text("select 1\nfrom {{ zzqx_frobnicate() }} z", "sql/x/y.sql")
    assert str(caught.value) == ("sql/x/y.sql line 2: building block error: 'zzqx_frobnicate' is not a building "
                                 "block; every block is listed in docs/adding-a-report.md (Building blocks)")


def test_other_block_errors_keep_their_own_message():
    with pytest.raises(ReportSQLError, match=r"sql/x/y.sql line 1: building block error: .*expression"):
        expand_text("select {% if %}", "sql/x/y.sql")


def test_a_period_of_cares_ending_is_named_as_ssda903_names_it():
    """The six-month list once said "Died" for E3 (care taken over by another local authority)
    and "Moved to independent living" for E7 (adult social care's residential care). The names
    below are read from the DfE's SSDA903 guidance, code by code."""
    import sqlite3

    from reporting.extract import expand_text

    sql = expand_text("select {{ la_ceased_reason_name('c.code') }} from (select :code as code) c", "test")
    named = {code: sqlite3.connect(":memory:").execute(sql, {"code": code}).fetchone()[0]
             for code in ("E2", "E3", "E7", "E17", "E4A", "X9")}
    assert named == {"E2": "Died", "E3": "Care taken over by another local authority",
                     "E7": "Transferred to residential care funded by adult social care",
                     "E17": "Aged 18 or over, stayed with current carers (staying put)",
                     "E4A": "Returned home as part of the care plan", "X9": "X9"}


def test_placement_types_and_providers_are_named_as_the_dfe_names_them():
    """SSDA903 placement type and provider codes, in words (the placements lists showed "U4", "PR1").
    U4 is long-term fostering with carers who are not relatives or friends; S1 a residential school;
    K2 a children's home; PR2 another local authority's provision; a code not listed stays as it is."""
    import sqlite3

    from reporting.extract import expand_text

    def named(block, codes):
        sql = expand_text("select {{ " + block + "('c.code') }} from (select :code as code) c", "test")
        return {code: sqlite3.connect(":memory:").execute(sql, {"code": code}).fetchone()[0] for code in codes}

    assert named("la_placement_type_name", ("U4", "U1", "S1", "K2", "P1", "Q9")) == {
        "U4": "Foster care with other foster carers: long-term",
        "U1": "Foster care with relatives or friends: long-term",
        "S1": "Residential school", "K2": "Children's home",
        "P1": "Placed with parents or others with parental responsibility", "Q9": "Q9"}
    assert named("la_placement_provider_name", ("PR1", "PR2", "PR4")) == {
        "PR1": "This authority's own provision", "PR2": "Another local authority's provision",
        "PR4": "Private provision"}


def test_care_leavers_codes_are_named_as_the_dfe_names_them():
    """The OC3 cohort list showed "REFU", "T", "G5" with no key. SSDA903: REFU the young person
    refuses contact; accommodation T (T1 or T2, the digit its suitability) a foyer; activity G5
    not in education, employment or training for other reasons; F4 a full-time apprenticeship."""
    import sqlite3

    from reporting.extract import expand_text

    def named(block, code):
        sql = expand_text("select {{ " + block + "('c.code') }} from (select :code as code) c", "test")
        return sqlite3.connect(":memory:").execute(sql, {"code": code}).fetchone()[0]

    assert named("cl_in_touch_name", "REFU") == "Refuses contact"
    assert named("cl_accommodation_name", "T") == named("cl_accommodation_name", "T2") == (
        "Foyer or similar supported accommodation")
    assert named("cl_accommodation_name", "Z1") == "With former foster carers"
    assert named("cl_activity_name", "G5") == "NEET: other circumstances"
    assert named("cl_activity_name", "F4") == "Full-time apprenticeship"


def test_staff_roles_are_named_in_words():
    """The caseload lists showed a worker's role as "SP" and "SW"."""
    import sqlite3

    from reporting.extract import expand_text

    sql = expand_text("select {{ staff_role_name('c.code') }} from (select :code as code) c", "test")
    named = {code: sqlite3.connect(":memory:").execute(sql, {"code": code}).fetchone()[0]
             for code in ("SW", "SP", "PA", "XX")}
    assert named == {"SW": "Social worker", "SP": "Senior practitioner", "PA": "Personal adviser", "XX": "XX"}
