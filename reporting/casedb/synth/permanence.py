"""Permanence: adoption and special guardianship journeys (ssd_permanence) and previous
permanence of children coming (back) into care (ssd_cla_previous_permanence).

Runs after the journeys over the periods of care already simulated. Timescales follow the
adoption scorecard (entering care to placement for adoption: national average about 15 months;
placement order to match about 6 months). About 4% of children starting to be looked after
had a previous permanence order (SSDA903 PREV_PERM; adoption, SGO or CAO).
"""

from __future__ import annotations

from datetime import timedelta

from reporting.casedb.synth.world import World

ADOPTED = ("E11", "E12")
SGO = ("E43", "E44", "E41")
# 903 PREV_PERM: adoption, SGO, CAO/residence order, a previous permanence order of unknown type.
# (Z1, no previous permanence option, is what the return says for a child with no row here.)
PREVIOUS_OPTION = {"P1": 40, "P2": 40, "P3": 15, "P4": 5}


def permanence(world: World) -> None:
    people_seen: set[str] = set()
    born = {p["pers_person_id"]: p["pers_dob"] for p in world.rows["ssd_person"]}
    adoption_workers = list(world.staff_by_role.get("SW", []))
    for episode in world.rows["ssd_cla_episodes"]:
        person_id = episode["clae_person_id"]
        reason = episode["clae_cla_episode_ceased_reason"]
        if episode["clae_cla_episode_start_reason"] == "S" and person_id not in people_seen:
            people_seen.add(person_id)
            started = episode["clae_cla_episode_start_date"]
            # an order (adoption, SGO, CAO) at least a year before coming back, after birth
            years_before = (started - born[person_id]).days - 30 if person_id in born else 0
            if world.chance(0.04) and years_before > 400:
                order = started - world.days(400, min(2500, years_before))
                world.add("ssd_cla_previous_permanence", lapp_table_id=world.next_id("PP"),
                          lapp_person_id=person_id, lapp_previous_permanence_order_date=order.isoformat(),
                          lapp_previous_permanence_option=world.weighted(PREVIOUS_OPTION),
                          lapp_previous_permanence_la=world.pick(["Camden", "Islington", "Barnet", "Haringey"]))
        if reason in ADOPTED or reason in SGO:
            _order(world, episode, reason in ADOPTED, adoption_workers)


def _order(world: World, episode: dict, adopted: bool, workers: list) -> None:
    entered = episode["clae_entered_care_date"]
    ceased = episode["clae_cla_episode_ceased_date"]
    if adopted:
        # The adoption episode is the placement for adoption (A4) under the placement order (E1)
        # that the period of care generator granted months before: the decision to place for
        # adoption comes before the order (rule 554).
        placed = episode["clae_cla_episode_start_date"]
        placement_order = next((row["lega_legal_status_start_date"] for row in reversed(world.rows["ssd_legal_status"])
                                if row["lega_person_id"] == episode["clae_person_id"]
                                and row["lega_legal_status"] == "E1"
                                and row["lega_legal_status_start_date"] <= placed), placed)
        decision = max(entered, placement_order - world.days(30, 240))
    else:
        decision = max(entered, min(entered + world.days(60, 300), ceased - timedelta(days=60)))
        placement_order = max(decision, min(decision + world.days(60, 200), ceased - timedelta(days=40)))
        placed = max(placement_order, min(placement_order + world.days(30, 240), ceased - timedelta(days=10)))
    world.add("ssd_permanence", perm_table_id=world.next_id("PM"), perm_person_id=episode["clae_person_id"],
              perm_cla_id=episode["clae_cla_id"], perm_adm_decision_date=decision if adopted else None,
              perm_ffa_cp_decision_date=None, perm_placement_order_date=placement_order if adopted else None,
              perm_placed_for_adoption_date=placed if adopted else None,
              perm_matched_date=max(decision, placed - world.days(7, 60)) if adopted else None,
              perm_adopted_by_carer_flag="Y" if adopted and world.chance(0.1) else "N",
              perm_placed_ffa_cp_date=None, perm_decision_reversed_date=None,
              perm_placed_foster_carer_date=None, perm_part_of_sibling_group="Y" if world.chance(0.3) else "N",
              perm_siblings_placed_together=None, perm_siblings_placed_apart=None,
              perm_placement_provider_urn=None, perm_decision_reversed_reason=None,
              perm_permanence_order_date=ceased, perm_permanence_order_type="Adoption order" if adopted
              else "Special guardianship order",
              perm_adoption_worker_id=world.pick(workers) if workers else None,
              perm_adopter_sex=world.pick(["MF", "MM", "FF", "F"]) if adopted else None,
              perm_adopter_legal_status=world.pick(["L11", "L12", "L2"]) if adopted else None,
              perm_number_of_adopters=world.pick(["1", "2", "2"]) if adopted else None)
