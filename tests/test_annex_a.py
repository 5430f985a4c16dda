"""Ofsted Annex A: the workbook has the specification's columns, codes and blanks; its lists
count what an independent query counts on the camden seed; and one child, hand-checked, is
followed across lists 1 and 3-8 of a small fixture authority (tests/fixtures/annex_a).

The specification copy (sql/_annex_a/specification.yml) is read here with plain YAML, not through
the builder's loader, so a change to either side shows."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from handworked import build_database
from openpyxl import load_workbook
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from reporting.cli.main import app
from reporting.returns import annex_a, annex_a_spec
from reporting.returns.annex_a_spec import AnnexAConfigError

pytestmark = pytest.mark.xdist_group("sqlite_seed")

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "sql" / "_annex_a" / "specification.yml"
FIXTURE = Path(__file__).parent / "fixtures" / "annex_a" / "authority.yml"
AS_AT = date(2026, 10, 26)


def findings_of(path: Path) -> list[annex_a.Finding]:
    """The findings as the workbook's "Data quality" sheet states them (what a reader sees)."""
    sheet = load_workbook(path, read_only=True)["Data quality"]
    return [annex_a.Finding(row[0], row[1], row[2], row[3] or "", int(row[4]))
            for row in list(sheet.iter_rows(values_only=True))[1:] if row[0] != "(none)"]


def _spec() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))["lists"]


@pytest.fixture(scope="module")
def camden_book(seeded_sqlite_url, tmp_path_factory):
    result = annex_a.build(create_engine(seeded_sqlite_url), AS_AT, tmp_path_factory.mktemp("annex_a"))
    return result, load_workbook(result.files[0], read_only=True)


def _rows(book, sheet: str) -> tuple[tuple, list[tuple]]:
    rows = list(book[sheet].iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_the_specification_copy_names_its_source_and_has_eleven_lists():
    head = SPEC.read_text(encoding="utf-8").split("lists:")[0]
    assert "liia-tools-pipeline" in head and "08975a7cbd3e27a4813e0bd92b95a69347c718cf" in head
    spec = _spec()
    assert list(spec) == [f"list_{n}" for n in range(1, 12)]
    # list 8 is the full looked-after set (34 columns), list 11 is about adopters, not children
    assert len(spec["list_8"]["columns"]) == 34
    assert spec["list_11"]["columns"][0]["header"] == "Individual adopter identifier"


def test_every_list_has_the_specifications_headers_in_order(camden_book):
    _, book = camden_book
    assert book.sheetnames == ["Summary", *[f"List {n}" for n in range(1, 12)], "Data quality"]
    for n, spec_list in enumerate(_spec().values(), start=1):
        header, _ = _rows(book, f"List {n}")
        assert list(header) == [c["header"] for c in spec_list["columns"]], f"List {n}"


def test_coded_fields_hold_only_specification_codes_and_blanks_only_where_allowed(camden_book):
    _, book = camden_book
    for n, spec_list in enumerate(_spec().values(), start=1):
        _, data = _rows(book, f"List {n}")
        assert data, f"List {n} is empty on the camden seed"
        for i, column in enumerate(spec_list["columns"]):
            values = [row[i] for row in data]
            where = f"List {n} / {column['header']}"
            if not column["blank"]:
                assert None not in values, f"{where}: blank in {values.count(None)} rows"
            if column["type"] == "category":
                assert {v for v in values if v is not None} <= set(column["codes"]), where
            if column["type"] == "date":
                assert all(v is None or isinstance(v, datetime) for v in values), where
            if column["type"] == "numeric":
                assert all(v is None or (isinstance(v, int) and v >= 0) for v in values), where
    # nothing left for the data-quality sheet but ethnicity not recorded (written as NOBT)
    findings = findings_of(camden_book[0].files[0])
    assert findings and {(f.header, f.problem) for f in findings} == {
        ("Ethnicity", "not recorded; written as 't) NOBT'")}


# Each list counted straight from the SSD tables, written apart from sql/_annex_a/.
# Six months: 27 Apr to 26 Oct 2026; twelve months: 27 Oct 2025 to 26 Oct 2026.
INDEPENDENT_COUNTS = {
    "List 1": "select count(*) from ssd_contacts where cont_contact_date >= '2026-04-27' "
              "and cont_contact_date <= '2026-10-26'",
    "List 2": "select count(*) from ssd_early_help_episodes where earl_episode_start_date <= '2026-10-26' "
              "and coalesce(earl_episode_end_date, '9999-12-31') >= '2026-04-27'",
    "List 3": "select count(*) from ssd_cin_episodes where cine_referral_date >= '2026-04-27' "
              "and cine_referral_date <= '2026-10-26'",
    "List 4": "select count(*) from ssd_cin_assessments where cina_assessment_start_date <= '2026-10-26' "
              "and coalesce(cina_assessment_auth_date, '9999-12-31') >= '2026-04-27'",
    "List 5": "select count(*) from ssd_s47_enquiry s left join ssd_initial_cp_conference i "
              "on i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id where s.s47e_s47_start_date <= '2026-10-26' "
              "and coalesce(s.s47e_s47_end_date, '9999-12-31') >= '2026-04-27'",
    "List 6": "select count(*) from ssd_cin_episodes where cine_referral_date <= '2026-10-26' "
              "and coalesce(cine_close_date, '9999-12-31') >= '2026-04-27'",
    "List 7": "select count(*) from ssd_cp_plans where cppl_cp_plan_start_date <= '2026-10-26' "
              "and coalesce(cppl_cp_plan_end_date, '9999-12-31') >= '2026-04-27'",
    # children with an episode in the six months that did not begin under a short-breaks status
    "List 8": "select count(distinct e.clae_person_id) from ssd_cla_episodes e "
              "where e.clae_cla_episode_start_date <= '2026-10-26' "
              "and coalesce(e.clae_cla_episode_ceased_date, '9999-12-31') >= '2026-04-27' and not exists ("
              "select 1 from ssd_legal_status l where l.lega_person_id = e.clae_person_id "
              "and l.lega_legal_status in ('V3', 'V4') "
              "and l.lega_legal_status_start_date <= e.clae_cla_episode_start_date "
              "and coalesce(l.lega_legal_status_end_date, '9999-12-31') > e.clae_cla_episode_start_date)",
    # care leavers with an allocation open on the as-at date
    "List 9": "select count(*) from ssd_care_leavers c where exists (select 1 from ssd_involvements i "
              "where i.invo_person_id = c.clea_person_id and i.invo_involvement_start_date <= '2026-10-26' "
              "and coalesce(i.invo_involvement_end_date, '9999-12-31') >= '2026-10-26')",
    "List 10": "select count(*) from ssd_permanence where perm_adm_decision_date <= '2026-10-26' and ("
               "(perm_permanence_order_date is null and perm_decision_reversed_date is null) "
               "or perm_permanence_order_date between '2025-10-27' and '2026-10-26' "
               "or perm_decision_reversed_date between '2025-10-27' and '2026-10-26')",
    "List 11": "select count(*) from ext_adopters where adop_enquiry_date <= '2026-10-26' "
               "and coalesce(adop_left_date, '9999-12-31') >= '2025-10-27' "
               "and coalesce(adop_adoption_order_date, '9999-12-31') >= '2025-10-27'",
}


def _assert_counts(book, url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        expected = {sheet: conn.execute(text(sql)).scalar_one() for sheet, sql in INDEPENDENT_COUNTS.items()}
    engine.dispose()
    summary = {row[0]: row[3] for row in book["Summary"].iter_rows(min_row=3, values_only=True)}
    for sheet, count in expected.items():
        _, data = _rows(book, sheet)
        assert len(data) == count == summary[sheet], sheet
        assert count > 0, f"{sheet} is empty on the camden seed"


def test_each_list_counts_what_an_independent_query_counts(camden_book, seeded_sqlite_url):
    _assert_counts(camden_book[1], seeded_sqlite_url)


@pytest.mark.postgres
@pytest.mark.xdist_group("pg_seed")
def test_postgresql_builds_the_same_lists(seeded_pg_url, tmp_path):
    result = annex_a.build(create_engine(seeded_pg_url), AS_AT, tmp_path)
    book = load_workbook(result.files[0], read_only=True)
    _assert_counts(book, seeded_pg_url)
    for n, spec_list in enumerate(_spec().values(), start=1):
        header, data = _rows(book, f"List {n}")
        assert list(header) == [c["header"] for c in spec_list["columns"]]
        for i, column in enumerate(spec_list["columns"]):
            if column["type"] == "category":
                assert {row[i] for row in data if row[i] is not None} <= set(column["codes"]), (
                    f"List {n} {column['header']}")


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("annex_a_fixture")
    engine = build_database(folder / "authority.sqlite", FIXTURE)
    result = annex_a.build(engine, AS_AT, folder / "out")
    book = load_workbook(result.files[0], read_only=True)
    lists = {}
    for sheet in book.sheetnames:
        if sheet.startswith("List "):
            header, data = _rows(book, sheet)
            lists[sheet] = [dict(zip(header, row)) for row in data]
    return result, lists


def _one(lists: dict, sheet: str, key: str, value: str) -> dict:
    found = [row for row in lists[sheet] if row[key] == value]
    assert len(found) == 1, f"{sheet}: {len(found)} rows for {value}"
    return found[0]


def d(text_date: str) -> datetime:
    return datetime.fromisoformat(text_date)


def test_one_child_followed_across_lists_1_and_3_to_8(fixture_book):
    _, lists = fixture_book
    ada = {"Child Unique ID": "A1", "Sex": "b) Female", "Ethnicity": "o) BAFR", "Date of Birth": d("2016-05-20"),
           "Age of Child (Years)": 10}  # born 20 May 2016: 10 on 26 Oct 2026
    # List 1: the May contact only (September 2025 is before 27 April 2026); 3C = a hospital
    assert [row["Child Unique ID"] for row in lists["List 1"]] == ["A1"]
    assert lists["List 1"][0] == {**ada, "Date of Contact": d("2026-05-04"), "Contact Source": "i) 3C: Health services"}
    # List 3: the May referral; 2 referrals in 27 Oct 2025 - 26 Oct 2026 (10 Nov 2025 and 5 May 2026);
    # its allocation on 26 October is W3 (Cy Dunn, Looked After Team) from 15 September
    assert lists["List 3"] == [{**ada, "Date of referral": d("2026-05-05"), "Referral Source": "i) 3C: Health services",
                                "Referral NFA?": "No", "Number of Referrals in Last 12 Months": 2,
                                "Allocated Team": "Looked After Team", "Allocated Worker": "Cy Dunn"}]
    # List 4: the May assessment (the 2025 one was authorised on 18 Dec 2025, before the six months);
    # outcome not NFA = support needed; completed by Bo Lund's team
    assert lists["List 4"] == [{**ada, "Does the Child have a Disability": "Yes",
                                "Continuous Assessment Start Date": d("2026-05-06"),
                                "Child Seen During Continuous Assessment": "Yes",
                                "Continuous Assessment Date of Authorisation": d("2026-06-10"),
                                "Was the child assessed as requiring LA children's social care support?": "Yes",
                                "Allocated Team": "Family Intervention Team", "Allocated Worker": "Bo Lund"}]
    # List 5: S47 not NFA = an ICPC was needed ("deemed unnecessary": No); one S47 and one ICPC in 12 months
    assert lists["List 5"] == [{**ada, "Does the Child have a Disability": "Yes",
                                "Strategy discussion initiating Section 47 Enquiry Start Date": d("2026-05-20"),
                                "Was an Initial Child Protection Conference deemed unnecessary?": "No",
                                "Date of Initial Child Protection Conference": d("2026-06-05"),
                                "Did the Initial Child Protection Conference Result in a Child Protection Plan": "Yes",
                                "Number of Section 47 Enquiries in the last 12 months": 1,
                                "Number of ICPCs in the last 12 months": 1,
                                "Allocated Team": "Family Intervention Team", "Allocated Worker": "Bo Lund"}]
    # List 6: the open May episode (R-A1a closed 20 Dec 2025, before the six months); last seen at the
    # 15 Oct looked-after visit (after the 26 June CP visit); looked after on 26 October
    assert lists["List 6"] == [{**ada, "Does the Child have a Disability": "Yes", "CIN Start Date": d("2026-05-05"),
                                "Primary Need Code": "a) Abuse or neglect", "Date Child Was Last Seen": d("2026-10-15"),
                                "CIN Closure Date": None, "Reason for Closure": None,
                                "Case Status": "a) Looked after child",
                                "Allocated Team": "Looked After Team", "Allocated Worker": "Cy Dunn"}]
    # List 7: the June plan (the 2019 one ended before the six months and counts as 1 previous plan);
    # last visit with the child seen 26 June (10 July: not seen), not alone; held by Bo Lund on 14 Sept
    assert lists["List 7"] == [{**ada, "Does the Child have a Disability": "Yes",
                                "Child Protection Plan Start Date": d("2026-06-05"),
                                "Initial Category of Abuse": "a) Neglect",
                                "Latest Category of Abuse": "d) Emotional Abuse",
                                "Date of the Last Statutory Visit": d("2026-06-26"), "Was the Child Seen Alone?": "No",
                                "Date of latest review conference": d("2026-09-01"),
                                "Child Protection Plan End Date": d("2026-09-14"),
                                ("Subject to Emergency Protection Order or Protected Under Police Powers "
                                 "in Last Six Months (Y/N)"): "No",
                                "Number of Previous Child Protection Plans": 1,
                                "Allocated Team": "Family Intervention Team", "Allocated Worker": "Bo Lund"}]
    # List 8: looked after from 15 September, fostered privately in Barnet (out of the borough);
    # one missing episode (offered a return interview, declined) and one absence since 27 Oct 2025
    row = _one(lists, "List 8", "Child Unique ID", "A1")
    assert row == {**ada, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)": "No",
                   "Does the Child have a Disability": "Yes", "Date Started to be Looked After": d("2026-09-15"),
                   "Child's Category of Need": "a) Abuse or neglect",
                   ("Is this a second or subsequent period of being a Looked After Child "
                    "within the last 12 months (Y/N)"): "No",
                   "Start date of current legal status": d("2026-09-15"),
                   "Child's Legal Status": "a) Interim care orders",
                   "Date of Latest Statutory Review": d("2026-10-13"),
                   "Date of Last Social Work Visit": d("2026-10-15"),
                   "What is the permanence plan for this child?": "a) Return to family",
                   "Date of Last IRO Visit / Contact to the Child": d("2026-10-01"),
                   "Date of Last Health Assessment": d("2026-09-30"), "Date of Last Dental Check": None,
                   "Number of Placements in the Last 12 months": 1, "Date Ceased to be Looked After": None,
                   "Reason Ceased to be Looked After": None, "Start Date of Most Recent Placement": d("2026-09-15"),
                   "Placement Type": "a) Foster placement", "Placement Provider": "b) Private",
                   "Placement postcode": "EN5 1AA", "URN of Placement": "SC123456", "Placement Location": "b) Out",
                   "LA of Placement": "Barnet",
                   "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months": 1,
                   "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months": 1,
                   "Was the child offered a Return Interview after their last missing episode (Y/N)?": "Yes",
                   "Did the child accept a Return Interview after their last missing episode (Y/N)?": "No",
                   "Allocated Team": "Looked After Team", "Allocated Worker": "Cy Dunn"}


def test_the_fixture_authoritys_other_lists_and_findings(fixture_book):
    result, lists = fixture_book
    # List 2: Ben's early help ended 10 May 2026, inside the six months; no ethnicity recorded -> NOBT
    assert lists["List 2"] == [{"Child Unique ID": "B1", "Sex": "a) Male", "Ethnicity": "t) NOBT",
                                "Date of Birth": d("2019-02-11"), "Age of Child (Years)": 7,
                                "Assessment start date": d("2026-03-01"), "Assessment completion date": d("2026-05-10"),
                                "Organisation completing assessment": "One Stop Early Help"}]
    # List 9: Cal (open to W4, formerly UASC); Dan's allocation ended in January, so not listed
    assert [r["Child Unique ID"] for r in lists["List 9"]] == ["CL1"]
    cal = lists["List 9"][0]
    assert (cal["Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)"],
            cal["Allocated Team"], cal["Allocated Personal Advisor"], cal["Eligibility Category"], cal["LA in Touch"],
            cal["Type of Accommodation"], cal["Suitability of Accommodation"], cal["Activity Status"]) == (
        "Yes", "Leaving Care Team", "Di Marsh", "b) Former relevant", "a) In touch", "k) Independent living",
        "a) Suitable", "F2: Full time in education other than higher")
    # List 10: Dot (adopted 1 Feb 2026, household H1) and Eve (decision reversed 1 July 2026, RD2);
    # Fin was adopted in 2020, before the 12 months
    assert [r["Child Unique ID"] for r in lists["List 10"]] == ["D1", "D2"]
    dot, eve = lists["List 10"]
    assert (dot["Family identifier"], dot["Date the Child Entered Care"], dot["Date of Adoption Order"],
            dot["Age of Child (Years)"]) == ("H1", d("2024-01-10"), d("2026-02-01"), 3)
    assert (eve["Family identifier"], eve["Date of Decision that Child Should No Longer be Placed for Adoption"],
            eve["Reason Why Child No Longer Placed for Adoption"]) == (
        None, d("2026-07-01"), "b) Court did not make a PO")
    # List 11: the H1 couple (order 1 Feb 2026) and AD3 (withdrew in July 2026); AD4 left and AD5's
    # order came before 27 Oct 2025
    assert [(r["Individual adopter identifier"], r["Family identifier"]) for r in lists["List 11"]] == [
        ("AD1", "H1"), ("AD2", "H1"), ("AD3", "H2")]
    ad3 = lists["List 11"][2]
    assert (ad3["Disability"], ad3["Date Stage 1 ended"], ad3["Date of leaving adoption process"],
            ad3["Reason for leaving adoption process"]) == ("Unknown", None, d("2026-07-30"), "a) Withdrew")
    # Findings: Ben's ethnicity, and Eve has no allocated worker (a required column left blank)
    findings = {(f.sheet, f.header, f.problem, f.rows) for f in findings_of(result.files[0])}
    assert findings == {("List 2", "Ethnicity", "not recorded; written as 't) NOBT'", 1),
                        ("List 8", "Allocated Team", "blank, but the specification requires a value", 1),
                        ("List 8", "Allocated Worker", "blank, but the specification requires a value", 1)}


def test_a_value_with_no_code_is_a_finding_written_as_recorded(tmp_path):
    fixture = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    a1 = next(p for p in fixture["people"] if p["id"] == "A1")
    a1["rows"]["ssd_contacts"][1]["contact_source_code"] = "3Z"  # not a CIN census source code
    path = tmp_path / "authority.yml"
    path.write_text(yaml.safe_dump(fixture), encoding="utf-8")
    result = annex_a.build(build_database(tmp_path / "a.sqlite", path), AS_AT, tmp_path / "out")
    row = list(load_workbook(result.files[0], read_only=True)["List 1"].iter_rows(values_only=True))[1]
    assert row[-1] == "3Z"
    assert ("List 1", "Contact Source", "no code in table 'source' (config/annex_a_codes.yml)", "3Z", 1) in {
        (f.sheet, f.header, f.problem, f.value, f.rows) for f in findings_of(result.files[0])}


def _copy_definitions(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "_annex_a"
    shutil.copytree(ROOT / "sql" / "_annex_a", folder)
    codes = tmp_path / "annex_a_codes.yml"
    shutil.copy(ROOT / "config" / "annex_a_codes.yml", codes)
    return folder, codes


def test_definitions_that_differ_from_the_specification_are_refused(tmp_path):
    folder, codes = _copy_definitions(tmp_path)
    lists = folder / "lists.yml"
    lists.write_text(lists.read_text().replace('header: "Referral NFA?"', 'header: "Referral NFA"'))
    with pytest.raises(AnnexAConfigError,
                       match=r"List 3: column 8 is 'Referral NFA', the specification's is 'Referral NFA\?'"):
        annex_a_spec.load(folder, codes)

    folder, codes = _copy_definitions(tmp_path / "second")
    codes.write_text(codes.read_text().replace('NEG: "a) Neglect"', 'NEG: "Neglect"'))
    with pytest.raises(AnnexAConfigError,
                       match=r"table 'abuse_category' writes 'NEG' as 'Neglect', which is not a code"):
        annex_a_spec.load(folder, codes)


def test_mi_returns_annex_a_lists_the_findings(tmp_path):
    engine = build_database(tmp_path / "authority.sqlite", FIXTURE)
    engine.dispose()
    out = CliRunner().invoke(app, ["returns", "annex-a", "--as-at", "2026-10-26", "--url",
                                   f"sqlite:///{tmp_path / 'authority.sqlite'}", "--out", str(tmp_path / "out")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "out" / "annex_a_2026-10-26.xlsx").stat().st_mode & 0o777 == 0o600
    assert "List 8: Children looked after: 2" in out.output
    assert "List 8 / Allocated Worker: 1 rows blank, but the specification requires a value" in out.output
    assert "A1" not in out.output and "Ada" not in out.output  # counts, never children


def test_dates_read_as_the_specification_writes_them(fixture_book):
    book = load_workbook(fixture_book[0].files[0])
    contacts = book["List 1"]
    assert contacts.freeze_panes == "A2" and contacts["A1"].font.bold
    assert contacts["F1"].value == "Date of Contact" and contacts["F2"].number_format == "dd/mm/yyyy"
