"""Adoption as Ofsted's Annex A lists 10 and 11 see it: adoption plans still in progress at the
as-at date, and the prospective adopters (ext_adopters) with their households' matches.

The period-of-care simulation records an adoption once it is complete (permanence.py); here,
per batch, come the decisions to place for adoption that are not complete at the as-at date
(some reversed), and the adopters: a household for every matched child, plus households still
being assessed, waiting, or who left the process. Timescales follow the two-stage assessment of
the Adoption Agencies Regulations (stage 1 about two months, stage 2 about four) and the
adoption scorecard's match after approval.

All draws come from the world's own adoption stream (`World.adoption_rng`), so adding this
step changed no other table's rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from reporting.casedb.synth.world import World

ADOPTER_ETHNICITY = {"WBRI": 52, "WOTH": 12, "WIRI": 4, "MWBC": 4, "MOTH": 3, "ABAN": 4, "AIND": 4,
                     "BAFR": 6, "BCRB": 3, "CHNE": 2, "OOTH": 4, "REFU": 2}
# RD1 the child's needs changed, RD2 the court did not make a placement order, RD3 no adopters
# found, RD4 any other reason (SSDA903).
REVERSAL_REASON = {"RD1": 30, "RD2": 35, "RD3": 15, "RD4": 20}
LEAVING_REASON = {"Withdrew": 75, "On hold": 15, "Refused": 10}
# Decisions to place for adoption among young children in care on a care order, and the share
# later reversed (England: about one decision in eight is reversed; adoption scorecard).
DECISION_SHARE = 0.3
REVERSED_SHARE = 0.12
# Households assessed for every household matched, the rest still in the process or gone.
EXTRA_HOUSEHOLDS = 1.3


def adoption_journeys(world: World) -> None:
    rng = world.adoption_rng
    _decisions_in_progress(world)
    for perm in list(world.rows.get("ssd_permanence", [])):
        matched = perm["perm_matched_date"]
        if perm["perm_adm_decision_date"] is None or matched is None:
            continue
        sexes = list(perm["perm_adopter_sex"] or "F")
        household = _household(world, len(sexes), sexes, matched=matched,
                               placed=perm["perm_placed_for_adoption_date"],
                               order=perm["perm_permanence_order_date"])
        world.add("ext_adoption_matches", adma_permanence_id=perm["perm_table_id"], adma_household_id=household)
        if rng.random() < EXTRA_HOUSEHOLDS - 1:
            _household_in_process(world)
        _household_in_process(world)


def _decisions_in_progress(world: World) -> None:
    """Decisions to place for adoption for young children in care at the as-at date, not yet
    matched (no placement order here: the order would change the legal status the period of
    care simulated)."""
    rng, as_at = world.adoption_rng, world.as_at
    born = {p["pers_person_id"]: p["pers_dob"] for p in world.rows.get("ssd_person", [])}
    decided = {p["perm_person_id"] for p in world.rows.get("ssd_permanence", [])}
    for episode in list(world.rows.get("ssd_cla_episodes", [])):
        person_id, entered = episode["clae_person_id"], episode["clae_entered_care_date"]
        ceased = episode["clae_cla_episode_ceased_date"]
        if person_id in decided or person_id not in born or (ceased is not None and ceased <= as_at):
            continue
        if episode["clae_cla_episode_start_date"] > as_at or (entered - born[person_id]).days > 4 * 365:
            continue
        if (as_at - entered).days < 150 or not _on_care_order(world, person_id, as_at):
            continue
        decided.add(person_id)
        if rng.random() >= DECISION_SHARE:
            continue
        decision = min(entered + timedelta(days=rng.randint(120, 300)), as_at - timedelta(days=14))
        reversed_on = decision + timedelta(days=rng.randint(60, 200)) if rng.random() < REVERSED_SHARE else None
        if reversed_on is not None and reversed_on > as_at:
            reversed_on = None
        world.add("ssd_permanence", perm_table_id=world.next_id("PM"), perm_person_id=person_id,
                  perm_cla_id=episode["clae_cla_id"], perm_adm_decision_date=decision,
                  perm_ffa_cp_decision_date=None, perm_placement_order_date=None,
                  perm_placed_for_adoption_date=None, perm_matched_date=None, perm_adopted_by_carer_flag="N",
                  perm_placed_ffa_cp_date=None, perm_decision_reversed_date=reversed_on,
                  perm_placed_foster_carer_date=None, perm_part_of_sibling_group="N",
                  perm_siblings_placed_together=None, perm_siblings_placed_apart=None,
                  perm_placement_provider_urn=None,
                  perm_decision_reversed_reason=_weighted(rng, REVERSAL_REASON) if reversed_on else None,
                  perm_permanence_order_date=None, perm_permanence_order_type=None, perm_adoption_worker_id=None,
                  perm_adopter_sex=None, perm_adopter_legal_status=None, perm_number_of_adopters=None)


def _on_care_order(world: World, person_id: str, on: date) -> bool:
    return any(row["lega_person_id"] == person_id and row["lega_legal_status"] in ("C1", "C2")
               and row["lega_legal_status_start_date"] <= on
               and (row["lega_legal_status_end_date"] is None or row["lega_legal_status_end_date"] > on)
               for row in world.rows.get("ssd_legal_status", []))


def _household(world: World, size: int, sexes: list[str], *, matched: date | None = None,
               placed: date | None = None, order: date | None = None, enquiry: date | None = None,
               leaves_at: str | None = None) -> str:
    """One household's adopters, their stage dates worked back from the match (or forward from
    the enquiry for a household not matched); dates after the as-at date have not happened."""
    rng, as_at = world.adoption_rng, world.as_at
    household = world.next_id("AH")
    if matched is not None:
        approval = matched - timedelta(days=rng.randint(30, 240))
        stage2_end = approval - timedelta(days=rng.randint(0, 20))
        stage2_start = stage2_end - timedelta(days=rng.randint(100, 140))
        stage1_end = stage2_start - timedelta(days=rng.randint(0, 30))
        stage1_start = stage1_end - timedelta(days=rng.randint(40, 75))
        enquiry = stage1_start - timedelta(days=rng.randint(7, 60))
    else:
        assert enquiry is not None
        stage1_start = enquiry + timedelta(days=rng.randint(7, 60))
        stage1_end = stage1_start + timedelta(days=rng.randint(40, 75))
        stage2_start = stage1_end + timedelta(days=rng.randint(0, 30))
        stage2_end = stage2_start + timedelta(days=rng.randint(100, 140))
        approval = stage2_end + timedelta(days=rng.randint(0, 20))
    left = reason = None
    if matched is None and leaves_at is None:
        # Approved and not matched: most households wait months; one still waiting after one to
        # two years withdraws.
        leaves_at = "waiting" if approval + timedelta(days=730) < as_at else None
    if leaves_at is not None:  # leaves after the enquiry, during stage 1, stage 2 or the wait
        left = {"enquiry": enquiry + timedelta(days=rng.randint(5, 40)),
                "stage 1": stage1_start + timedelta(days=rng.randint(10, 40)),
                "stage 2": stage2_start + timedelta(days=rng.randint(20, 90)),
                "waiting": approval + timedelta(days=rng.randint(365, 730))}[leaves_at]
        reason = _weighted(rng, LEAVING_REASON) if leaves_at == "stage 2" else "Withdrew"

    def when(d: date | None, after_leaving_stops: bool = True) -> date | None:
        if d is None or d > as_at or (after_leaving_stops and left is not None and d > left):
            return None
        return d

    ethnicity = _weighted(rng, ADOPTER_ETHNICITY)
    fostering_for_adoption = "Y" if rng.random() < 0.06 else "N"
    for n in range(size):
        world.add("ext_adopters", adop_adopter_id=world.next_id("AD"), adop_household_id=household,
                  adop_sex=sexes[n] if n < len(sexes) else rng.choice("MF"),
                  adop_ethnicity=ethnicity if n == 0 or rng.random() < 0.7 else _weighted(rng, ADOPTER_ETHNICITY),
                  adop_disability="Y" if rng.random() < 0.04 else "N",
                  adop_fostering_for_adoption=fostering_for_adoption,
                  adop_enquiry_date=enquiry, adop_stage1_start_date=when(stage1_start),
                  adop_stage1_end_date=when(stage1_end), adop_stage2_start_date=when(stage2_start),
                  adop_stage2_end_date=when(stage2_end),
                  adop_application_date=when(stage2_start), adop_approval_date=when(approval),
                  adop_matched_date=when(matched), adop_placed_date=when(placed),
                  adop_children_placed=1 if when(placed) else None,
                  adop_adoption_order_date=when(order), adop_left_date=when(left, after_leaving_stops=False),
                  adop_leaving_reason=reason if when(left, after_leaving_stops=False) else None)
    return household


def _household_in_process(world: World) -> None:
    """A household that made an enquiry in the history window and is not (yet) matched."""
    rng, as_at = world.adoption_rng, world.as_at
    span = (as_at - world.history_start).days
    enquiry = world.history_start + timedelta(days=rng.randrange(span))
    roll = rng.random()
    leaves_at = "enquiry" if roll < 0.25 else "stage 1" if roll < 0.35 else "stage 2" if roll < 0.45 else None
    size = 2 if rng.random() < 0.7 else 1
    sexes = rng.choice([["M", "F"], ["F", "F"], ["M", "M"]]) if size == 2 else [rng.choice("FFM")]
    if enquiry <= as_at:
        _household(world, size, sexes, enquiry=enquiry, leaves_at=leaves_at)


def _weighted(rng, choices: dict) -> str:
    return rng.choices(list(choices), weights=list(choices.values()))[0]
