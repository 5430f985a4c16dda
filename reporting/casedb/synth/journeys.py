"""Children's journeys through the front door, assessment, child in need and child protection.

Families are the unit of work: siblings are referred together (one family episode copied to
each child), assessed together and, when it comes to that, go on plans together. Each step
records only what had happened by the as-at date, so a journey cut by the as-at date leaves
an assessment in progress, a plan open, a visit due.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from reporting.casedb.synth import codes
from reporting.casedb.synth.children import Child, allocate
from reporting.casedb.synth.looked_after import enter_care
from reporting.casedb.synth.names import forename, surname
from reporting.casedb.synth.world import Worker, World

AGE_BANDS = {(0, 0): 10, (1, 4): 20, (5, 9): 27, (10, 15): 30, (16, 17): 13}


def make_family(world: World, first_contact: date, eldest_age: int | None = None,
                size: int | None = None, sex: str | None = None, nationality: str = "British",
                newborn: bool = False) -> list[Child]:
    """A family of `size` children, the eldest `eldest_age` (or drawn) at `first_contact`.

    `newborn`: the only child is days old (a baby removed at or soon after birth).
    """
    family_id = world.next_id("F")
    size = size or world.weighted({1: 55, 2: 27, 3: 12, 4: 6})
    if eldest_age is None:
        low, high = world.weighted(AGE_BANDS)
        eldest_age = world.rng.randint(low, high)
    family_surname = surname(world.rng)
    children = []
    for n in range(size):
        age_days = max(30, eldest_age * 365 + world.rng.randint(0, 364) - n * world.rng.randint(400, 1100))
        if newborn:
            age_days = world.rng.randint(1, 42)
        dob = first_contact - timedelta(days=age_days)
        child_sex = sex or world.pick("MF")
        child = Child(world.next_id("P"), dob, child_sex, family_id)
        ethnicity = world.weighted(codes.ETHNICITY)
        if world.chance(world.config.defects.person_missing_ethnicity):
            ethnicity = None
        world.add(
            "ssd_person",
            pers_person_id=child.person_id, pers_forename=forename(world.rng, child_sex),
            pers_surname=family_surname, pers_sex=child_sex, pers_gender="1" if child_sex == "M" else "2",
            pers_ethnicity=ethnicity, pers_dob=dob, pers_common_child_id=None,
            pers_legacy_id=None, pers_upn_unknown=None, pers_send_flag="N", pers_expected_dob=None,
            pers_death_date=None, pers_is_mother="N", pers_nationality=nationality,
        )
        world.add("ssd_family", fami_table_id=world.next_id("FM"), fami_family_id=family_id,
                  fami_person_id=child.person_id)
        children.append(child)
    return children


# ---- allocation ------------------------------------------------------------------------
def family_journey(world: World, children: list[Child], first_contact: date) -> None:
    j = world.config.journey
    when = first_contact
    known = False  # a family the service has worked with before: a new contact is referred more often
    everyone = children
    for _ in range(4):  # at most four episodes of involvement per family
        if when > world.as_at:
            return
        # Children's social care works with the children under 18: an elder sibling who has
        # grown up by a later contact is not part of it (the disability service's work to 25 is
        # separate, services.disability_service).
        children = [child for child in everyone if child.age_on(when) < 18]
        if not children:
            return
        source = world.weighted(codes.REFERRAL_SOURCE)
        referred = world.chance(j.known_family_contact_to_referral if known else j.contact_to_referral)
        for child in children:
            outcome = "Referral to children's social care" if referred else world.weighted(codes.CONTACT_OUTCOME)
            world.add(
                "ssd_contacts",
                cont_contact_id=world.next_id("C"), cont_person_id=child.person_id,
                cont_contact_date=when, cont_contact_source_code=source,
                cont_contact_source_desc=codes.SOURCE_DESC[source],
                cont_contact_outcome_json=json.dumps({"outcome": outcome}),
            )
        if not referred:
            if world.chance(0.35):
                _early_help(world, children, when)
            if not world.chance(0.3):
                return
            when = when + world.days(60, 700)
            continue
        referral_date = world.add_working_days(when, world.rng.randint(0, 1))
        if referral_date > world.as_at:
            return
        free = [child for child in children
                if child.free_for_referral(referral_date) and child.age_on(referral_date) < 18]
        if not free:  # every child is already open to the service: no new episode
            when = when + world.days(60, 700)
            continue
        closed = referral(world, free, referral_date, source)
        known = True
        if closed is None:
            return
        after_cp = any(child.had_cp_plan for child in free)
        if not world.chance(j.rereferral_after_cp_plan if after_cp else j.rereferral_within_year):
            return
        # Most re-referrals come soon after the case closed (the DfE counts those within 12
        # months of the previous referral); some years later.
        when = closed + (world.days(14, 200) if world.chance(0.75) else world.days(201, 900))


def _early_help(world: World, children: list[Child], when: date) -> None:
    end = world.happened(when + world.days(60, 300))
    worker = world.worker_in("MASH", when)
    for child in children:
        world.add(
            "ssd_early_help_episodes",
            earl_episode_id=world.next_id("EH"), earl_person_id=child.person_id,
            earl_episode_start_date=when, earl_episode_end_date=end,
            earl_episode_reason="Family support", earl_episode_end_reason="Needs met" if end else None,
            earl_episode_organisation="One Stop Early Help", earl_episode_worker_id=worker.professional_id,
        )


def referral(world: World, children: list[Child], when: date, source: str) -> date | None:
    """A referral of the sibling group; returns the closure date, or None if still open."""
    j = world.config.journey
    need = world.weighted(codes.PRIMARY_NEED)
    mash = world.worker_in("MASH", when)
    referral_ids: dict[str, str] = {}
    if len(children) > 1:
        lead = children[0]
        world.add("ext_family_episodes", faep_episode_id=world.next_id("FE"),
                  faep_family_id=lead.family_id, faep_lead_person_id=lead.person_id,
                  faep_episode_date=when, faep_episode_type="Referral")
    for n, child in enumerate(children):
        # The recording defect: the episode was not copied to one of the siblings.
        if n > 0 and world.chance(world.config.defects.episode_not_copied_to_sibling):
            continue
        rid = world.next_id("R")
        referral_ids[child.person_id] = rid
        child.assessed_on = None
        child.open_episode = world.add(
            "ssd_cin_episodes",
            cine_referral_id=rid, cine_person_id=child.person_id, cine_referral_date=when,
            cine_cin_primary_need_code=need, cine_referral_source_code=source,
            cine_referral_source_desc=codes.SOURCE_DESC[source],
            cine_referral_outcome_json=json.dumps({"outcome": "Assessment"}),
            cine_referral_nfa="N", cine_close_reason=None, cine_close_date=None,
            cine_referral_team=mash.team_id, cine_referral_worker_id=mash.professional_id,
        )
        child.episodes.append(child.open_episode)
    group = [c for c in children if c.person_id in referral_ids]
    _housing(world, group, when)

    if not world.chance(j.referral_to_assessment):
        close = world.happened(world.add_working_days(when, world.rng.randint(1, 3)))
        return _close(world, group, close, "RC8", nfa=True)

    start = world.add_working_days(when, world.rng.randint(0, 4))
    if start > world.as_at:
        return None  # referred, assessment not started yet
    group = _children_still(world, group, start)
    if not group:
        return start
    kind = world.weighted({"BIT": 60, "FIT": 30, "GOSH": 10})
    on_time = world.chance(world.config.timeliness.assessment_within_45_wd)
    duration = world.rng.randint(12, 45) if on_time else world.rng.randint(46, 75)
    authorised = world.add_working_days(start, duration)
    previous_cp = any(child.had_cp_plan for child in group)
    to_strategy = world.chance(j.previous_cp_to_strategy if previous_cp else j.assessment_to_strategy)
    to_cin = not to_strategy and world.chance(j.assessment_to_cin_plan / (1 - j.assessment_to_strategy))
    worker = allocate(world, group, kind, start, authorised if authorised <= world.as_at else None,
                      referral_ids)
    outcome = "Strategy discussion" if to_strategy else ("CIN plan" if to_cin else "No further action")
    for child in group:
        child.assessed_on = authorised
        _assessment(world, child, referral_ids[child.person_id], start, world.happened(authorised),
                    outcome, worker)
    if authorised > world.as_at and not to_strategy:
        return None

    if to_strategy:
        return _child_protection(world, group, referral_ids, start, kind)
    if to_cin:
        return cin_plan(world, group, referral_ids, authorised)
    close = world.happened(authorised + world.days(0, 10))
    return _close(world, group, close, world.weighted({"RC8": 70, "RC9": 30}), nfa=False)


def _close(world: World, group: list[Child], close: date | None, reason: str, nfa: bool) -> date | None:
    """Close the group's open episodes on `close`, or once the assessment is completed if later.

    Returns the latest closure date, or None if any episode is still open at the as-at date
    (its assessment not yet authorised).
    """
    if close is None:
        return None
    latest: date | None = close
    for child in group:
        closes_on = world.happened(max(close, child.assessed_on or close))
        if closes_on is None:
            latest = None  # still open: the assessment is completed after the as-at date
            continue
        row = child.open_episode
        if row is not None and row["cine_close_date"] is None:
            row["cine_close_date"] = closes_on
            row["cine_close_reason"] = reason
            if nfa:
                row["cine_referral_nfa"] = "Y"
        child.open_episode = None
        if latest is not None:
            latest = max(latest, closes_on)
    return latest


def _close_those_not_in_care(world: World, group: list[Child], when: date) -> None:
    """After the group was sent into care on `when`: close the episodes of those who could not
    enter it (18 or over), who would otherwise keep an episode open for ever."""
    _close(world, [child for child in group if child.age_on(when) >= 18], when, "RC7", nfa=False)


def _assessment(world: World, child: Child, referral_id: str, start: date, authorised: date | None,
                outcome: str, worker: Worker) -> None:
    aid = world.next_id("A")
    world.add(
        "ssd_cin_assessments",
        cina_assessment_id=aid, cina_person_id=child.person_id, cina_referral_id=referral_id,
        cina_assessment_start_date=start, cina_assessment_child_seen="Y" if world.chance(0.96) else "N",
        cina_assessment_auth_date=authorised,
        cina_assessment_outcome_json=json.dumps({"outcome": outcome}) if authorised else None,
        cina_assessment_outcome_nfa=("Y" if outcome == "No further action" else "N") if authorised else None,
        cina_assessment_team=worker.team_id, cina_assessment_worker_id=worker.professional_id,
    )
    if authorised is None or world.chance(world.config.defects.assessment_no_factors_form):
        return
    factors = sorted(world.rng.sample(codes.ASSESSMENT_FACTORS, world.rng.randint(1, 4)))
    if world.defect(world.config.defects.assessment_factors_inconsistent, authorised):
        # Recording defect: the form is there but empty, or carries a code not in the DfE list
        # (which the census validator rejects, so only since the last cleanse survive).
        factors = [] if world.chance(0.5) else factors + ["99Z"]
    world.add("ssd_assessment_factors", cinf_table_id=world.next_id("AF"), cinf_assessment_id=aid,
              cinf_assessment_factors_json=json.dumps(factors))


def _housing(world: World, group: list[Child], when: date) -> None:
    if not world.chance(0.14):
        return
    flag = world.weighted({"Temporary accommodation": 45, "Council tenant": 40, "Homeless application": 15})
    end = world.happened(when + world.days(90, 900)) if world.chance(0.5) else None
    for child in group:
        world.add("ext_housing_flags", hous_flag_id=world.next_id("HF"), hous_person_id=child.person_id,
                  hous_flag_type=flag, hous_start_date=max(child.dob, when - world.days(0, 400)), hous_end_date=end)


# ---- child in need ---------------------------------------------------------------------------
def cin_plan(world: World, group: list[Child], referral_ids: dict[str, str], start: date) -> date | None:
    """A CIN plan with visits and reviews; returns the closure date (None while open)."""
    t = world.config.timeliness
    group = _children_still(world, group, start)
    if not group:
        return start
    kind = world.weighted({"CIN": 70, "FIT": 20, "GOSH": 10})
    # a plan for a child ends by their 18th birthday (the eldest's, for a sibling group)
    planned_end = min(start + world.days(100, 520), max(start + timedelta(days=1), _adulthood(group)))
    end = world.happened(planned_end)
    worker = allocate(world, group, kind, start, end, referral_ids)
    for child in group:
        plan_id = world.next_id("CP")
        plan_end = end
        # Recording defect: an end date keyed before the start. Drawn against the plan's start:
        # only plans begun after the last census cleanse keep it (DfE rule 4011 rejects it).
        if world.defect(world.config.defects.cin_plan_end_before_start, start):
            plan_end = start - world.days(1, 40)
        world.add("ssd_cin_plans", cinp_cin_plan_id=plan_id, cinp_referral_id=referral_ids[child.person_id],
                  cinp_person_id=child.person_id, cinp_cin_plan_start_date=start,
                  cinp_cin_plan_end_date=plan_end, cinp_cin_plan_team=worker.team_id,
                  cinp_cin_plan_worker_id=worker.professional_id)
        # Visits: local standard every 20 working days.
        visit = start
        stop = end or world.as_at
        while True:
            gap = world.rng.randint(8, 20) if world.chance(t.cin_visit_within_standard) else world.rng.randint(21, 40)
            visit = world.add_working_days(visit, gap)
            if visit > stop:
                break
            world.add("ssd_cin_visits", cinv_cin_visit_id=world.next_id("CV"), cinv_person_id=child.person_id,
                      cinv_cin_visit_date=visit, cinv_cin_visit_seen="Y" if world.chance(0.93) else "N",
                      cinv_cin_visit_seen_alone="Y" if child.age_on(visit) >= 4 and world.chance(0.55) else "N",
                      cinv_cin_visit_bedroom="Y" if world.chance(0.4) else "N")
        # Reviews: local standard every 3 months (first within 3 months of the plan start).
        due = start + timedelta(days=91)
        held: date | None  # None: not held by the as-at date
        while due <= stop + timedelta(days=91):
            on_time = world.chance(t.cin_review_within_standard)
            held = due - world.days(0, 14) if on_time else due + world.days(1, 45)
            held = held if held <= stop else None
            world.add("ext_cin_reviews", cinr_review_id=world.next_id("CR"), cinr_person_id=child.person_id,
                      cinr_cin_plan_id=plan_id, cinr_due_date=due, cinr_review_date=world.happened(held))
            if held is None:
                break
            due = held + timedelta(days=91)
    if end is None:
        return None
    if world.chance(world.config.journey.cin_to_looked_after):
        enter_care(world, [group[0]], end, referral_ids.get(group[0].person_id))
        _close_those_not_in_care(world, [group[0]], end)
        return _close(world, group[1:], end, "RC7", nfa=False) if len(group) > 1 else None
    return _close(world, group, end, "RC7", nfa=False)


def _collection_year(day: date) -> int:
    """The census year (1 April to 31 March) a day falls in, by its April."""
    return day.year if day.month >= 4 else day.year - 1


def _children_still(world: World, group: list[Child], day: date) -> list[Child]:
    """Those of the group still under 18 on `day`; the case of one who has turned 18 since the
    referral closes that day (no child's plan starts for an adult; CIN census RC7)."""
    adults = [child for child in group if child.age_on(day) >= 18]
    _close(world, adults, day, "RC7", nfa=False)
    return [child for child in group if child not in adults]


def _adulthood(group: list[Child]) -> date:
    """The eldest child's 18th birthday: a child's plan does not outlast their childhood."""
    eldest = min(child.dob for child in group)
    try:
        return eldest.replace(year=eldest.year + 18)
    except ValueError:  # born on 29 February
        return eldest.replace(year=eldest.year + 18, day=28)


# ---- child protection ------------------------------------------------------------------------
def _child_protection(world: World, group: list[Child], referral_ids: dict[str, str],
                      assessment_start: date, kind: str) -> date | None:
    j, t = world.config.journey, world.config.timeliness
    requested = world.add_working_days(assessment_start, world.rng.randint(0, 8))
    if requested > world.as_at:
        return None
    started = world.add_working_days(requested, world.rng.randint(0, 2))
    completed = world.add_working_days(started, world.rng.randint(0, 3))
    group = _children_still(world, group, started)
    if not group:
        return started
    worker = world.worker_in(kind, requested)
    previous_cp = any(child.had_cp_plan for child in group)
    s47_nfa = not world.chance(j.previous_cp_s47_to_icpc if previous_cp else j.s47_to_icpc)
    # Recording defect: the discussion happened (the enquiry goes ahead) but was never completed on
    # the system, so it stays on the incomplete list until someone closes it.
    recorded = None if world.defect(world.config.defects.strategy_not_completed, requested) \
        else world.happened(completed)
    for child in group:
        world.add("ext_strategy_discussions", stra_strategy_id=world.next_id("SD"), stra_person_id=child.person_id,
                  stra_referral_id=referral_ids[child.person_id], stra_requested_date=requested,
                  stra_start_date=world.happened(started), stra_completed_date=recorded,
                  stra_outcome="Section 47 enquiry" if recorded else None,
                  stra_team=worker.team_id, stra_worker_id=worker.professional_id)
    if completed > world.as_at:
        return None
    on_time = world.chance(t.icpc_within_15_wd)
    s47_days = world.rng.randint(5, 15) if on_time else world.rng.randint(16, 32)
    icpc_date = world.add_working_days(started, s47_days)
    s47_end = world.add_working_days(started, world.rng.randint(5, 15))
    s47_ids = {}
    for child in group:
        sid = world.next_id("S")
        s47_ids[child.person_id] = sid
        world.add("ssd_s47_enquiry", s47e_s47_enquiry_id=sid, s47e_referral_id=referral_ids[child.person_id],
                  s47e_person_id=child.person_id, s47e_s47_start_date=started,
                  s47e_s47_end_date=world.happened(s47_end), s47e_s47_nfa=("Y" if s47_nfa else "N")
                  if world.happened(s47_end) else None,
                  s47e_s47_outcome_json=json.dumps({"outcome": "No further action" if s47_nfa else "ICPC"})
                  if world.happened(s47_end) else None,
                  s47e_s47_completed_by_worker_id=worker.professional_id,
                  s47e_s47_completed_by_team=worker.team_id)
    if s47_nfa:
        end = world.happened(s47_end)
        if end is None:
            return None
        if world.chance(0.5):
            return cin_plan(world, group, referral_ids, end)
        # RC7, not RC8: RC8/RC9 mean closed after assessment with no S47 or plan (DfE rule 2990).
        return _close(world, group, world.happened(end + world.days(0, 10)), "RC7", nfa=False)
    target = world.add_working_days(started, 15)
    if icpc_date > world.as_at:
        return None
    group = _children_still(world, group, icpc_date)
    if not group:
        return icpc_date
    to_plan = world.chance(j.icpc_to_cp_plan)
    if any(child.cp_plan_ended and _collection_year(child.cp_plan_ended) == _collection_year(icpc_date)
           for child in group):
        # A second plan in the census year of the last one would put two plans of one child into
        # one CIN census return, where the DfE validator matches reviews to plans across episodes
        # (rule 4003); the conference decides a CIN plan instead (the next year's may be a plan).
        to_plan = False
    meeting = world.next_id("M")
    icpc_ids = {}
    chair = world.pick(world.staff_by_role["CPO"])
    for child in group:
        iid = world.next_id("IC")
        icpc_ids[child.person_id] = iid
        world.add("ssd_initial_cp_conference", icpc_icpc_id=iid, icpc_icpc_meeting_id=meeting,
                  icpc_s47_enquiry_id=s47_ids[child.person_id], icpc_person_id=child.person_id,
                  icpc_cp_plan_id=None, icpc_referral_id=referral_ids[child.person_id], icpc_icpc_transfer_in="N",
                  icpc_icpc_target_date=target, icpc_icpc_date=icpc_date,
                  icpc_icpc_outcome_cp_flag="Y" if to_plan else "N",
                  icpc_icpc_outcome_json=json.dumps({"outcome": "CP plan" if to_plan else "CIN plan",
                                                     "chair": chair}),
                  icpc_icpc_team=worker.team_id, icpc_icpc_worker_id=worker.professional_id)
    _attendance(world, group, meeting, "ICPC", icpc_date)
    if not to_plan:
        return cin_plan(world, group, referral_ids, icpc_date)
    return _cp_plan(world, group, referral_ids, icpc_ids, icpc_date)


def _attendance(world: World, group: list[Child], meeting: str, kind: str, when: date) -> None:
    agencies = world.rng.sample(codes.CONFERENCE_AGENCIES, world.rng.randint(3, 7))
    for agency in agencies:
        invited = world.chance(0.97)
        attended = invited and world.chance(0.78)
        world.add("ext_cp_conference_attendance", atte_attendance_id=world.next_id("AT"), atte_meeting_id=meeting,
                  atte_conference_type=kind, atte_conference_date=when, atte_person_id=group[0].person_id,
                  atte_agency=agency, atte_invited=invited, atte_attended=attended,
                  atte_report_submitted=invited and world.chance(0.7))


# How long a plan is meant to last. It ends at the review conference on or after that day (the
# first at 3 months, then 6-monthly), so this gives the DfE's shape of plans ending in a year
# (England 2025: a sixth within 3 months, most within a year, 4.4% after 2 years or more).
PLAN_LENGTH_DAYS = {(45, 88): 20, (89, 270): 49, (271, 452): 21, (453, 634): 5, (635, 816): 5}


def _cp_plan(world: World, group: list[Child], referral_ids, icpc_ids, start: date) -> date | None:
    t = world.config.timeliness
    low, high = world.weighted(PLAN_LENGTH_DAYS)
    adulthood = _adulthood(group)
    intended_end = min(start + world.days(low, high), adulthood)
    kind = world.weighted({"FIT": 80, "GOSH": 20})
    initial = world.weighted(codes.CP_CATEGORY)
    latest = initial if world.chance(0.85) else world.weighted(codes.CP_CATEGORY)
    # Review conferences: first within 3 months of the ICPC, then at most 6-monthly; the plan
    # ends at the review conference that decides it is no longer needed.
    reviews: list[tuple[date, date | None]] = []
    due = start + timedelta(days=91)
    end: date | None = None
    held: date | None  # None (in the reviews below): not held by the as-at date
    while True:
        on_time = world.chance(t.cp_review_on_time)
        held = world.working_day_on_or_after(due - world.days(0, 10) if on_time else due + world.days(1, 30))
        if adulthood <= min(held, world.as_at):
            end = adulthood  # a child protection plan ends at 18 (the eldest's birthday)
            break
        if held > world.as_at:
            reviews.append((due, None))
            break
        reviews.append((due, held))
        if held >= intended_end:
            end = held
            break
        due = held + timedelta(days=182)
    allocate(world, group, kind, start, end, referral_ids)
    for child in group:
        child.had_cp_plan = True
        child.cp_plan_ended = end or world.as_at
        pid = world.next_id("PL")
        for row in reversed(world.rows["ssd_initial_cp_conference"]):
            if row["icpc_icpc_id"] == icpc_ids[child.person_id]:
                row["icpc_cp_plan_id"] = pid
                break
        world.add("ssd_cp_plans", cppl_cp_plan_id=pid, cppl_referral_id=referral_ids[child.person_id],
                  cppl_icpc_id=icpc_ids[child.person_id], cppl_person_id=child.person_id,
                  cppl_cp_plan_start_date=start, cppl_cp_plan_end_date=end,
                  cppl_cp_plan_initial_category=initial, cppl_cp_plan_ola="N",
                  cppl_cp_plan_latest_category=latest)
        for _n, (due_date, held) in enumerate(reviews):
            meeting = world.next_id("M")
            outcome = ("N" if held == end else "Y") if held else None
            if held and world.chance(world.config.defects.cp_review_outcome_not_recorded):
                outcome = None  # recording defect: the conference's decision was never entered
            world.add("ssd_cp_reviews", cppr_cp_review_id=world.next_id("RV"), cppr_person_id=child.person_id,
                      cppr_cp_plan_id=pid, cppr_cp_review_due=due_date, cppr_cp_review_date=held,
                      cppr_cp_review_meeting_id=meeting if held else None,
                      cppr_cp_review_outcome_continue_cp=outcome,
                      cppr_cp_review_quorate=("Y" if world.chance(0.95) else "N") if held else None,
                      cppr_cp_review_participation=world.weighted(codes.REVIEW_PARTICIPATION)
                      if held and child.age_on(held) >= 4 else None)
            if held and child is group[0]:
                _attendance(world, group, meeting, "RCPC", held)
        # Visits: at least every 10 working days (Camden standard).
        visit = start
        stop = end or world.as_at
        while True:
            gap = world.rng.randint(4, 10) if world.chance(t.cp_visit_within_10_wd) else world.rng.randint(11, 22)
            visit = world.add_working_days(visit, gap)
            if visit > stop:
                break
            seen: str | None = "Y" if world.chance(0.95) else "N"
            if world.chance(world.config.defects.cp_visit_no_outcome):
                seen = None  # recording defect: the visit has no outcome recorded
            world.add("ssd_cp_visits", cppv_cp_visit_id=world.next_id("V"), cppv_person_id=child.person_id,
                      cppv_cp_plan_id=pid, cppv_cp_visit_date=visit, cppv_cp_visit_seen=seen,
                      cppv_cp_visit_seen_alone="Y" if seen == "Y" and child.age_on(visit) >= 4
                      and world.chance(0.6) else "N",
                      cppv_cp_visit_bedroom="Y" if world.chance(0.45) else "N")
    if end is None:
        return None
    if world.chance(world.config.journey.cp_to_looked_after):
        enter_care(world, group, end, referral_ids.get(group[0].person_id))
        _close_those_not_in_care(world, group, end)
        return None
    if world.chance(0.6):
        return cin_plan(world, group, referral_ids, end)
    return _close(world, group, end, "RC7", nfa=False)
