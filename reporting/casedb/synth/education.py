"""Special educational needs: SEN support flags and EHC plans (SSD ssd_send / ssd_ehcp_* / ssd_sen_need).

Runs after the journeys, over the school roll, so the children it touches already exist. Rates
(England, DfE "Special educational needs in England" 2024 and "Outcomes for children in need,
including children looked after"): about 4.8% of pupils have an EHC plan and 13% SEN support;
among looked-after children about 29% have an EHC plan and 27% SEN support. About half of new
EHC plans are issued within the 20-week statutory limit.
"""

from __future__ import annotations

from datetime import date, timedelta

from reporting.casedb.synth.world import World

NEED_TYPES = {"SEMH": 30, "ASD": 22, "SLCN": 18, "MLD": 10, "SPLD": 5, "SLD": 5, "PD": 4, "HI": 2,
              "VI": 2, "MSI": 1, "PMLD": 1}
EHCP_SHARE = {"looked_after": 0.29, "pupil": 0.048}
SEN_SUPPORT_SHARE = {"looked_after": 0.27, "pupil": 0.13}


def special_educational_needs(world: World) -> None:
    looked_after = {r["clae_person_id"] for r in world.rows["ssd_cla_episodes"]}
    people = {r["pers_person_id"]: r for r in world.rows["ssd_person"]}
    upns = {r["link_person_id"]: r["link_identifier_value"] for r in world.rows["ssd_linked_identifiers"]
            if r["link_identifier_type"] == "Unique Pupil Number"}
    seen: set[str] = set()
    # The roll is visited in insertion order, so the same seed gives the same plans.
    for roll in world.rows["ext_school_roll"]:
        person_id = roll["roll_person_id"]
        if person_id in seen:
            continue
        seen.add(person_id)
        group = "looked_after" if person_id in looked_after else "pupil"
        draw = world.rng.random()
        if draw < EHCP_SHARE[group]:
            if _ehc_plan(world, person_id, upns.get(person_id), roll["roll_start_date"]):
                people[person_id]["pers_send_flag"] = "E"
        elif draw < EHCP_SHARE[group] + SEN_SUPPORT_SHARE[group]:
            people[person_id]["pers_send_flag"] = "K"


def _ehc_plan(world: World, person_id: str, upn: str | None, on_roll: date) -> bool:
    span = max((world.as_at - on_roll).days, 1)
    requested = on_roll + timedelta(days=world.rng.randint(0, span))
    decided = requested + world.days(20, 42)  # decision to assess: 6 weeks
    # Final plan: 20 weeks (140 days) from request; about half on time.
    issued = requested + (world.days(100, 140) if world.chance(0.5) else world.days(141, 260))
    if world.happened(issued) is None:
        return False
    send_id = world.next_id("SE")
    world.add("ssd_send", send_table_id=send_id, send_upn=upn, send_uln=None,
              send_upn_unknown=None if upn else "UN1", send_person_id=person_id)
    request_id = world.next_id("ER")
    world.add("ssd_ehcp_requests", ehcr_ehcp_request_id=request_id, ehcr_send_table_id=send_id,
              ehcr_ehcp_req_date=requested, ehcr_ehcp_req_outcome_date=decided, ehcr_ehcp_req_outcome="A")
    assessment_id = world.next_id("EA")
    world.add("ssd_ehcp_assessment", ehca_ehcp_assessment_id=assessment_id, ehca_ehcp_request_id=request_id,
              ehca_ehcp_assessment_outcome_date=issued, ehca_ehcp_assessment_outcome="Y",
              ehca_ehcp_assessment_exceptions=None)
    world.add("ssd_ehcp_named_plan", ehcn_named_plan_id=world.next_id("EN"), ehcn_ehcp_asmt_id=assessment_id,
              ehcn_named_plan_start_date=issued, ehcn_named_plan_ceased_date=None,
              ehcn_named_plan_ceased_reason=None)
    # Annual reviews: the last one held (most are on time; some plans are overdue a review).
    last_review = None
    review = issued + timedelta(days=365)
    while review <= world.as_at:
        last_review = review
        review = review + (world.days(330, 365) if world.chance(0.85) else world.days(366, 450))
    plan_id = world.next_id("EP")
    world.add("ssd_ehcp_active_plans", ehcp_active_ehcp_id=plan_id, ehcp_ehcp_request_id=request_id,
              ehcp_active_ehcp_last_review_date=last_review)
    for rank, need in enumerate(world.rng.sample(list(NEED_TYPES), world.rng.randint(1, 2)), start=1):
        world.add("ssd_sen_need", senn_table_id=world.next_id("SN"), senn_active_ehcp_id=plan_id,
                  senn_active_ehcp_need_type=need, senn_active_ehcp_need_rank=str(rank))
    return True
