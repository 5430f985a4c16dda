"""Since last time (reporting.since_last): what is new, resolved and still overdue since the previous
period's list of the same report and copy, worked out by hand from small hand-built rows."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest

from reporting import since_last
from reporting.definitions import load_definition
from reporting.delivery.slices import CUSTOM
from reporting.extract import Extract
from reporting.plan import Copy
from reporting.runner import render_copy, render_report
from reporting.schedules.periods import Period
from reporting.summaries import headline

DEFINITION = """\
id: visits_since_demo
title: Visits due (since-last demo)
description: One row per visit due at the end of the week, with its status; each team gets its own.
cadence: weekly
recipients:
  - {role: TM, scope: team}
burst_key: team_id
burst_label: team_name
columns:
  - {name: visit_id, label: Visit, type: int, checks: {not_null: true, unique: true}}
  - {name: child_name, label: Child}
  - {name: team_id, label: Team ID, hidden: true}
  - {name: team_name, label: Team}
  - {name: status, label: Status, rag: status_rag}
  - {name: status_rag, label: RAG, hidden: true}
"""

WEEK_1 = Period(date(2026, 10, 5), date(2026, 10, 11))
WEEK_2 = Period(date(2026, 10, 12), date(2026, 10, 18))
RAG_TEXT = {"red": "Overdue", "amber": "Due soon", "green": "In time"}


def rows(*entries) -> list[dict]:
    return [{"visit_id": visit, "child_name": f"Hand Child {visit}", "team_id": team, "team_name": f"Team {team}",
             "status": RAG_TEXT[rag], "status_rag": rag} for visit, team, rag in entries]


# Week 1: team A has 101 red, 102 red, 103 amber, 104 green; team B has 105 red, 106 green.
WEEK_1_ROWS = rows((101, "A", "red"), (102, "A", "red"), (103, "A", "amber"), (104, "A", "green"),
                   (105, "B", "red"), (106, "B", "green"))
# Week 2: 101 still red, 102 now green, 103/104/106 gone, 105 still red; 107 (A, red), 108 (A, amber)
# and 109 (B, red) are new.
WEEK_2_ROWS = rows((101, "A", "red"), (102, "A", "green"), (107, "A", "red"), (108, "A", "amber"),
                   (105, "B", "red"), (109, "B", "red"))
# The whole report, week 2 against week 1:
#   new 107, 108, 109                          -> 3
#   resolved 103, 104, 106 (on week 1, not 2)  -> 3
#   still overdue: red both weeks 101, 105     -> 2  (102 was red, now green; 107 and 109 were not listed)
WHOLE = {"new": 3, "resolved": 3, "still_overdue": 2}
# Team A's slice: week 1 {101 r, 102 r, 103 a, 104 g}, week 2 {101 r, 102 g, 107 r, 108 a}
#   new 107, 108 -> 2; resolved 103, 104 -> 2; still overdue 101 -> 1
TEAM_A = {"new": 2, "resolved": 2, "still_overdue": 1}
# Team B's slice: week 1 {105 r, 106 g}, week 2 {105 r, 109 r}
#   new 109 -> 1; resolved 106 -> 1; still overdue 105 -> 1
TEAM_B = {"new": 1, "resolved": 1, "still_overdue": 1}


@pytest.fixture
def definition(tmp_path, monkeypatch):
    monkeypatch.delenv("MI_ROW_KEY_SECRET", raising=False)
    folder = tmp_path / "defs" / "demo"
    folder.mkdir(parents=True)
    (folder / "visits_since_demo.yml").write_text(DEFINITION, encoding="utf-8")
    (folder / "visits_since_demo.sql").write_text("select 1 as visit_id", encoding="utf-8")
    return load_definition(folder / "visits_since_demo.yml")


def render(definition, period: Period, chosen: list[dict], root, slice_key: str | None = None):
    extract = Extract([c.name for c in definition.spec.columns], chosen, 0.0)
    result = render_report(definition, extract, period, period.end, data_quality=[], formats=["html", "csv"],
                           slice_key=slice_key, archive_root=root)
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    page = next(result.folder.glob("*.html")).read_text(encoding="utf-8")
    return manifest, page


def counts(manifest: dict) -> dict:
    return {k: manifest["since_last"][k] for k in ("new", "resolved", "still_overdue")}


def marked(page: str, tag: str) -> list[str]:
    """The Visit cells carrying `tag` (the first cell of each row of the list)."""
    return re.findall(rf'<strong class="tag {tag}">[^<]+</strong> (\d+)<', page)


def test_the_second_week_says_what_is_new_resolved_and_still_overdue(definition, tmp_path):
    first, first_page = render(definition, WEEK_1, WEEK_1_ROWS, tmp_path)
    assert first["since_last"]["compared_with"] is None
    assert "No earlier list to compare with" in first_page
    assert marked(first_page, "tag-new") == []
    second, page = render(definition, WEEK_2, WEEK_2_ROWS, tmp_path)
    assert counts(second) == WHOLE
    assert second["since_last"]["compared_with"] == {"start": "2026-10-05", "end": "2026-10-11"}
    text = " ".join(re.sub(r"<[^>]+>", "", page).split())
    assert "Since the list for 5 to 11 Oct 2026: 3 new, 3 resolved, 2 still overdue." in text
    # each new row says so in words in its first cell; so does each still-overdue one
    assert sorted(marked(page, "tag-new")) == ["107", "108", "109"]
    assert sorted(marked(page, "tag-still")) == ["101", "105"]
    # the e-mail's headline carries the counts after the list's own figure
    assert second["headline"] == [["Records in the list", "6"], ["New since the last list", "3"],
                                  ["Resolved since the last list", "3"], ["Still overdue (red on both lists)", "2"]]
    # the CSV is the list as before: no marker column
    csv_text = next((tmp_path / "visits_since_demo" / "2026-10-18").glob("*.csv")).read_text(encoding="utf-8")
    assert "New" not in csv_text.splitlines()[0]


def test_a_re_run_compares_with_the_previous_period_not_itself(definition, tmp_path):
    render(definition, WEEK_1, WEEK_1_ROWS, tmp_path)
    render(definition, WEEK_2, WEEK_2_ROWS, tmp_path)
    again, _ = render(definition, WEEK_2, WEEK_2_ROWS, tmp_path)  # week 2 re-rendered
    assert counts(again) == WHOLE, "compared with week 1, not with week 2's first render (0 new)"
    # week 1 re-rendered after week 2 exists: nothing before it, the later week is not "previous"
    earlier, page = render(definition, WEEK_1, WEEK_1_ROWS, tmp_path)
    assert earlier["since_last"]["compared_with"] is None and "No earlier list to compare with" in page
    # and week 2 still compares with week 1's (re-rendered) list
    assert counts(render(definition, WEEK_2, WEEK_2_ROWS, tmp_path)[0]) == WHOLE


def test_each_slice_compares_with_the_same_slice(definition, tmp_path):
    for period, chosen in ((WEEK_1, WEEK_1_ROWS), (WEEK_2, WEEK_2_ROWS)):
        render(definition, period, chosen, tmp_path)
        results = {team: render(definition, period, [r for r in chosen if r["team_id"] == team], tmp_path,
                                slice_key=team) for team in ("A", "B")}
    (team_a, page_a), (team_b, page_b) = results["A"], results["B"]
    assert counts(team_a) == TEAM_A and counts(team_b) == TEAM_B
    assert sorted(marked(page_a, "tag-new")) == ["107", "108"] and marked(page_b, "tag-new") == ["109"]
    # a team whose slice was not made last week (no rows then) has nothing to compare with
    team_c, page_c = render(definition, WEEK_2, rows((110, "C", "red")), tmp_path, slice_key="C")
    assert team_c["since_last"]["compared_with"] is None
    assert "No earlier list to compare with (this copy was not made for the earlier period)" in page_c


def test_a_custom_copy_compares_with_its_own_earlier_copy(definition, tmp_path):
    """A service's copy is rendered in scratch and moved to deliveries/<id>: it is compared with the
    same deliveries/<id> of the week before."""
    for period, chosen in ((WEEK_1, WEEK_1_ROWS), (WEEK_2, WEEK_2_ROWS)):
        render(definition, period, chosen, tmp_path)
        team_a = [r for r in chosen if r["team_id"] == "A"]
        copy = Copy(CUSTOM, "service-a", definition, team_a, list(range(len(team_a))), False, "0" * 64)
        result = render_copy(copy, period, period.end, data_quality=[], formats=["html"], archive_root=tmp_path)
    assert result.folder == tmp_path / "visits_since_demo" / "2026-10-18" / "deliveries" / "service-a"
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert counts(manifest) == TEAM_A


def test_the_manifest_holds_fingerprints_not_row_values(definition, tmp_path, monkeypatch):
    render(definition, WEEK_1, WEEK_1_ROWS, tmp_path)
    manifest, _ = render(definition, WEEK_2, WEEK_2_ROWS, tmp_path)
    stored = manifest["row_fingerprints"]
    assert stored["scheme"] == "sha256" and stored["key_column"] == "visit_id" and stored["rag_column"] == "status_rag"
    assert len(stored["rows"]) == 6 and sorted(stored["rows"].values()) == ["amber", "green", "red", "red", "red",
                                                                            "red"]
    text = (tmp_path / "visits_since_demo" / "2026-10-18" / "manifest.json").read_text(encoding="utf-8")
    assert "Hand Child" not in text and not any(f'"{v}"' in text for v in range(101, 111))
    assert since_last.fingerprint("visits_since_demo", "107") in stored["rows"]
    # with the deployment's key the fingerprints are keyed, and those made without it are not compared
    monkeypatch.setenv("MI_ROW_KEY_SECRET", "a-per-deployment-key")
    keyed, page = render(definition, WEEK_2, WEEK_2_ROWS, tmp_path / "keyed")
    assert keyed["row_fingerprints"]["scheme"].startswith("hmac-sha256:")
    assert not set(keyed["row_fingerprints"]["rows"]) & set(stored["rows"])
    mixed, page = render(definition, WEEK_2, WEEK_2_ROWS, tmp_path)  # week 1 was fingerprinted without it
    assert mixed["since_last"]["compared_with"] is None
    assert "No earlier list to compare with (the earlier list's rows were recorded differently" in html.unescape(page)


def test_an_aggregate_report_is_not_compared(tmp_path):
    from reporting.definitions import load_catalogue

    spec = load_catalogue().get("cp_conference_child_participation").spec
    assert not since_last.applies(spec)


def test_a_table_of_figures_is_headed_figures_counts_no_records_and_is_not_compared(tmp_path, monkeypatch):
    """The police's monthly CP figures (cait_monthly_cp_figures, rows_are: figures) are eleven figures,
    not eleven records: its table was headed "Records", captioned "...: 11 records", said "No earlier
    list to compare with" and its e-mail's headline was "Records in the list: 11". Two months rendered
    into one archive: the second is not compared with the first, and the e-mail quotes the first three
    figures as they are in the rows (179, 20, 26)."""
    from reporting.definitions import load_catalogue

    monkeypatch.delenv("MI_ROW_KEY_SECRET", raising=False)
    definition = load_catalogue().get("cait_monthly_cp_figures")
    figures = [("Child protection plans", "Children on a CP plan at month end", 179, None),
               ("Child protection plans", "CP plans started", 20, 222),
               ("Child protection plans", "CP plans ended", 26, 190),
               ("Enquiries and conferences", "Section 47 enquiries started", 35, 436)]
    chosen = [{"sort_order": n, "section": section, "figure": figure, "this_period": month, "last_12_months": year}
              for n, (section, figure, month, year) in enumerate(figures, start=1)]
    render(definition, Period(date(2026, 8, 1), date(2026, 8, 31)), chosen, tmp_path)
    manifest, page = render(definition, Period(date(2026, 9, 1), date(2026, 9, 30)), chosen, tmp_path)
    text = " ".join(re.sub(r"<style.*?</style>|<[^>]+>", " ", page, flags=re.S).split())  # what a reader sees
    assert '<h2 id="records-heading">Figures</h2>' in page and ">Records<" not in page
    assert "records" not in text.lower() and "earlier list" not in text
    assert manifest["since_last"] is None
    assert manifest["headline"] == [["Children on a CP plan at month end", "179"], ["CP plans started", "20"],
                                    ["CP plans ended", "26"]]


def test_the_headline_adds_the_counts_only_when_there_was_a_list_to_compare_with():
    table = {"columns": [{"name": "group", "label": "", "type": "text"},
                         {"name": "due", "label": "Visits due", "type": "int"}],
             "rows": [{"group": "All", "due": 1204}]}
    assert headline([table], 1204) == [("Visits due", "1,204")]
    assert headline([table], 1204, {"compared_with": None, "new": None, "resolved": None,
                                     "still_overdue": None, "reason": None}) == [("Visits due", "1,204")]
    changes = {"compared_with": {"start": "2026-10-05", "end": "2026-10-11"}, "new": 4, "resolved": 3,
               "still_overdue": 6, "reason": None}
    assert headline([table], 1204, changes) == [("Visits due", "1,204"), ("New since the last list", "4"),
                                                ("Resolved since the last list", "3"),
                                                ("Still overdue (red on both lists)", "6")]
    assert headline([], 7, {**changes, "still_overdue": None}) == [
        ("Records in the list", "7"), ("New since the last list", "4"), ("Resolved since the last list", "3")]


# ---- the CP list for partner agencies: plans started and ended in the week --------------------------
# The hand-worked authority (tests/fixtures/handworked/authority.yml), all CP children allocated to
# W1 or W2 of the Family Intervention Team (T-FIT), whose manager is W8 (in post).
#
# Week Mon 26 Feb - Sun 3 Mar 2024, as at 3 Mar: on a plan C20 (CP20 from 30 Nov 2023), C21 (CP21,
# 15 Dec 2023), C22 (CP22b, 12 Apr 2023), C23 (CP23, 5 Dec 2023): 4 children, none new (C25's plan
# starts 5 Mar). Ended in the week: C28 (CP28 ended Wed 28 Feb), C29 (CP29 ended Thu 29 Feb): 2,
# neither allocated (cases closed), so no team or contact.
# Week Mon 25 - Sun 31 Mar 2024, as at 31 Mar: on a plan C20, C21, C22, C23, C24 (CP24b from 28 Mar),
# C25 (5 Mar), C26 (CP26 from 26 Mar), C27 (20 Mar): 8 children; started in the week C24 and C26;
# ended none.
HANDWORKED_WEEKS = {
    "early": (Period(date(2024, 2, 26), date(2024, 3, 3)),
              {"C20", "C21", "C22", "C23"}, {("C28", "Plan ended"), ("C29", "Plan ended")}),
    "late": (Period(date(2024, 3, 25), date(2024, 3, 31)),
             {"C20", "C21", "C22", "C23", "C24", "C25", "C26", "C27"},
             {("C24", "Plan started"), ("C26", "Plan started")}),
}


@pytest.fixture(scope="module")
def handworked_engine(tmp_path_factory):
    import handworked

    built = handworked.build_database(tmp_path_factory.mktemp("handworked") / "authority.sqlite")
    yield built
    built.dispose()


@pytest.mark.parametrize("week", sorted(HANDWORKED_WEEKS))
def test_partner_cp_list_rows_changes_team_and_contact(handworked_engine, week):
    from sqlalchemy import text

    from reporting.definitions import load_catalogue
    from reporting.extract import run_extract

    period, on_plan, changes = HANDWORKED_WEEKS[week]
    report = load_catalogue().get("cp_lists_to_agencies")
    found = run_extract(report, handworked_engine, period_start=period.start, period_end=period.end,
                        as_at=period.end).rows
    assert {r["person_id"] for r in found if r["on_list"]} == on_plan
    assert {(r["person_id"], r["change"]) for r in found if r["change"]} == changes
    with handworked_engine.connect() as conn:  # the contact, from the source tables
        manager_email = conn.execute(text(
            "select s.staf_email from ext_teams t join ext_staff s on s.staf_professional_id = t.team_manager_id "
            "where t.team_team_id = 'T-FIT'")).scalar_one()
    assert manager_email == "w8@handworked.test"
    for row in found:
        if row["on_list"]:
            assert (row["team_name"], row["team_contact"]) == ("Family Intervention Team", manager_email)
        else:  # C28 and C29: plan ended, case closed, nobody allocated
            assert (row["team_name"], row["team_contact"], row["plan_end"] is not None) == (None, None, True)


def test_partners_see_the_changes_first_and_team_and_contact_but_not_the_worker(handworked_engine, tmp_path):
    from reporting.definitions import load_catalogue
    from reporting.delivery.recipients import Person
    from reporting.delivery.slices import definition_for, slice_definition
    from reporting.extract import run_extract

    period, _, _ = HANDWORKED_WEEKS["early"]
    report = load_catalogue().get("cp_lists_to_agencies")
    assert {"team_name", "team_contact", "change"} <= set(report.spec.partner_columns)
    assert "worker_name" not in report.spec.partner_columns
    hospital = Person("safeguarding@hospital.example.org", "Test hospital", "agency", "testhosp", "Test hospital",
                      "partner", ("HOSPITALS",))
    cut = definition_for(report, slice_definition(report.spec, hospital))
    allowed = set(report.spec.partner_columns)
    rows = [{k: v for k, v in r.items() if k in allowed}
            for r in run_extract(report, handworked_engine, period_start=period.start, period_end=period.end,
                                 as_at=period.end).rows]
    result = render_report(cut, Extract([c.name for c in cut.spec.columns], rows, 0.0), period, period.end,
                           data_quality=[], formats=["html"], archive_root=tmp_path)
    page = html.unescape(next(result.folder.glob("*.html")).read_text(encoding="utf-8"))
    text_ = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    changes_at, list_at = text_.index("Plans started and ended in the week"), text_.index("Records")
    assert changes_at < list_at, "the changes come before the list"
    changes_part, list_part = text_[changes_at:list_at], text_[list_at:]
    assert "Oscar Price" in changes_part and "Poppy Hughes" in changes_part and "Plan ended" in changes_part
    assert "Oscar Price" not in list_part and "Poppy Hughes" not in list_part, "an ended plan is not in the list"
    assert "Lily Ward" in list_part and "w8@handworked.test" in list_part and "Family Intervention Team" in list_part
    assert "Amina Shah" not in page and "Allocated worker" not in page  # W1, C20's worker
    assert "4 records" in list_part
