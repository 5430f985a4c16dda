"""Disability service, schools and addresses, homelessness, deaths, audits and supervision."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

from reporting.casedb.synth import codes
from reporting.casedb.synth.children import Child, allocate, birthday
from reporting.casedb.synth.looked_after import IN_POSTCODES, OUT_POSTCODES
from reporting.casedb.synth.upn import valid_upn
from reporting.casedb.synth.world import World

AUDIT_TIMETABLE = {  # month -> audit activity (the QA framework's annual programme)
    4: "dip_sample", 5: "practice_week", 6: "front_door", 7: "dip_sample", 9: "thematic",
    10: "front_door", 11: "practice_week", 12: "dip_sample", 1: "thematic", 2: "front_door",
    3: "dip_sample",
}
AUDITS_PER_ACTIVITY = {"dip_sample": 20, "practice_week": 40, "front_door": 30, "thematic": 30}
THEMES = ["Neglect", "Domestic abuse", "Adolescent risk", "Voice of the child", "Permanence planning",
          "Disabled children", "Pre-birth assessment", "Contextual safeguarding"]


# ---- disability service -------------------------------------------------------------------
def disability_service(world: World, child: Child, known_from: date) -> None:
    """A disabled child held by CYPDS: short breaks, reviews, transition and 18+ work."""
    child.disabled = True
    for code in world.rng.sample(list(codes.DISABILITY), world.rng.randint(1, 3)):
        world.add("ssd_disability", disa_person_id=child.person_id, disa_table_id=world.next_id("DI"),
                  disa_disability_code=code)
    if not world.chance(world.config.journey.disability_service_share):
        return
    start = max(known_from, child.dob + timedelta(days=365))
    if start > world.as_at:
        return
    nineteen = birthday(child, 19)
    end = world.happened(nineteen) if world.chance(0.8) else world.happened(start + world.days(400, 2500))
    rid = world.next_id("R")
    child.open_episode = world.add(
        "ssd_cin_episodes", cine_referral_id=rid, cine_person_id=child.person_id, cine_referral_date=start,
        cine_cin_primary_need_code="N2", cine_referral_source_code="3D",
        cine_referral_source_desc=codes.SOURCE_DESC["3D"], cine_referral_outcome_json=json.dumps({"outcome": "CYPDS"}),
        cine_referral_nfa="N", cine_close_reason="RC7" if end else None, cine_close_date=end,
        cine_referral_team=None, cine_referral_worker_id=None)
    child.episodes.append(child.open_episode)
    worker = allocate(world, [child], "CYPDS", start, end, {child.person_id: rid})
    child.open_episode["cine_referral_team"] = worker.team_id
    child.open_episode["cine_referral_worker_id"] = worker.professional_id
    stop = end or world.as_at
    eighteen = birthday(child, 18)
    breaks_from = world.happened(start + world.days(20, 200))
    if world.chance(0.6) and breaks_from and breaks_from <= min(eighteen, stop):
        world.add("ext_short_breaks", shbr_package_id=world.next_id("SB"), shbr_person_id=child.person_id,
                  shbr_start_date=breaks_from, shbr_end_date=world.happened(min(eighteen, stop)),
                  shbr_package_type=world.pick(["Overnight respite", "Day care", "Direct payment", "Holiday scheme"]),
                  shbr_hours_per_year=world.rng.randint(50, 600))
    # Annual reviews until 18 (u18 and short-breaks), then 18+ reviews and quarterly visits.
    due = start + timedelta(days=365)
    while due <= stop + timedelta(days=365):
        review_type = "u18" if due < eighteen else "18plus"
        if review_type == "u18" and world.chance(0.4):
            review_type = "short_breaks"
        on_time = world.chance(0.82)
        held = due - world.days(0, 20) if on_time else due + world.days(1, 90)
        world.add("ext_cypds_reviews", cypr_review_id=world.next_id("DR"), cypr_person_id=child.person_id,
                  cypr_review_type=review_type, cypr_due_date=due, cypr_review_date=held if held <= stop else None)
        if held > stop:
            break
        due = held + timedelta(days=365)
    fourteen = birthday(child, 14)
    if fourteen <= stop:
        requested = fourteen + world.days(0, 300)
        started = requested + world.days(5, 60)
        completed = started + (world.days(20, 84) if world.chance(0.8) else world.days(85, 200))
        if requested <= world.as_at:
            world.add("ext_cypds_assessments", cypa_assessment_id=world.next_id("DA"), cypa_person_id=child.person_id,
                      cypa_assessment_type="transition", cypa_requested_date=requested,
                      cypa_start_date=world.happened(started), cypa_completed_date=world.happened(completed),
                      cypa_worker_id=worker.professional_id)
    seventeen = birthday(child, 17)
    if seventeen <= stop and world.chance(0.85):
        plan = seventeen + (world.days(-120, 60) if world.chance(0.8) else world.days(61, 200))
        if plan <= world.as_at:
            world.add("ext_cypds_plans", cypp_plan_id=world.next_id("DP"), cypp_person_id=child.person_id,
                      cypp_plan_type="Transition plan", cypp_plan_date=plan,
                      cypp_shared_with_adults=world.chance(0.8))
    if eighteen <= stop:
        requested = eighteen - world.days(0, 90)
        started = requested + world.days(3, 30)
        completed = started + (world.days(10, 28) if world.chance(0.78) else world.days(29, 120))
        world.add("ext_cypds_assessments", cypa_assessment_id=world.next_id("DA"), cypa_person_id=child.person_id,
                  cypa_assessment_type="18plus", cypa_requested_date=requested,
                  cypa_start_date=world.happened(started), cypa_completed_date=world.happened(completed),
                  cypa_worker_id=worker.professional_id)
        visit = eighteen + world.days(5, 40)
        while visit <= stop:
            world.add("ext_cypds_visits", cypv_visit_id=world.next_id("DV"), cypv_person_id=child.person_id,
                      cypv_visit_date=visit, cypv_seen=world.chance(0.9))
            visit = visit + (world.days(30, 91) if world.chance(0.8) else world.days(92, 160))
    if end is not None:
        child.open_episode = None


# ---- schools, addresses ----------------------------------------------------------------------
def schools_and_addresses(world: World, children: list[Child], first_contact: date) -> None:
    out_of_borough = world.chance(0.07)
    postcode = world.pick(OUT_POSTCODES if out_of_borough else IN_POSTCODES)
    moved = first_contact + world.days(100, 1500) if world.chance(0.08) else None
    for child in children:
        address_id = world.next_id("AD")
        world.add("ssd_address", addr_table_id=address_id, addr_address_json=json.dumps({"postcode": postcode}),
                  addr_person_id=child.person_id, addr_address_type="Home",
                  addr_address_start_date=max(child.dob, first_contact - world.days(30, 2000)),
                  addr_address_end_date=world.happened(moved), addr_address_postcode=postcode)
        world.add("ext_address_geography", adge_address_id=address_id,
                  adge_local_authority="Barnet" if out_of_borough else "Camden", adge_in_borough=not out_of_borough)
        if world.happened(moved):
            new_id = world.next_id("AD")
            new_postcode = world.pick(OUT_POSTCODES)
            world.add("ssd_address", addr_table_id=new_id, addr_address_json=json.dumps({"postcode": new_postcode}),
                      addr_person_id=child.person_id, addr_address_type="Home", addr_address_start_date=moved,
                      addr_address_end_date=None, addr_address_postcode=new_postcode)
            world.add("ext_address_geography", adge_address_id=new_id, adge_local_authority="Haringey",
                      adge_in_borough=False)
        # A UPN for every child who has reached school age, kept when they leave school (the CIN
        # census asks for it for every school-age child in the year, even one 18 by the as-at
        # date: DfE query 8770Q); a school roll entry for those of school age now.
        if birthday(child, 4) <= world.as_at:
            if not world.chance(world.config.defects.child_missing_upn):
                world.add("ssd_linked_identifiers", link_table_id=world.next_id("LI"), link_person_id=child.person_id,
                          link_identifier_type="Unique Pupil Number",
                          # Same single draw as before; a well-formed UPN (check letter, LA 202).
                          link_identifier_value=valid_upn(world.rng.randint(10**11, 10**12 - 1) % 10**9),
                          link_valid_from_date=birthday(child, 4), link_valid_to_date=None)
        if birthday(child, 4) <= world.as_at and child.age_on(world.as_at) <= 17:
            home_educated_from = world.happened(max(first_contact, birthday(child, 5)) + world.days(0, 400))
            if world.chance(0.012) and home_educated_from:
                world.add("ext_home_education", hoed_id=world.next_id("HE"), hoed_person_id=child.person_id,
                          hoed_start_date=home_educated_from,
                          hoed_end_date=None,
                          hoed_reason=world.pick(["Parental preference", "Health", "Dissatisfied with school"]))
                continue
            urn = world.pick(world.schools)
            phase_start = birthday(child, 4 if child.age_on(world.as_at) < 11 else 11)
            world.add("ext_school_roll", roll_roll_id=world.next_id("SR"), roll_person_id=child.person_id,
                      roll_urn=urn, roll_start_date=phase_start, roll_end_date=None,
                      roll_education_consultant=world.pick(["A. Consultant", "B. Adviser", "C. Officer"]))


# ---- homelessness and deaths -----------------------------------------------------------------
def homeless_16plus(world: World, child: Child) -> None:
    sixteen = birthday(child, 16)
    notified = sixteen + world.days(0, 700)
    if notified > world.as_at or notified < world.sim_start:
        return
    assessed = notified + world.days(1, 20)
    disposed = assessed + world.days(1, 40)
    world.add("ext_homeless_16plus", home_notification_id=world.next_id("HN"), home_person_id=child.person_id,
              home_notification_date=notified, home_assessment_date=world.happened(assessed),
              home_disposal_date=world.happened(disposed),
              home_disposal=world.weighted(codes.HOMELESS_DISPOSAL) if world.happened(disposed) else None,
              home_team=world.pick(world.teams_by_kind["LC"]).team_id)


def child_death(world: World, child: Child, when: date) -> None:
    world.deaths[child.person_id] = when
    for row in reversed(world.rows["ssd_person"]):
        if row["pers_person_id"] == child.person_id:
            row["pers_death_date"] = when
            break
    world.add("ext_child_deaths", chde_id=world.next_id("CD"), chde_person_id=child.person_id, chde_death_date=when,
              chde_notification_date=when + world.days(0, 5),
              chde_category=world.weighted({"Expected": 60, "Unexpected": 40}),
              chde_known_status=world.weighted({"Open case": 40, "Previously known": 60}))


# ---- quality assurance -----------------------------------------------------------------------
def audits(world: World) -> Iterator[int]:
    """The annual audit programme plus monthly compliance audits by team managers.

    Runs once, after every family: audited cases are drawn uniformly from the involvements of
    the world's bounded reservoir sample (the history itself has been streamed to the database by
    then) that were open in the audit month or the six months before it: an audit reads a
    current or recent case, never one of a child not yet born or who has died. Yields the number
    of months done after each month, so the caller can hand over a batch.
    """
    sample = [inv for inv in world.involvement_sample if inv[0] not in world.deaths]
    if not sample:
        return
    month = date(world.history_start.year, world.history_start.month, 1)
    done = 0
    while month <= world.as_at:
        month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        recent = month - timedelta(days=183)
        involvements = [inv for inv in sample if inv[3] <= month_end and (inv[4] is None or inv[4] >= recent)]
        if not involvements:
            month = month_end + timedelta(days=1)
            continue
        activity = AUDIT_TIMETABLE.get(month.month)
        if activity:
            theme = world.pick(THEMES) if activity == "thematic" else None
            for _ in range(AUDITS_PER_ACTIVITY[activity] * max(1, world.scale // 2)):
                _audit(world, world.pick(involvements), activity, theme, month)
        for team in world.teams.values():
            if team.workers:
                for _ in range(2):
                    _audit(world, world.pick(involvements), "compliance", None, month, auditor=team.manager_id)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        done += 1
        yield done


def _audit(world: World, involvement: tuple, activity: str, theme: str | None, month: date,
           auditor: str | None = None) -> None:
    person_id, worker_id, team_id = involvement[:3]
    due = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    completed: date | None = due - world.days(0, 25) if world.chance(0.85) else due + world.days(1, 60)
    completed = world.happened(completed)
    grade = world.weighted(codes.AUDIT_GRADES) if completed else None
    audit_id = world.next_id("AU")
    moderated = bool(completed) and (grade in ("Outstanding", "Inadequate") or world.chance(0.1))
    world.add("ext_case_audits", audi_audit_id=audit_id, audi_person_id=person_id,
              audi_worker_id=worker_id, audi_team_id=team_id,
              audi_auditor_id=auditor or world.pick(world.staff_by_role["AUDITOR"] + world.staff_by_role["IRO"]),
              audi_audit_type=activity, audi_theme=theme, audi_due_date=due, audi_completed_date=completed,
              audi_grade=grade, audi_moderated=moderated,
              audi_moderation_outcome=(world.weighted({"Agreed": 80, "Upgraded": 8, "Downgraded": 12})
                                       if moderated else None))
    if completed:
        for area in world.rng.sample(codes.AUDIT_PRACTICE_AREAS, world.rng.randint(2, 5)):
            world.add("ext_audit_findings", aufi_finding_id=world.next_id("FI"), aufi_audit_id=audit_id,
                      aufi_practice_area=area,
                      aufi_judgement=world.weighted({"Strength": 55, "Area for development": 45}))


def supervisions(world: World) -> None:
    """Case supervision roughly monthly for every allocated case (some gaps: compliance varies).

    Runs per batch of families, over that batch's involvements (an involvement's supervisions
    depend only on the involvement itself).
    """
    managers = {team.team_id: team.manager_id for team in world.teams.values()}
    for inv in list(world.rows["ssd_involvements"]):
        start = inv["invo_involvement_start_date"]
        stop = inv["invo_involvement_end_date"] or world.as_at
        if stop < world.history_start or inv["invo_professional_team"] not in managers:
            continue
        when = max(start, world.history_start) + world.days(10, 30)
        while when <= stop:
            world.add("ext_case_supervisions", casu_supervision_id=world.next_id("SU"),
                      casu_person_id=inv["invo_person_id"], casu_worker_id=inv["invo_professional_id"],
                      casu_supervisor_id=managers[inv["invo_professional_team"]], casu_supervision_date=when)
            when = when + (world.days(20, 35) if world.chance(0.8) else world.days(36, 90))
