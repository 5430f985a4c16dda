"""Proved on a hand-worked authority (issue 17, section 4).

tests/fixtures/handworked/authority.yml is a small authority written by hand: 61 people, 10 staff
in 4 teams of 2 services, each child with a one-line story. Every expected figure below was worked
out BY HAND from that file, with the arithmetic written beside it. None is computed by the
project's SQL or by a re-implementation of it: the numbers are literals. The tests that compare
the SQL with independent Python (tests/test_indicators.py) stay, but they are not proof of a
definition; these are.

The reporting period is March 2024 (1-31 March 2024, as at Sunday 31 March 2024): a leap year, so
29 February 2024 falls inside many counts, and Good Friday (29 March) and Easter Monday (1 April)
end the month. Calendar facts used throughout:

    February 2024  Thu 1 ... Thu 29 (29 days; 21 working days)
    March 2024     Fri 1 ... Sun 31; working days 1, 4-8, 11-15, 18-22, 25-28 (= 20);
                   29 Good Friday, 30-31 weekend
    Bank holidays  25 and 26 Dec 2023, 1 Jan 2024, 29 Mar 2024, 1 Apr 2024; 2-3 Jun 2022 (Jubilee)

"wd(A, B)" = working days after A up to and including B (A itself is day 0), as the indicators'
definitions count them. "x/y -> v" = a percentage rounded to one decimal place.

A figure the project's SQL gets different from its own written definition (or the DfE rule it
cites) keeps its hand-worked value; the three such discrepancies found when this file was written
(plan durations in days, audits due mid-month, next month's reviews in a 12-month total) were fixed
in the SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

import handworked
import pytest
from sqlalchemy import Engine

from reporting.definitions import load_catalogue
from reporting.extract import run_extract
from reporting.indicators import population
from reporting.indicators.compute import compute
from reporting.indicators.loader import library
from reporting.schedules.periods import Period
from reporting.summaries import summaries

pytestmark = pytest.mark.xdist_group("handworked")

MARCH_2024 = Period(date(2024, 3, 1), date(2024, 3, 31))
AS_AT = date(2024, 3, 31)
# config/population.yml: 31 March 2024 is in the DfE reporting year ending 31 March 2024, whose
# rates use the mid-2023 estimate of children aged 0-17: 36,040.
POPULATION = 36040


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The hand-worked authority in a fresh SQLite file, built once for this module."""
    built = handworked.build_database(tmp_path_factory.mktemp("handworked") / "authority.sqlite")
    yield built
    built.dispose()


# =================================================================================================
# Indicators: every one in indicators/, for March 2024 (its window by basis: month = March;
# snapshot = 31 March; rolling_12_months = 1 Apr 2023 - 31 Mar 2024).
# =================================================================================================
class Hand(NamedTuple):
    numerator: float
    denominator: float | None
    value: float | None


HAND: dict[str, Hand] = {
    # ---- front door -----------------------------------------------------------------------------
    # Contacts dated 1-31 Mar: C07 15th, C08 14th, C32 25th (all "Referral to children's social
    # care"), C34 5th and 26th (two contacts, two counted), C35 12th, C36 Sun 31st = 7.
    # Not counted: C09 29 Feb, C35 1 Apr. C81 came straight from the hospital (no contact).
    "contacts_received": Hand(7, None, 7.0),
    # 3 of those 7 were referrals (C07, C08, C32): 3/7 = 42.857 -> 42.9
    "contact_to_referral_pct": Hand(3, 7, 42.9),
    # Referral dates 1-31 Mar: C26 1st, C27 1st, C50 4th, C81 4th, C24 6th, C08 14th, C07 15th,
    # C49 18th, C31 20th, C32 25th, C33 28th = 11 (C09 and C48 were referred on 29 Feb).
    "referrals_received": Hand(11, None, 11.0),
    # NFA at the referral stage: C32 and C33 -> 2/11 = 18.18 -> 18.2
    "referrals_nfa_pct": Hand(2, 11, 18.2),
    # A previous referral on or after the same date 12 months before:
    #   C07 15 Mar 2024, previous 15 Mar 2023 = the anniversary itself        yes
    #   C31 20 Mar 2024, previous 31 Mar 2023 (>= 20 Mar 2023)                  yes
    #   C33 28 Mar 2024, previous 2 Oct 2023                                    yes
    #   C08 14 Mar 2024, previous 13 Mar 2023 (a day before 14 Mar 2023)        no
    #   C24 6 Mar 2024, previous 3 Jan 2023; C50 4 Mar 2024, previous 1 Feb 2022  no
    # -> 3/11 = 27.27 -> 27.3
    "rereferrals_within_12_months_pct": Hand(3, 11, 27.3),
    # ---- assessment -----------------------------------------------------------------------------
    # Assessments authorised 1-31 Mar and wd(referral, authorisation):
    #   A09 C09: 29 Feb -> Thu 28 Mar: Mar 1 (1), 4-8 (6), 11-15 (11), 18-22 (16), 25-28 (20)  = 20
    #   A15 C15: Thu 11 Jan -> Thu 14 Mar: Jan 12 (1), 15-19 (6), 22-26 (11), 29-31 (14),
    #            Feb (21 wd: 35), Mar 1 (36), 4-8 (41), 11-14 (45)                              = 45
    #   A80 C80: Wed 10 Jan -> Thu 14 Mar: one more than A15 (Jan 11)                           = 46
    #   A16 C16: Wed 20 Dec 2023 -> Fri 1 Mar: Dec 21-22 (2), [25, 26 bank holidays], 27-29 (5),
    #            [1 Jan], Jan 2-5 (9), 8-12 (14), 15-19 (19), 22-26 (24), 29-31 (27), Feb (21: 48),
    #            Mar 1 (49)                                                                     = 49
    #   A81 C81: Mon 4 Mar -> Wed 27 Mar: 5-8 (4), 11-15 (9), 18-22 (14), 25-27 (17)            = 17
    # Sum 20 + 45 + 46 + 49 + 17 = 177 over 5 -> 35.4
    "assessment_mean_working_days": Hand(177, 5, 35.4),
    # Within 45: A09 (20), A15 (45, exactly), A81 (17); not A80 (46), A16 (49) -> 3/5 = 60.0
    "assessments_within_45wd_pct": Hand(3, 5, 60.0),
    # GOSH team's: A80 (46, late), A81 (17) -> 1/2 = 50.0
    "gosh_assessments_within_45wd_pct": Hand(1, 2, 50.0),
    # ---- children in need ----------------------------------------------------------------------
    # Open CIN episode at 31 Mar (referred by then, not closed by then):
    #   Family Intervention: C07 C08 C09 C10 C11 C12 C13 C14 C15 C20 C21 C22 C23 C24 C25 C26 C27 C31 = 18
    #   Looked after: C06 C40 C41 C42 C43 C44 C45 C46 C47 C48 C49 C50 = 12
    #   Disability: C03 C70 C71 C72 C73 C74 C75 C76 = 8;   GOSH: C80 C81 = 2
    #   = 40 (closed: C16 15 Mar, C32 25 Mar, C33 28 Mar, C82 28 Mar, C05, care leavers...)
    # Rate: 40 x 10,000 / 36,040 = 400,000 / 36,040 = 11.099 -> 11.1
    "cin_rate_per_10000": Hand(40, None, 11.1),
    # CIN plans open at 31 Mar and wd(plan start, 31 Mar) > 20:
    #   C10 (1 Nov 2023), C11 (1 Dec 2023), C13 (2 Jan 2024), C14 (2 Oct 2023)  = 4
    #   C12 (29 Feb 2024): wd = 20 (the 20 working days of March), not > 20: excluded
    # Seen at a visit with wd(visit, 31 Mar) <= 20:
    #   C10 seen Thu 29 Feb: wd = 20                                                   yes
    #   C14 seen 27 Mar: wd = 1 (28 Mar)                                               yes
    #   C11 last seen 15 Feb: wd = 30; the 20 Mar visit was "not seen"                 no
    #   C13 seen Wed 28 Feb: wd = 21 (29 Feb + 20 in March)                            no
    # -> 2/4 = 50.0
    "cin_visits_within_20wd_pct": Hand(2, 4, 50.0),
    # ---- child protection ----------------------------------------------------------------------
    # S47 enquiries started 1-31 Mar: C27 1st, C26 4th, C24 7th, C31 21st (NFA) = 4
    # (C25's started 14 Feb).
    "s47_enquiries_started": Hand(4, None, 4.0),
    # ICPCs held in March, wd(S47 start, ICPC):
    #   I25 C25: Wed 14 Feb -> Tue 5 Mar: Feb 15-16 (2), 19-23 (7), 26-29 (11), Mar 1 (12),
    #            4-5 (14)                                                       = 14  yes
    #   I24 C24: Thu 7 Mar -> Thu 28 Mar: 8 (1), 11-15 (6), 18-22 (11), 25-28 (15) = 15  yes
    #   I26 C26: Mon 4 Mar -> Tue 26 Mar: 5-8 (4), 11-15 (9), 18-22 (14), 25-26 = 16  no
    #   I27 C27: transfer-in conference (13 wd from 1 Mar) excluded
    # -> 2/3 = 66.67 -> 66.7
    "icpc_within_15wd_pct": Hand(2, 3, 66.7),
    # CP plans open at 31 Mar: CP20 C20, CP21 C21, CP22b C22, CP23 C23, CP24b C24 (from 28 Mar),
    # CP25 C25, CP26 C26, CP27 C27 = 8 children (CP28 and CP29 ended in February).
    # Rate: 8 x 10,000 / 36,040 = 80,000 / 36,040 = 2.2198 -> 2.2
    "cp_plans_rate_per_10000": Hand(8, None, 2.2),
    # Plans started 1 Apr 2023 - 31 Mar 2024: CP22b (12 Apr 2023), CP20, CP23, CP21, CP25, CP27,
    # CP26, CP24b = 8. With an earlier plan: CP22b (CP22a 2021), CP24b (CP24a 2023) -> 2/8 = 25.0
    "cp_second_or_subsequent_pct": Hand(2, 8, 25.0),
    # Plans ended 1 Apr 2023 - 31 Mar 2024, and ended on/after the 2nd anniversary of the start?
    #   CP22a 1 Apr 2021 - 1 Apr 2023 (the window's first day): anniversary 1 Apr 2023      yes
    #   CP24a 10 Jan - 20 Jul 2023                                                           no
    #   CP28 28 Feb 2022 - 28 Feb 2024: anniversary 28 Feb 2024                              yes
    #   CP29 1 Mar 2022 - 29 Feb 2024: anniversary 1 Mar 2024, a day later                   no
    #   (CP30 ended 31 Mar 2023, the day before the window: not counted)
    # -> 2/4 = 50.0
    "cp_plans_ended_2yrs_plus_pct": Hand(2, 4, 50.0),
    # CP reviews held in March, due by Working Together (3 months after the ICPC, then 6 months):
    #   RV20 C20: ICPC 30 Nov 2023 + 3 months = 29 Feb 2024 (leap day); held 1 Mar        late
    #   RV23 C23: ICPC 5 Dec 2023 + 3 months = 5 Mar 2024; held 5 Mar                      on time
    #   RV21 C21: ICPC 15 Dec 2023 + 3 months = 15 Mar 2024; held 14 Mar                   on time
    #   RV22c C22: 3rd review; 2nd held 29 Sep 2023 + 6 months = 29 Mar 2024; held 28 Mar  on time
    # -> 3/4 = 75.0
    "cp_reviews_on_time_pct": Hand(3, 4, 75.0),
    # Plans open at 31 Mar with wd(plan start, 31 Mar) > 10: CP20, CP21, CP22b, CP23 and CP25
    # (5 Mar: 6-8 (3), 11-15 (8), 18-22 (13), 25-28 (17)) = 5. Not CP24b (0), CP26 (2), CP27 (6).
    # Seen on the plan with wd(visit, 31 Mar) <= 10 (28 Mar is the last working day):
    #   CP20 seen 14 Mar: 15 (1), 18-22 (6), 25-28 (10) = 10     yes
    #   CP21 seen 13 Mar = 11; not seen on 20 Mar               no
    #   CP22b seen 27 Mar = 1; CP23 seen 28 Mar = 0; CP25 seen 15 Mar = 9   yes x3
    # -> 4/5 = 80.0
    "cp_visits_within_10wd_pct": Hand(4, 5, 80.0),
    # ---- looked after --------------------------------------------------------------------------
    # Looked after at 31 Mar (an open episode, not on short breaks V3/V4): C06 C40 C41 C42 C43 C44
    # C45 C46 C47 C48 C49 C50 = 12. C03 has an open episode but is V4 (short breaks); C05 was
    # adopted on 12 Mar. Rate: 12 x 10,000 / 36,040 = 120,000 / 36,040 = 3.3296 -> 3.3
    "cla_rate_per_10000": Hand(12, None, 3.3),
    # Periods of care starting 1-31 Mar: C50 (4 Mar, second period of care), C49 (18 Mar) = 2.
    # Not: C46's move on 11 Mar (entered care 1 Apr 2023), C03's short-break stay from 8 Mar (V4),
    # C48 (29 Feb).
    "cla_started": Hand(2, None, 2.0),
    # Looked after at 31 Mar and entered care more than 42 days before (before 18 Feb 2024):
    #   C40 C41 C06 C42 C43 C44 C45 C46 C47 (12 Feb) = 9; not C48 (29 Feb), C50 (4 Mar), C49.
    # Seen at a visit on or after 18 Feb (31 Mar - 42 days: Feb 18 -> 29 is 11, + 31 = 42):
    #   C40 5 Mar, C41 Sun 18 Feb (exactly 42 days), C06 26 Mar, C43 29 Mar, C44 1 Mar,
    #   C46 15 Mar, C47 19 Feb = 7 yes; C42 17 Feb (43 days) no; C45 10 Feb, not seen 20 Mar no
    # -> 7/9 = 77.78 -> 77.8
    "cla_visits_within_6_weeks_pct": Hand(7, 9, 77.8),
    # Looked after at 31 Mar and entered care on or before 31 Mar 2023:
    #   C40 (2019) C43 (2020) C06 (Feb 2021) C41 (Sep 2021) C42 (30 Sep 2021) C44 (2022)
    #   C45 (31 Mar 2023, exactly 12 months) = 7; not C46 (1 Apr 2023)
    # Completed health assessment after 31 Mar 2023 and by 31 Mar 2024:
    #   C40 10 Oct 2023, C06 20 Jan 2024, C42 1 Apr 2023, C43 29 Feb 2024, C45 5 Apr 2023 = 5
    #   C41 31 Mar 2023 (exactly 12 months: not after it), C44 dental check only = no
    # -> 5/7 = 71.43 -> 71.4
    "cla_health_assessment_pct": Hand(5, 7, 71.4),
    # Under 16 at 31 Mar, looked after at 31 Mar, entered care on/before 30 Sep 2021 (31 Mar 2024
    # less 2 years 6 months: September has no 31st):
    #   C40 (2019, 12), C06 (1 Feb 2021, 3), C41 (1 Sep 2021, 10), C42 (30 Sep 2021, 15) = 4;
    #   C43 (2020) turned 16 on 31 Mar 2024: out
    # Current placement started on/before 31 Mar 2022, or placed for adoption (A3-A6) and the
    # previous placement started on/before it:
    #   C40 since 1 Jan 2022 yes; C42 since 30 Sep 2021 yes;
    #   C06 A6 since 1 Oct 2023, previous placement from 1 Feb 2021 yes (the adoption rule);
    #   C41 since 1 Apr 2022, a day after 31 Mar 2022 no
    # -> 3/4 = 75.0
    "cla_long_term_stability_pct": Hand(3, 4, 75.0),
    # The 12 looked after at 31 Mar; placements open after 1 Apr 2023 (the first day of the 12
    # months: one that ended on or before it does not count):
    #   C43: PL43a ended 1 Apr 2023 (not counted), PL43b, PL43c, PL43d = 3      yes
    #   C50: PL50a (to 5 Apr 2023), PL50b (to 10 Jun 2023), PL50c (4 Mar 2024) = 3   yes
    #   C44: PL44a ended 1 Apr 2023 (not counted), PL44b, PL44c = 2              no
    #   C06, C41, C46: 2 each; C40 1 (PL40a ended 2022); the rest 1              no
    # -> 2/12 = 16.67 -> 16.7
    "cla_three_plus_placements_pct": Hand(2, 12, 16.7),
    # LAC reviews held in March (not cancelled, not short breaks), due by reg. 33:
    #   LR47 C47: entered Mon 12 Feb; 1st review due wd 20 = Feb 13-16 (4), 19-23 (9), 26-29 (13),
    #        Mar 1 (14), 4-8 (19), Mon 11 Mar (20); held 13 Mar: LATE (recorded due 14 Mar)
    #   LR48 C48: entered Thu 29 Feb; 1st review due wd 20 = Thu 28 Mar; held 28 Mar: on time
    #   LR44e C44: 5th review; 4th held 14 Sep 2023 + 6 months = 14 Mar 2024; held 12 Mar: on time
    #   LR50b C50: 1st review of his 2nd period of care; entered Mon 4 Mar: 5-8 (4), 11-15 (9),
    #        18-22 (14), 25-28 (18), [29 Mar, 1 Apr], Apr 2 (19), Wed 3 Apr (20); held 28 Mar: on time
    #   Not counted: LR45 (cancelled), LR03 (C03 is on short breaks)
    # -> 3/4 = 75.0
    "cla_reviews_on_time_pct": Hand(3, 4, 75.0),
    # Episodes in ssd_missing starting 1-31 Mar: C43 2 Mar, C43 16 Mar, C21 22 Mar (missing from
    # home: he is on a CP plan, not looked after; the numerator counts every ssd_missing episode),
    # C46 29 Mar (absent) = 4. Not C43's of 28 Feb.
    "missing_episodes": Hand(4, None, 4.0),
    # ---- care leavers --------------------------------------------------------------------------
    # Care leavers aged 18-20 at 31 Mar: C51 (b. 1 Oct 2005: 18), C60 (b. 29 Feb 2004: 20),
    # C61 (b. 1 Apr 2003: 20, 21 the next day) = 3; not C62 (21 on 31 Mar), C63 (17).
    # A contact that happened on/after 4 Feb (31 Mar - 56 days: Feb 4 -> 29 is 25, + 31 = 56):
    #   C51 seen Sun 4 Feb (exactly 56 days) yes; C61 seen 10 Mar yes;
    #   C60 seen 3 Feb (57 days), phone call 20 Mar did not reach her no
    # -> 2/3 = 66.67 -> 66.7
    "care_leavers_in_touch_pct": Hand(2, 3, 66.7),
    # ---- workforce -----------------------------------------------------------------------------
    # SW and SP staff in post at 31 Mar, with FTE (none recorded = 1.0):
    #   W1 1.0, W2 0.5 agency, W3 1.0 (SP), W5 0.6, W6 (none recorded) 1.0 agency, W10 1.0
    #   = 6 staff, 1.0 + 0.5 + 1.0 + 0.6 + 1.0 + 1.0 = 5.1 FTE
    #   Not: W4 (PA), W8 (TM), W7 (left 15 Mar), W9 (starts 2 Apr)
    # Agency FTE 0.5 + 1.0 = 1.5 -> 1.5/5.1 = 29.41 -> 29.4
    "social_workers_agency_pct": Hand(1.5, 5.1, 29.4),
    # Agency headcount 2 (W2, W6) of 6 -> 33.33 -> 33.3
    "social_workers_agency_headcount_pct": Hand(2, 6, 33.3),
    # Children allocated at 31 Mar to SW/SP in post:
    #   W1: C07 C09 C10 C11 C14 C20 C22 C24 C26 = 9;  W2: C08 C12 C13 C15 C21 C23 C25 C27 C31 = 9
    #   W3: C06 C40-C50 = 12;  W5: C03 C70-C76 = 8;  W6: C80 C81 = 2 (C82 ended 28 Mar)
    #   = 40 (W4's 5 care leavers are a PA's; W10 holds none)
    # FTE of those holding cases: W1 1.0 + W2 0.5 + W3 1.0 + W5 0.6 + W6 1.0 = 4.1
    # -> 40/4.1 = 9.756 -> 9.8
    "average_caseload": Hand(40, 4.1, 9.8),
    # By headcount: 40 cases / 5 workers holding cases = 8.0
    "average_caseload_headcount": Hand(40, 5, 8.0),
    # ---- disability service (CYPDS) ------------------------------------------------------------
    # Allocated to the CYPDS team at 31 Mar: C03 C70 C71 C72 C73 C74 C75 C76 = 8
    "cypds_open_cases": Hand(8, None, 8.0),
    # All 8 held by W5 (SW, 0.6 FTE): 8/0.6 = 13.33 -> 13.3
    "cypds_average_caseload": Hand(8, 0.6, 13.3),
    # CYPDS reviews held 1-31 Mar, on/before the due date:
    #   DR03 short_breaks due 15, held 14 yes;   DR70 u18 due 10, held 12 no
    #   DR72 u18 due 28, held 27 yes;            DR73 18plus due 31, held 28 yes
    #   DR74 18plus due 1, held 4 no;            DR76 18plus due 20, held 21 no
    #   (DR71 was held 29 Feb)
    # -> 3/6 = 50.0
    "cypds_reviews_on_time_pct": Hand(3, 6, 50.0),
    # u18 and short_breaks only: DR03 yes, DR70 no, DR72 yes -> 2/3 = 66.67 -> 66.7
    "cypds_short_breaks_reviews_on_time_pct": Hand(2, 3, 66.7),
    # 18plus only: DR73 yes, DR74 no, DR76 no -> 1/3 = 33.33 -> 33.3
    "cypds_18plus_reviews_on_time_pct": Hand(1, 3, 33.3),
    # 18+ assessments completed 1-31 Mar with a start date, days from start to completion <= 28:
    #   DA75 4 Feb -> 3 Mar: 25 (to 29 Feb) + 3 = 28 yes;  DA76 5 Feb -> 5 Mar: 24 + 5 = 29 no
    #   DA73 has no start date: left out
    # -> 1/2 = 50.0
    "cypds_18plus_assessments_on_time_pct": Hand(1, 2, 50.0),
    # Transition assessments completed 1-31 Mar, days start -> completion <= 84:
    #   DA70 14 Dec 2023 -> 7 Mar 2024: 17 (to 31 Dec) + 31 + 29 + 7 = 84 yes
    #   DA71 13 Dec 2023 -> 7 Mar 2024: 85 no
    #   DA72 1 Feb -> 1 Mar: 29 yes
    # -> 2/3 = 66.67 -> 66.7
    "cypds_transition_assessments_on_time_pct": Hand(2, 3, 66.7),
    # Aged 17 at 31 Mar and open to CYPDS: C70 (b. 10 Jun 2006), C71 (b. 1 Apr 2006), C72 = 3
    # Transition plan dated by 31 Mar: C70 (1 Feb), C72 (15 Jan); C71's is dated 2 Apr -> 2/3 -> 66.7
    "cypds_transition_plans_pct": Hand(2, 3, 66.7),
    # Aged 18+ and open to CYPDS with 18th birthday on/before 31 Dec 2023 (31 Mar 2024 less
    # 3 months): C73 (15 Nov 2023), C74 (31 Dec 2023, exactly), C76 (1 Dec 2023) = 3;
    # not C75 (1 Jan 2024).
    # Seen at a visit on or after 31 Dec 2023 (within 3 months: a visit due on the period end is
    # not late, as the cypds_18plus_visits report counts it): C73 10 Jan yes; C76 1 Jan yes;
    # C74 seen on 31 Dec itself yes (not seen on 15 Mar does not count) -> 3/3 = 100.0
    "cypds_18plus_visits_within_3_months_pct": Hand(3, 3, 100.0),
    # ---- GOSH ----------------------------------------------------------------------------------
    # Allocated to the GOSH team at 31 Mar: C80, C81 = 2 (C82's allocation ended 28 Mar)
    "gosh_open_cases": Hand(2, None, 2.0),
}

# Rates per 10,000: the SQL returns the count; the population is config/population.yml's.
RATES = {"cin_rate_per_10000", "cla_rate_per_10000", "cp_plans_rate_per_10000"}


def test_every_indicator_has_a_hand_worked_expectation():
    """A new indicator without a hand-worked figure here fails this test."""
    assert library().errors == []
    assert sorted(library().indicators) == sorted(HAND)


def test_rates_use_the_mid_2023_population_of_36040():
    chosen = population.denominator_for(AS_AT)
    assert (chosen.value, chosen.estimate_year) == (POPULATION, 2023)


@pytest.mark.parametrize("indicator_id", sorted(HAND))
def test_indicator_equals_the_hand_worked_figure(engine: Engine, indicator_id: str):
    got = compute(library().get(indicator_id), engine, MARCH_2024)
    want = HAND[indicator_id]
    assert got.numerator == pytest.approx(want.numerator)
    if want.denominator is None:
        assert got.denominator is None
    else:
        assert got.denominator == pytest.approx(want.denominator)
    assert got.value == want.value
    if indicator_id in RATES:
        assert round(10000 * want.numerator / POPULATION, 1) == want.value  # the hand arithmetic's input


# =================================================================================================
# Reports: the headline (the first summary table: its Total row is the e-mail's headline) of at
# least one report of every family (sql/<family>/), worked out by hand.
# =================================================================================================
def _run(engine: Engine, report_id: str, start: date, end: date) -> tuple[list[dict], list[dict]]:
    """(rows, first summary table's rows) of a report for start..end as at end, as `mi run` binds it."""
    definition = load_catalogue().get(report_id)
    extract = run_extract(definition, engine, period_start=start, period_end=end, as_at=end)
    tables = summaries(definition.spec, extract.rows)
    return extract.rows, (tables[0]["rows"] if tables else [])


# The report proving each family's headline; a new sql/<family>/ without one fails.
FAMILY_REPORTS = {
    "front_door": "strategy_discussions_incomplete",
    "assessment": "cf_assessment_timescales",
    "child_in_need": "open_case_durations",
    "child_protection": "cp_plan_durations",
    "looked_after": "lac_ceased_last_6_months",
    "care_leavers": "care_leaver_visits",
    "health": "lac_pregnancy",
    "education": "home_educated_children",
    "disability": "cypds_transition_plans_age_17",
    "workforce": "allocations_by_worker_and_team",
    "quality_assurance": "compliance_audit_monitoring",
    "housing": "homeless_16plus_notifications",
    "overviews": "cssw_performance_overview",
}


def test_every_report_family_has_a_hand_worked_headline():
    sql_dir = Path(load_catalogue().get("cp_plan_durations").yaml_path).parents[1]
    families = sorted(p.name for p in sql_dir.iterdir() if p.is_dir() and not p.name.startswith("_"))
    assert sorted(FAMILY_REPORTS) == families
    for family, report_id in FAMILY_REPORTS.items():
        assert Path(load_catalogue().get(report_id).yaml_path).parent.name == family


def test_front_door_strategy_discussions_incomplete(engine: Engine):
    # Weekly: the ISO week Mon 25 - Sun 31 Mar 2024, as at Sunday 31 Mar (Good Friday in it).
    rows, table = _run(engine, "strategy_discussions_incomplete", date(2024, 3, 25), date(2024, 3, 31))
    # Incomplete at 31 Mar: SD24 (completed only 2 Apr), SD31 (started, not completed), SD08 and
    # SD81 (not started). SD26 was completed on 5 Mar. wd(request, 31 Mar):
    #   SD24 Wed 6 Mar: 7-8 (2), 11-15 (7), 18-22 (12), 25-28 (16)             = 16
    #   SD31 Wed 20 Mar: 21-22 (2), 25-28 (6)                                   = 6
    #   SD81 Tue 26 Mar: 27, 28                                                 = 2
    #   SD08 Thu 28 Mar: 29 Good Friday, 30-31 weekend                          = 0
    assert {r["strategy_id"]: r["working_days_since_request"] for r in rows} == {
        "SD24": 16, "SD31": 6, "SD81": 2, "SD08": 0}
    # Family Intervention: SD24, SD31, SD08 = 3, not started 1 (SD08), oldest 16
    # GOSH: SD81 = 1, not started 1, oldest 2;  Total 4, 2, 16
    assert table == [
        {"group": "Family Intervention Team", "discussions": 3, "not_started": 1, "oldest": 16},
        {"group": "GOSH Hospital Team", "discussions": 1, "not_started": 1, "oldest": 2},
        {"group": "Total", "discussions": 4, "not_started": 2, "oldest": 16},
    ]


def test_assessment_cf_assessment_timescales(engine: Engine):
    rows, table = _run(engine, "cf_assessment_timescales", MARCH_2024.start, MARCH_2024.end)
    # Authorised 1 Apr 2023 - 31 Mar 2024. This period: A09 20, A15 45, A80 46, A16 49, A81 17
    # (worked out above). Previous 11 months:
    #   A10 C10: Mon 2 Oct -> Mon 30 Oct 2023: Oct 3-6 (4), 9-13 (9), 16-20 (14), 23-27 (19), 30 = 20
    #   A11 C11: Wed 1 Nov 2023 -> Wed 10 Jan 2024: Nov 2-3 (2), 6-10 (7), 13-17 (12), 20-24 (17),
    #            27-30 (21), Dec 1 (22), 4-8 (27), 11-15 (32), 18-22 (37), [25, 26], 27-29 (40),
    #            [1 Jan], Jan 2-5 (44), 8-10 (47)                                          = 47
    assert {r["assessment_id"]: r["working_days"] for r in rows} == {
        "A09": 20, "A15": 45, "A80": 46, "A16": 49, "A81": 17, "A10": 20, "A11": 47}
    # % within 45 = mean of 100/0 scores:
    #   Previous 11 months: A10 100, A11 0 -> 2, 50.0
    #   This period: A09, A15, A81 100; A80, A16 0 -> 5, 300/5 = 60.0
    #   Total (12 months): 7, 400/7 = 57.14 -> 57.1
    assert table == [
        {"group": "Previous 11 months", "assessments": 2, "pct_on_time": 50.0},
        {"group": "This period", "assessments": 5, "pct_on_time": 60.0},
        {"group": "Total", "assessments": 7, "pct_on_time": 57.1},
    ]


def test_child_in_need_open_case_durations(engine: Engine):
    rows, table = _run(engine, "open_case_durations", MARCH_2024.start, MARCH_2024.end)
    # The 40 open cases (cin_rate_per_10000 above), days from the earliest open referral to
    # 31 Mar 2024 (2024 a leap year), banded <91, <183, <365, <730, else:
    #   under 3 months: C07 16, C08 17, C09 31, C12 58 (2 Feb), C15 80 (11 Jan), C24 25, C25 48
    #     (12 Feb), C26 30, C27 30, C31 11, C47 59 (1 Feb), C48 31, C49 13, C50 27 (4 Mar; his
    #     2022 referral is closed), C80 81 (10 Jan: 21 + 29 + 31), C81 27                = 16
    #   3 to 6 months: C10 181 (2 Oct: 29 + 30 + 31 + 31 + 29 + 31), C11, C20, C23 151 (1 Nov),
    #     C13 121 (1 Dec), C21 132 (20 Nov)                                                = 6
    #   6 to 12 months: C14 212 (1 Sep 2023)                                               = 1
    #   1 to 2 years: C22 377 (20 Mar 2023: 366 to 20 Mar 2024, + 11), C45 and C46 396
    #     (1 Mar 2023: 366 + 30), C44 698 (3 May 2022: 365 + 333)                           = 4
    #   2 years or more: C06 C40 C41 C42 C43, and the disability service's 8                = 13
    # Every one is allocated: unallocated 0.
    assert len(rows) == 40
    assert table == [
        {"group": "Under 3 months", "cases": 16, "unallocated": 0},
        {"group": "3 to 6 months", "cases": 6, "unallocated": 0},
        {"group": "6 to 12 months", "cases": 1, "unallocated": 0},
        {"group": "1 to 2 years", "cases": 4, "unallocated": 0},
        {"group": "2 years or more", "cases": 13, "unallocated": 0},
        {"group": "Total", "cases": 40, "unallocated": 0},
    ]
    # Kind of case: looked after as cla_rate_per_10000 counts it, the 12 (C06, C40-C50); C03's
    # open short-break stay (V4) is not being looked after: "Short breaks" (it said "Looked after",
    # so the report counted 13 where the looked-after reports count 12)
    kinds = {r["person_id"]: r["case_type"] for r in rows}
    looked_after = sorted(p for p, kind in kinds.items() if kind == "Looked after")
    assert looked_after == ["C06", *[f"C{n}" for n in range(40, 51)]]
    assert kinds["C03"] == "Short breaks"


def test_child_in_need_cin_review_timescales_by_window(engine: Engine):
    rows, table = _run(engine, "cin_review_timescales", MARCH_2024.start, MARCH_2024.end)
    # Reviews due 1 Apr 2023 - 30 Apr 2024 (the month after): CR10 due 1 Feb held 30 Jan (on
    # time), CR14a due 2 Jan held 2 Jan (on time), CR11 due 1 Mar held 4 Mar (late), CR13 due
    # 28 Mar not held (overdue), CR14b due 2 Apr (next month) = 5 rows.
    # The first summary is the 12 months (next month's CR14b is in the list, not in that table):
    #   Previous 11 months: CR10, CR14a: 2 reviews, 100.0, 0 overdue
    #   This period: CR11 0, CR13 0: 2 reviews, 0.0, 1 overdue
    assert len(rows) == 5 and sum(r["is_due_next_month"] for r in rows) == 1
    assert table[:2] == [
        {"group": "Previous 11 months", "reviews": 2, "pct_on_time": 100.0, "overdue": 0},
        {"group": "This period", "reviews": 2, "pct_on_time": 0.0, "overdue": 1},
    ]


def test_child_in_need_cin_review_timescales_headline_is_the_12_month_figure(engine: Engine):
    _, table = _run(engine, "cin_review_timescales", MARCH_2024.start, MARCH_2024.end)
    # 12 months to 31 Mar 2024, without next month's CR14b: CR10, CR14a, CR11, CR13 = 4 reviews;
    # on time CR10, CR14a: (100 + 100 + 0 + 0)/4 = 50.0; overdue CR13 = 1.
    assert table[-1] == {"group": "Total", "reviews": 4, "pct_on_time": 50.0, "overdue": 1}


def test_child_protection_cp_plan_durations(engine: Engine):
    rows, table = _run(engine, "cp_plan_durations", MARCH_2024.start, MARCH_2024.end)
    # Plans open at 31 Mar or ended in March (none ended in March): the 8 open plans. Days to 31 Mar:
    #   CP24b 28 Mar 3, CP27 20 Mar 11, CP26 26 Mar 5, CP25 5 Mar 26          under 3 months (4)
    #   CP20 30 Nov 2023 122 (31 + 31 + 29 + 31), CP23 5 Dec 117 (26 + 91),
    #   CP21 15 Dec 107 (16 + 91)                                              3 to 6 months (3)
    #   CP22b 12 Apr 2023 354 (366 to 12 Apr 2024, less 12)                    6 to 12 months (1)
    # Repeat plans: CP24b (after CP24a), CP22b (after CP22a).
    assert {r["cp_plan_id"]: r["duration_days"] for r in rows} == {
        "CP24b": 3, "CP27": 11, "CP26": 5, "CP25": 26, "CP20": 122, "CP23": 117, "CP21": 107, "CP22b": 354}
    assert table == [
        {"group": "Under 3 months", "open": 4, "plans": 4, "repeat": 1},
        {"group": "3 to 6 months", "open": 3, "plans": 3, "repeat": 0},
        {"group": "6 to 12 months", "open": 1, "plans": 1, "repeat": 1},
        {"group": "Total", "open": 8, "plans": 8, "repeat": 2},
    ]


def test_child_protection_cp_plan_durations_bands_across_the_leap_day(engine: Engine):
    # February 2024 (1-29 Feb), as at 29 Feb. Plans open at 29 Feb or ended in February:
    #   CP21 15 Dec -> 29 Feb: 16 + 31 + 29 = 76; CP23 5 Dec: 26 + 31 + 29 = 86   under 3 months
    #   CP20 30 Nov -> 29 Feb: 30 + 31 + 29 = 91, and 30 Nov + 3 months = 29 Feb   3 to 6 months
    #   CP22b 12 Apr 2023 -> 29 Feb 2024 = 323 (10 months 17 days)                  6 to 12 months
    #   CP28 28 Feb 2022 - 28 Feb 2024: second anniversary reached                   2 years or more
    #   CP29 1 Mar 2022 - 29 Feb 2024: 1 year 11 months, anniversary 1 Mar 2024      1 to 2 years
    _, table = _run(engine, "cp_plan_durations", date(2024, 2, 1), date(2024, 2, 29))
    assert table == [
        {"group": "Under 3 months", "open": 2, "plans": 2, "repeat": 0},
        {"group": "3 to 6 months", "open": 1, "plans": 1, "repeat": 0},
        {"group": "6 to 12 months", "open": 1, "plans": 1, "repeat": 1},
        {"group": "1 to 2 years", "open": 0, "plans": 1, "repeat": 0},
        {"group": "2 years or more", "open": 0, "plans": 1, "repeat": 0},
        {"group": "Total", "open": 4, "plans": 6, "repeat": 1},
    ]


def test_child_protection_cp_visits_12_month_by_team(engine: Engine):
    # 12 months Apr 2023 - Mar 2024. Every allocated CP child here is held by W1 or W2, both in the
    # Family Intervention Team (FIT). Plans open at each month end (a plan's end date is its first
    # day off the plan):
    #   CP22b (from 12 Apr 2023) every month; CP24a (10 Jan - 20 Jul 2023) Apr-Jun;
    #   CP29 (1 Mar 2022 - 29 Feb 2024) Apr-Jan; CP20 (30 Nov) Nov-Mar; CP21 (15 Dec), CP23 (5 Dec)
    #   Dec-Mar; CP24b, CP25, CP26, CP27 (March starts) Mar.
    #   FIT: Apr-Jun 3, Jul-Oct 2, Nov 3, Dec-Jan 5, Feb 4 (CP29 ended 29 Feb), Mar 8.
    #   CP28 (28 Feb 2022 - 28 Feb 2024) has no allocation: 'No allocated team' 1 child, Apr-Jan,
    #   and 0 in Feb and Mar: each team has a row for every one of the 12 months.
    # Visits (child seen), within 10 working days of the visit before on the plan or its start:
    #   February: C29 Fri 16 Feb (plan start 1 Mar 2022: no), Tue 27 Feb (19-23 = 5, 26, 27 = 7:
    #   yes). C29's case closed on 29 Feb, so no team held it at the month end; W1 (FIT) held it on
    #   both days, so both visits are FIT's: 2 visits, 1 within, 50.0.
    #   March: C20 14 Mar, C21 13 Mar, C22 27 Mar, C23 28 Mar (their plan starts are months
    #   before: no); C25 15 Mar (plan Tue 5 Mar: 6-8 = 3, 11-15 = 8: yes). C21's visit of 20 Mar,
    #   not seen, does not count. FIT: 5 visits, 1 within, 20.0.
    rows, table = _run(engine, "cp_visits_12_month_by_team", MARCH_2024.start, MARCH_2024.end)
    months = ["2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09", "2023-10", "2023-11",
              "2023-12", "2024-01", "2024-02", "2024-03"]
    fit_children = dict(zip(months, [3, 3, 3, 2, 2, 2, 2, 3, 5, 5, 4, 8], strict=True))
    fit_visits = {"2024-02": (2, 1), "2024-03": (5, 1)}
    expected = {("Family Intervention Team", m): (fit_children[m], *fit_visits.get(m, (0, 0))) for m in months}
    # CP28's row in Feb and Mar too (no child, no visit): a team has a row for every month
    expected |= {("No allocated team", m): (int(m in months[:10]), 0, 0) for m in months}
    expected |= {("All teams", m): (fit_children[m] + (m in months[:10]), *fit_visits.get(m, (0, 0)))
                 for m in months}
    assert {(r["team_name"], r["month"]): (r["children_on_plan"], r["visits"], r["visits_within_standard"])
            for r in rows} == expected
    # By month, from the teams' rows: 100 x within / visits; a month without visits has no figure.
    by_month = {r["group"]: (r["pct"], r["within"], r["visits"]) for r in table}
    assert by_month["Feb 2024"] == (50.0, 1, 2)
    assert by_month["Mar 2024"] == (20.0, 1, 5)
    assert by_month["Apr 2023"] == (None, 0, 0)
    # Total: (1 + 1) / (2 + 5) = 2/7 = 28.57 -> 28.6
    assert by_month["Total"] == (28.6, 2, 7)


def test_looked_after_lac_ceased_last_6_months(engine: Engine):
    rows, table = _run(engine, "lac_ceased_last_6_months", MARCH_2024.start, MARCH_2024.end)
    # Window: the day after 30 Sep 2023 (31 Mar less 6 months; September has 30 days) = 1 Oct 2023,
    # to 31 Mar 2024. Periods of care ended in it:
    #   C51 1 Oct 2023 (18th birthday, E17), C53 5 Jan 2024 (home, E4A), C05 12 Mar 2024 (adopted, E11)
    # Not: C52 30 Sep 2023 (the day before), placement moves (X1: C06, C43, C44, C46), C03's
    # short-break stay ending 3 Feb (V4), C50's first period (10 Jun 2023).
    assert [(r["person_id"], r["ceased"], r["ceased_reason"]) for r in rows] == [
        ("C51", date(2023, 10, 1), "E17"), ("C53", date(2024, 1, 5), "E4A"), ("C05", date(2024, 3, 12), "E11")]
    assert table == [
        # SSDA903's reasons in words (E17 is staying put at 18, not care simply ceasing)
        {"group": "Adopted (application unopposed)", "children": 1},
        {"group": "Aged 18 or over, stayed with current carers (staying put)", "children": 1},
        {"group": "Returned home as part of the care plan", "children": 1},
        {"group": "Total", "children": 3},
    ]


def test_care_leavers_care_leaver_visits(engine: Engine):
    # Every 2 months: February-March 2024, as at 31 Mar.
    rows, table = _run(engine, "care_leaver_visits", date(2024, 2, 1), date(2024, 3, 31))
    # Allocated care leavers (all to W4, Looked After and Leaving Care Team): C51 C60 C61 C62 C63 = 5.
    # Next contact due = last contact that happened + 56 days; in timescale if on/after 31 Mar:
    #   C51 4 Feb + 56 = 31 Mar (25 days to 29 Feb + 31) yes; C60 3 Feb + 56 = 30 Mar no;
    #   C61 10 Mar, C62 12 Mar, C63 1 Mar yes -> 4/5 = 80.0
    # Contacts 1 Feb - 31 Mar (attempted ones too): C51 1 (4 Feb; not 10 Dec), C60 2, C61 1,
    # C62 1, C63 1 = 6. One team only: the single row is the headline.
    assert sorted(r["person_id"] for r in rows) == ["C51", "C60", "C61", "C62", "C63"]
    assert table == [{"group": "Looked After and Leaving Care Team", "leavers": 5, "in_timescale_pct": 80.0,
                      "contacts": 6}]


def test_health_lac_pregnancy(engine: Engine):
    # Quarterly: January-March 2024, as at 31 Mar.
    rows, table = _run(engine, "lac_pregnancy", date(2024, 1, 1), date(2024, 3, 31))
    # Notified after 31 Mar 2023 (31 Mar less 12 months) and by 31 Mar 2024, looked after then:
    #   PG43 C43 1 Jun 2023 (in placement PL43b), expected 15 Dec 2023: passed
    #   PG51 C51 15 Sep 2023 (in care until 1 Oct), expected 1 Apr 2024: still pregnant
    #   PG42 C42 10 Jan 2024 (this quarter), expected 20 Jul 2024: still pregnant
    #   Not PG61: C61 is a care leaver, not looked after.
    # Notified 3, this quarter 1 (PG42), pregnant at 31 Mar 2 (PG51, PG42)
    assert [r["pregnancy_id"] for r in rows] == ["PG43", "PG51", "PG42"]
    assert table == [{"group": "All", "notified": 3, "this_quarter": 1, "current": 2}]


def test_education_home_educated_children(engine: Engine):
    rows, table = _run(engine, "home_educated_children", MARCH_2024.start, MARCH_2024.end)
    # On the register at 31 Mar: C12 (from 8 Jan 2024), C30 (from 1 Sep 2023), C35 (from 2023);
    # C16's entry ended 1 Mar. Known to social work (a referral by 31 Mar): C12 (open case),
    # C30 (case closed 2023: previously known); C35 never referred.
    assert [(r["person_id"], r["known_status"]) for r in rows] == [("C12", "Open case"), ("C30", "Previously known")]
    assert table == [
        {"group": "Open case", "children": 1},
        {"group": "Previously known", "children": 1},
        {"group": "Total", "children": 2},
    ]


def test_disability_cypds_transition_plans_age_17(engine: Engine):
    # Quarterly: January-March 2024, as at 31 Mar.
    rows, table = _run(engine, "cypds_transition_plans_age_17", date(2024, 1, 1), date(2024, 3, 31))
    # Aged 17 at 31 Mar, open to CYPDS: C70, C71, C72 = 3. Plan by 31 Mar: C70, C72 (C71's is
    # dated 2 Apr) -> 2/3 = 66.67 -> 66.7. C71's 18th birthday is 1 Apr 2024.
    assert {r["person_id"]: r["eighteenth_birthday"] for r in rows} == {
        "C70": date(2024, 6, 10), "C71": date(2024, 4, 1), "C72": date(2024, 12, 25)}
    assert table == [{"group": "All", "young_people": 3, "with_plan_pct": 66.7}]


def test_workforce_allocations_by_worker_and_team(engine: Engine):
    rows, table = _run(engine, "allocations_by_worker_and_team", MARCH_2024.start, MARCH_2024.end)
    # The 40 open cases, each allocated (see average_caseload): by team
    #   Children and Young People's Disability Team: W5 8                 -> 8, highest 8
    #   Family Intervention Team: W1 9 + W2 9                             -> 18, highest 9
    #   GOSH Hospital Team: W6 2                                          -> 2, highest 2
    #   Looked After and Leaving Care Team: W3 12 (care leavers have no open case) -> 12, highest 12
    #   Total 40, highest 12
    assert len(rows) == 40
    assert table == [
        {"group": "Children and Young People's Disability Team", "children": 8, "max_caseload": 8},
        {"group": "Family Intervention Team", "children": 18, "max_caseload": 9},
        {"group": "GOSH Hospital Team", "children": 2, "max_caseload": 2},
        {"group": "Looked After and Leaving Care Team", "children": 12, "max_caseload": 12},
        {"group": "Total", "children": 40, "max_caseload": 12},
    ]


def test_quality_assurance_compliance_audits_due_and_outstanding(engine: Engine):
    # Quarterly: January-March 2024, as at 31 Mar.
    rows, table = _run(engine, "compliance_audit_monitoring", date(2024, 1, 1), date(2024, 3, 31))
    # Compliance audits due 1 Jan - 31 Mar: AU1, AU2, AU5, AU8 (Family Intervention), AU3, AU4
    # (Looked After) = 6. Not AU6 (thematic), AU7 (due 31 Dec 2023).
    # Not completed by 31 Mar: AU3 (none), AU5 (completed 2 Apr) = 2.
    assert sorted(r["audit_id"] for r in rows) == ["AU1", "AU2", "AU3", "AU4", "AU5", "AU8"]
    assert [(t["group"], t["due"], t["outstanding"]) for t in table] == [
        ("Family Intervention Team", 4, 1), ("Looked After and Leaving Care Team", 2, 1), ("Total", 6, 2)]


def test_quality_assurance_compliance_audit_monitoring_headline(engine: Engine):
    _, table = _run(engine, "compliance_audit_monitoring", date(2024, 1, 1), date(2024, 3, 31))
    # On time = completed by the last day of the month due:
    #   AU1 due 31 Jan, done 30 Jan yes; AU2 due 29 Feb, done 4 Mar no; AU5 due 28 Mar, done 2 Apr
    #   (after 31 Mar) no; AU8 due 14 Feb, done 20 Feb (by 29 Feb) yes   -> (100+0+0+100)/4 = 50.0
    #   AU3 due 31 Mar, not done no; AU4 due 29 Feb, done 29 Feb yes      -> (0+100)/2 = 50.0
    #   Total 300/6 = 50.0
    assert table == [
        {"group": "Family Intervention Team", "due": 4, "pct_on_time": 50.0, "outstanding": 1},
        {"group": "Looked After and Leaving Care Team", "due": 2, "pct_on_time": 50.0, "outstanding": 1},
        {"group": "Total", "due": 6, "pct_on_time": 50.0, "outstanding": 2},
    ]


def test_housing_homeless_16plus_notifications(engine: Engine):
    rows, table = _run(engine, "homeless_16plus_notifications", MARCH_2024.start, MARCH_2024.end)
    # Notified, disposed of in March, or awaiting a disposal at 31 Mar:
    #   HN91b (26 Feb, awaiting), HN92 (1 Mar, awaiting), HN90 (6 Mar, disposed 28 Mar),
    #   HN63 (28 Mar, awaiting; assessed only on 2 Apr). Not HN91a (15-29 Feb).
    # Working days to assessment: HN91b Mon 26 Feb -> Fri 1 Mar: 27, 28, 29, 1 = 4;
    #   HN90 Wed 6 Mar -> Thu 28 Mar: 7-8 (2), 11-15 (7), 18-22 (12), 25-28 (16) = 16.
    assert {r["notification_id"]: r["working_days_to_assessment"] for r in rows} == {
        "HN91b": 4, "HN92": None, "HN90": 16, "HN63": None}
    # Notified in March: HN92, HN90, HN63 = 3; disposed: HN90 = 1; awaiting: HN91b, HN92, HN63 = 3
    assert table == [{"group": "All", "notified": 3, "disposed": 1, "open": 3}]


def test_overviews_cssw_performance_overview(engine: Engine):
    # No summary table: the headline is the row count (one row per case-holding team); the KPI tiles
    # are the indicators proved above. Every column worked out by hand:
    rows, table = _run(engine, "cssw_performance_overview", MARCH_2024.start, MARCH_2024.end)
    assert table == []
    # Family Intervention: open 18; CIN plans C10-C14 = 5; CP plans 8; assessments authorised in
    #   March by the team A09 (20), A15 (45), A16 (49) = 3, within 45 = 2 -> 66.67 -> 66.7
    # Looked After: open 12, all 12 looked after (the care leavers have no open case).
    # Disability: open 8, looked after 0 (C03's respite stay is short breaks, V4).
    # GOSH: open 2; assessments A80 (46), A81 (17) = 2, within 1 -> 50.0
    assert [{k: r[k] for k in ("team_id", "open_cases", "cin_plans", "cp_plans", "looked_after",
                               "assessments_completed", "assessments_within_45wd", "assessments_within_45wd_pct")}
            for r in rows] == [
        {"team_id": "T-FIT", "open_cases": 18, "cin_plans": 5, "cp_plans": 8, "looked_after": 0,
         "assessments_completed": 3, "assessments_within_45wd": 2, "assessments_within_45wd_pct": 66.7},
        {"team_id": "T-LAC", "open_cases": 12, "cin_plans": 0, "cp_plans": 0, "looked_after": 12,
         "assessments_completed": 0, "assessments_within_45wd": 0, "assessments_within_45wd_pct": None},
        {"team_id": "T-CYPDS", "open_cases": 8, "cin_plans": 0, "cp_plans": 0, "looked_after": 0,
         "assessments_completed": 0, "assessments_within_45wd": 0, "assessments_within_45wd_pct": None},
        {"team_id": "T-GOSH", "open_cases": 2, "cin_plans": 0, "cp_plans": 0, "looked_after": 0,
         "assessments_completed": 2, "assessments_within_45wd": 1, "assessments_within_45wd_pct": 50.0},
    ]


# =================================================================================================
# The fixture itself: small, hand-written, and loaded whole.
# =================================================================================================
def test_the_fixture_is_a_small_readable_authority():
    fixture = handworked.read_fixture()
    people = fixture["people"]
    assert len(people) == len({p["id"] for p in people}) == 61
    assert all(p["story"] for p in people)  # every person's story is told
    assert len(fixture["organisation"]["staff"]) == 10 and len(fixture["organisation"]["teams"]) == 4


def test_every_fixture_row_is_loaded(engine: Engine):
    # Foreign keys are enforced while loading, so a mistyped id fails the build; and nothing is
    # dropped: each table holds exactly the rows the fixture describes.
    for table, rows in handworked.fixture_rows(handworked.read_fixture()).items():
        assert handworked.table_count(engine, table) == len(rows), table


def test_a_tile_without_a_figure_says_what_there_was_none_of(engine: Engine):
    """The CYPDS overview's tile "CYPDS 18+ reviews held on time: no cases" read as nothing to look
    at. Here the three 18+ reviews (DR73, DR74, DR76) were all held in March 2024: in February
    none was held, so there is no figure, and the tile says so in the indicator's own words."""
    from reporting.indicators.compute import IndicatorSession
    from reporting.indicators.overview import kpi

    indicator = library().get("cypds_18plus_reviews_on_time_pct")
    with engine.connect() as connection:
        session = IndicatorSession(connection)
        february = kpi(indicator, session, Period(date(2024, 2, 1), date(2024, 2, 29)), aggregate=False)
        march = kpi(indicator, session, MARCH_2024, aggregate=False)
    assert february["value"] == "no cases"
    assert "No figure: there were no 18+ reviews held in the period." in february["notes"]
    assert march["value"] == "33.3%" and not any(n.startswith("No figure") for n in march["notes"])
