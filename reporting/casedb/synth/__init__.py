"""A deterministic synthetic local authority in the SSD schema.

`generate_batches(config, scale, seed, as_at)` simulates families from before the history
window up to the as-at date and yields the rows of every table in batches of families, so
memory stays bounded at any scale (`seed_database` loads each batch as it comes);
`generate(...)` collects the whole stream (tests, small scales). Same arguments, same rows:
all randomness comes from one seeded `random.Random` (plus the audit sample's and the adoption
step's own seeded ones), and the simulation visits families, dates and tables in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from reporting.casedb.synth.adopters import adoption_journeys
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

__all__ = ["SCALES", "generate", "generate_batches", "load_synth_config"]

Progress = Callable[[str, float], None]


Rows = dict[str, list[dict]]

# Families per batch: each batch is simulated, post-processed and handed to the loader, then
# dropped. 2,000 camden families are ~100k rows (~100 MB of dicts); the figure only trades
# memory for the number of load round trips, never the rows made.
BATCH_FAMILIES = 2000


def generate(config: SynthConfig, scale: str, seed: int, as_at: date,
             progress: Progress | None = None) -> Rows:
    """Every row of every table in memory at once: fine for camden, use the batches beyond."""
    rows: Rows = {}
    for batch in generate_batches(config, scale, seed, as_at, progress):
        for table, table_rows in batch.items():
            rows.setdefault(table, []).extend(table_rows)
    return rows


def generate_batches(config: SynthConfig, scale: str, seed: int, as_at: date,
                     progress: Progress | None = None, batch_families: int = BATCH_FAMILIES) -> Iterator[Rows]:
    """The authority as a stream of batches; load them in order (later batches reference earlier ones).

    The first batch is the organisation (teams, staff, schools), then families in date order,
    then the direct entries to care, and last the audit programme.
    """
    world = World(config, SCALES[scale], seed, as_at)
    build_organisation(world)
    yield world.take_rows()
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
                # A child dies after the last thing the service did with them (their journey is
                # simulated whole first): nothing may be recorded after a death (DfE CIN rules
                # 8915, 8920), and an open case or a child in care is not the one chosen.
                death = max(first_contact, _last_event(world, child.person_id)) + world.days(30, 900)
                if world.happened(death) and child.open_episode is None and not child.in_care:
                    child_death(world, child, death)
        if (n + 1) % batch_families == 0:
            yield _finish_batch(world)
        if progress and n % 2000 == 0:
            progress("families", n / families)
    # Direct entries are families too (60,000 at london): batched the same way.
    for n, _ in enumerate(_direct_entries_to_care(world), start=1):
        if n % batch_families == 0:
            yield _finish_batch(world)
    yield _finish_batch(world)
    for months in audits(world):  # ~100,000 audits at london: a batch a year
        if months % 12 == 0:
            yield world.take_rows()
    yield world.take_rows()
    if progress:
        progress("families", 1.0)


def _last_event(world: World, person_id: str) -> date:
    """The latest date on any row of this person in the batch being built (their whole journey)."""
    latest = date.min
    for rows in world.rows.values():
        for row in rows:
            if person_id not in row.values():
                continue
            for value in row.values():
                if isinstance(value, date) and value > latest and value <= world.as_at:
                    latest = value
    return latest


def _finish_batch(world: World) -> Rows:
    """Per-batch steps that read the batch's own rows, then hand the batch over.

    Each reads only rows of the children in the batch (their school roll, care episodes and
    involvements), so running them per batch gives the same distributions as one pass at the end.
    """
    special_educational_needs(world)
    permanence(world)
    adoption_journeys(world)
    supervisions(world)
    world.sample_involvements(world.rows.get("ssd_involvements", []))
    return world.take_rows()


# Who comes into care straight from a referral: babies removed at birth, young children in a
# crisis, adolescents (family breakdown, remand) and unaccompanied asylum-seeking children, whom
# inner-London boroughs look after in numbers (config/calibration.yml: UASC share).
DIRECT_ENTRY = {"newborn": 18, "young child": 18, "adolescent": 40, "unaccompanied": 18}
UASC_NATIONALITIES = {"Afghan": 30, "Eritrean": 20, "Sudanese": 20, "Iranian": 12, "Vietnamese": 10, "Albanian": 8}


def _direct_entries_to_care(world: World) -> Iterator[None]:
    """Children who come into care straight from a referral (DIRECT_ENTRY).

    Yields after each child, so the caller can hand over a batch.
    """
    years = (world.as_at - world.sim_start).days / 365
    for _ in range(int(world.config.journey.direct_looked_after_per_year * years * world.scale)):
        when = world.sim_start + timedelta(days=world.rng.randrange((world.as_at - world.sim_start).days))
        kind = world.weighted(DIRECT_ENTRY)
        if kind == "unaccompanied":  # 86% are 16+, 96% boys (England 2023, DfE CLA)
            children = make_family(world, when, eldest_age=world.rng.choice([14, 15, 16, 16, 17, 17]), size=1,
                                   sex="M" if world.chance(0.95) else "F",
                                   nationality=world.weighted(UASC_NATIONALITIES))
            children[0].uasc = True
        else:
            age = {"newborn": 0, "young child": world.rng.randint(3, 9)}.get(kind, world.rng.randint(10, 16))
            children = make_family(world, when, eldest_age=age, size=1, newborn=kind == "newborn")
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
        yield
