"""A deterministic synthetic local authority in the SSD schema.

`generate(config, scale, seed, as_at)` simulates families from before the history window
up to the as-at date and returns the rows of every table; `seed_database` writes them.
Same arguments, same rows: all randomness comes from one seeded `random.Random`, and the
simulation visits families, dates and tables in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from reporting.casedb.synth.config import SCALES, SynthConfig, load_synth_config
from reporting.casedb.synth.education import special_educational_needs
from reporting.casedb.synth.journeys import family_journey, make_family
from reporting.casedb.synth.looked_after import enter_care
from reporting.casedb.synth.organisation import build_organisation
from reporting.casedb.synth.permanence import permanence
from reporting.casedb.synth.services import (
    audits,
    child_death,
    disability_service,
    homeless_16plus,
    schools_and_addresses,
    supervisions,
)
from reporting.casedb.synth.world import World

__all__ = ["SCALES", "generate", "load_synth_config"]

Progress = Callable[[str, float], None]


def generate(config: SynthConfig, scale: str, seed: int, as_at: date,
             progress: Progress | None = None) -> dict[str, list[dict]]:
    world = World(config, SCALES[scale], seed, as_at)
    build_organisation(world)
    span = (as_at - world.sim_start).days
    families = int(config.children_per_year / 1.6 * span / 365 * world.scale)
    # First contacts spread evenly over the simulated years, in date order.
    contacts = sorted(world.sim_start + timedelta(days=world.rng.randrange(span)) for _ in range(families))
    for n, first_contact in enumerate(contacts):
        children = make_family(world, first_contact)
        schools_and_addresses(world, children, first_contact)
        for child in children:
            if world.chance(config.journey.disabled_share):
                disability_service(world, child, first_contact)
        family_journey(world, children, first_contact)
        for child in children:
            # Young people who turn 16 or 17 inside the window: about 30 notifications a year.
            if child.age_on(world.sim_start) <= 17 and child.age_on(as_at) >= 16 and world.chance(0.02):
                homeless_16plus(world, child)
            if world.chance(0.0007):
                death = first_contact + world.days(30, 900)
                if world.happened(death):
                    child_death(world, child, death)
        if progress and n % 2000 == 0:
            progress("families", n / families)
    _direct_entries_to_care(world)
    special_educational_needs(world)
    permanence(world)
    supervisions(world)
    audits(world)
    if progress:
        progress("families", 1.0)
    return world.rows


def _direct_entries_to_care(world: World) -> None:
    """Children who come into care straight from a referral (remand, unaccompanied, crisis)."""
    years = (world.as_at - world.sim_start).days / 365
    for _ in range(int(world.config.journey.direct_looked_after_per_year * years * world.scale)):
        when = world.sim_start + timedelta(days=world.rng.randrange((world.as_at - world.sim_start).days))
        # Mostly adolescents: remands, unaccompanied young people, family breakdown.
        children = make_family(world, when, eldest_age=world.rng.randint(12, 17), size=1)
        schools_and_addresses(world, children, when)
        source = "6"
        referral_date = world.working_day_on_or_after(when)
        if referral_date > world.as_at:
            continue
        rid = world.next_id("R")
        children[0].open_episode = world.add(
            "ssd_cin_episodes", cine_referral_id=rid, cine_person_id=children[0].person_id,
            cine_referral_date=referral_date, cine_cin_primary_need_code="N1", cine_referral_source_code=source,
            cine_referral_source_desc="Police", cine_referral_outcome_json='{"outcome": "Looked after"}',
            cine_referral_nfa="N", cine_close_reason=None, cine_close_date=None,
            cine_referral_team=world.teams_by_kind["MASH"][0].team_id, cine_referral_worker_id=None)
        enter_care(world, children, referral_date, rid)
