"""The overview's front page on a small hand-written set of indicator values: every
expected line is worked out by hand in the comment above it, not by the code under test.

The set, for September 2026 compared with August 2026 (RAG rules as indicators/*.yml write them:
high_is_good green at or above `green`, amber at or above `amber`; low_is_good the other way):

| id       | unit    | polarity     | Aug 2026 | Sep 2026 | target | green | amber | RAG (Sep) |
|----------|---------|--------------|----------|----------|--------|-------|-------|-----------|
| rerefs   | percent | low_is_good  | 18.2     | 23.04    | 20     | 20    | 25    | amber     |
| visits   | percent | high_is_good | 80.0     | 70.0     | 90     | 90    | 80    | red       |
| reviews  | percent | high_is_good | 90.0     | 96.0     | 95     | 95    | 85    | green     |
| days     | days    | low_is_good  | 40.0     | 38.0     | 35     | 35    | 45    | amber     |
| caseload | count   | low_is_good  | 17.0     | 17.0     | 18     | 18    | 22    | green     |
| referrals| count   | neutral      | 200      | 250      | -      | -     | -     | not rated |
| newsvc   | percent | high_is_good | (none)   | 50.0     | -      | -     | -     | not rated |
| empty    | percent | high_is_good | 60.0     | (none)   | 80     | 80    | 70    | no figure |
"""

from __future__ import annotations

from datetime import date

from reporting.indicators.front_page import Figure, front_page, headline, period_words
from reporting.schedules.periods import Period

SEP = Period(date(2026, 9, 1), date(2026, 9, 30))
AUG = Period(date(2026, 8, 1), date(2026, 8, 31))

FIGURES = [
    Figure("rerefs", "Re-referrals", "percent", "low_is_good", 23.04, 18.2, 20, "amber", 20, 25),
    Figure("visits", "CP visits", "percent", "high_is_good", 70.0, 80.0, 90, "red", 90, 80),
    Figure("reviews", "CLA reviews", "percent", "high_is_good", 96.0, 90.0, 95, "green", 95, 85),
    Figure("days", "Assessment days", "days", "low_is_good", 38.0, 40.0, 35, "amber", 35, 45),
    Figure("caseload", "Caseload", "count", "low_is_good", 17.0, 17.0, 18, "green", 18, 22),
    Figure("referrals", "Referrals", "count", "neutral", 250, 200),
    Figure("newsvc", "New service", "percent", "high_is_good", 50.0, None),
    Figure("empty", "Empty", "percent", "high_is_good", None, 60.0, 80, None, 80, 70),
]


def page() -> dict:
    return front_page(FIGURES, SEP, AUG)


def test_labels_name_both_periods():
    assert page()["compared"] == "September 2026 compared with August 2026"
    assert period_words(Period(date(2026, 7, 1), date(2026, 9, 30))) == "July to September 2026"
    assert period_words(Period(date(2025, 4, 1), date(2026, 3, 31))) == "2025-26 (April 2025 to March 2026)"
    assert period_words(Period(date(2026, 10, 19), date(2026, 10, 25))) == "19 October 2026 to 25 October 2026"


def test_rag_counts_and_what_each_colour_means():
    rows = {r["label"]: r for r in page()["rag"]}
    # red: visits only; amber: rerefs, days; green: reviews, caseload
    assert (rows["Red"]["count"], rows["Amber"]["count"], rows["Green"]["count"]) == (1, 2, 2)
    # visits 70.0% < amber 80 -> red, its band is "below 80.0%"
    assert rows["Red"]["indicators"] == ["CP visits: 70.0% (red: below 80.0%)"]
    # rerefs 23.04 shown 23.0%: above green 20, up to amber 25; days 38.0: above 35, up to 45 (unit once)
    assert rows["Amber"]["indicators"] == ["Re-referrals: 23.0% (amber: above 20.0%, up to 25.0%)",
                                           "Assessment days: 38.0 working days (amber: above 35.0, up to 45.0 "
                                           "working days)"]
    assert rows["Green"]["indicators"] == ["CLA reviews", "Caseload"]
    # every rated indicator's green threshold is its target, so green means "meets its target"
    assert rows["Green"]["meaning"].startswith("Meets its target")
    # referrals (neutral) and newsvc (no target or RAG rule) are not rated
    assert rows["Not rated"]["count"] == 2
    assert rows["Not rated"]["meaning"] == ("No RAG rule: neither higher nor lower is better (1); "
                                            "no target set (1).")
    # empty has a RAG rule but no September figure
    assert rows["No figure"]["indicators"] == ["Empty"]
    assert rows["No figure"]["meaning"] == "A RAG rule, but no figure for September 2026 (no cases)."


def test_biggest_changes_say_better_or_worse_in_words():
    changes = page()["changes"]
    # Changes as shown (1 decimal), as a share of August's figure, for indicators with a better direction:
    #   rerefs   18.2 -> 23.0: +4.8, 4.8/18.2 = 26.4%  (low is good: up is worse)
    #   visits   80.0 -> 70.0: -10.0, 10/80 = 12.5%    (high is good: down is worse)
    #   reviews  90.0 -> 96.0: +6.0, 6/90 = 6.7%       (high is good: up is better)
    #   days     40.0 -> 38.0: -2.0, 2/40 = 5.0%       (low is good: down is better)
    #   caseload 17 -> 17: no change; referrals: neutral (the line below); newsvc, empty: a period without a figure
    assert [c["sentence"] for c in changes["lines"]] == [
        "Worse: up from 18.2% to 23.0%; lower is better",
        "Worse: down from 80.0% to 70.0%; higher is better",
        "Better: up from 90.0% to 96.0%; higher is better",
        "Better: down from 40.0 to 38.0 working days; lower is better",
    ]
    assert [c["colour"] for c in changes["lines"]] == ["red", "red", "green", "green"]
    assert [c["change"] for c in changes["lines"]] == ["+4.8 percentage points", "-10.0 percentage points",
                                                       "+6.0 percentage points", "-2.0 working days"]
    # 0.2637... -> "26%"; 0.125 -> "12%" (round half to even); 0.0667 -> "7%"; 0.05 -> "5%"
    assert [c["share"] for c in changes["lines"]] == [
        "26% of the August 2026 figure", "12% of the August 2026 figure", "7% of the August 2026 figure",
        "5% of the August 2026 figure"]
    # referrals 200 -> 250, no verdict
    assert changes["volumes"] == ["Referrals up from 200 to 250"]
    assert changes["left_out"] == [
        "1 indicator did not change (to the decimals shown).",
        "2 indicators left out: no figure for August 2026 or for September 2026 (no cases).",
    ]


def test_only_the_top_changes_are_listed_and_the_rest_counted():
    changes = front_page(FIGURES, SEP, AUG, top=2)["changes"]
    # the 4 ranked changes, top 2 shown: rerefs and visits; 2 more counted
    assert [c["id"] for c in changes["lines"]] == ["rerefs", "visits"]
    assert changes["left_out"][0] == "2 smaller changes not listed."


def test_furthest_from_target_with_value_target_and_gap_in_the_unit():
    targets = page()["targets"]
    # Short of target (the figure as shown):
    #   visits 70.0 vs 90 (high is good): 20.0 points below, 20/90 = 22%, red
    #   rerefs 23.0 vs 20 (low is good): 3.0 points above, 3/20 = 15%, amber
    #   days   38.0 vs 35 (low is good): 3.0 working days above, 3/35 = 8.6% -> 9%, amber
    # red first, then amber by share: visits, rerefs, days
    assert [(t["title"], t["value"], t["target"], t["gap"], t["share"], t["rag"]) for t in targets["lines"]] == [
        ("CP visits", "70.0%", "90.0%", "20.0 percentage points below target; higher is better", "22% of the target",
         "red"),
        ("Re-referrals", "23.0%", "20.0%", "3.0 percentage points above target; lower is better", "15% of the target",
         "amber"),
        ("Assessment days", "38.0 working days", "35.0 working days",
         "3.0 working days above target; lower is better", "9% of the target", "amber"),
    ]
    # reviews 96 >= 95 and caseload 17 <= 18 meet it; referrals and newsvc have no target; empty has no figure
    assert targets["left_out"] == ["2 indicators meet their target.", "2 indicators left out: no target.",
                                   "1 indicator left out: no figure for September 2026."]


def test_a_withheld_figure_is_said_to_be_withheld():
    # an aggregate report: August's 1-5 count shown as c, so no move can be given for it
    hidden = Figure("s47", "Section 47 enquiries", "count", "neutral", 12, None, withheld=True)
    changes = front_page([hidden], SEP, AUG)["changes"]
    assert changes["lines"] == [] and changes["volumes"] == []
    assert changes["left_out"] == ["1 indicator left out: no figure for August 2026 or for September 2026 "
                                   "(no cases, or a count of 1 to 5 withheld as c)."]


def test_the_e_mail_headline_counts_the_colours_and_names_the_furthest_from_target():
    # 8 indicators; red 1 (visits), amber 2, green 2, not rated 2, no figure 1 (as counted above).
    # Furthest from target: red ones first, and visits is the only red: 70.0% against 90.0%.
    assert headline(page()) == [
        ("Indicators for September 2026", "8"),
        ("Indicators red", "1"), ("Indicators amber", "2"), ("Indicators green", "2"),
        ("Indicators not rated", "2"), ("Indicators with no figure", "1"),
        ("Furthest from target", "CP visits (this authority): 70.0% against 90.0% (red)"),
    ]



def test_the_headline_says_whose_figure_is_furthest_from_target():
    # a team's copy of the GOSH overview carries the GOSH team's and the authority's figures, not
    # the team's own: the headline names whose figure it gives (60.0 against 80.0: red)
    gosh = Figure("gosh45", "GOSH assessments within 45 working days", "percent", "high_is_good", 60.0, 70.0,
                  80, "red", 80, 70, population="GOSH social work team")
    assert dict(headline(front_page([gosh], SEP, AUG)))["Furthest from target"] == (
        "GOSH assessments within 45 working days (GOSH social work team): 60.0% against 80.0% (red)")


def test_an_overview_of_two_populations_names_each_figures_population_on_its_front_page():
    """The GOSH overview holds the GOSH team's indicators and two of the whole authority's: its
    front page said "Red 1: Assessments completed within 45 working days: 74.7%", the authority's
    figure, under the GOSH team's name (the team's own was 87.5%, green). Each line now says whose
    figure it is; the e-mail's "Furthest from target" names it once, not twice."""
    gosh = Figure("gosh_open", "GOSH open cases", "count", "neutral", 41, 40, population="GOSH social work team")
    authority = Figure("a45", "Assessments completed within 45 working days", "percent", "high_is_good", 74.7,
                       76.0, 85, "red", 85, 80)
    fp = front_page([gosh, authority], SEP, AUG)
    red = next(r for r in fp["rag"] if r["label"] == "Red")
    [line] = red["indicators"]
    assert line.startswith("Assessments completed within 45 working days (this authority): 74.7% (")
    assert fp["targets"]["lines"][0]["title"] == "Assessments completed within 45 working days (this authority)"
    assert dict(headline(fp))["Furthest from target"] == (
        "Assessments completed within 45 working days (this authority): 74.7% against 85.0% (red)")
    # one population: titles as they are
    assert front_page([authority], SEP, AUG)["targets"]["lines"][0]["title"] == (
        "Assessments completed within 45 working days")
