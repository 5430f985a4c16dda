"""Shared state of one generation run: the random source, the clock, ids and the rows made.

Every generator module takes a `World` and appends rows to `world.rows[table]`. `world.rows`
holds only the batch of families being simulated: `take_rows()` hands the finished batch to
the loader and starts an empty one, so memory stays bounded at any scale (a family's rows are
only read or mutated while that family is being simulated). Generation is still a pure
function of (scale, seed, as_at, config): the same arguments give the same rows, in batches.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from reporting import working_calendar as calendar
from reporting.casedb.synth.config import SynthConfig

# Audits draw a few thousand involvements (camden) to about 100,000 (london) with replacement;
# 20,000 sampled involvements keep the draw uniform over teams and workers at any scale.
INVOLVEMENT_SAMPLE_SIZE = 20_000


@dataclass
class Worker:
    professional_id: str
    team_id: str
    role: str
    start: date
    leave: date | None


@dataclass
class Team:
    team_id: str
    name: str
    kind: str
    service_id: str
    manager_id: str = ""
    workers: list[Worker] = field(default_factory=list)


class World:
    def __init__(self, config: SynthConfig, scale: int, seed: int, as_at: date):
        self.config = config
        self.scale = scale
        self.rng = random.Random(seed)
        self.as_at = as_at
        self.history_start = as_at.replace(year=as_at.year - config.history_years)
        self.sim_start = as_at.replace(year=as_at.year - config.history_years - config.burn_in_years)
        # The last DfE census reference date (31 March) on or before the as-at date: records up to
        # it went through the census cleanse (validator errors fixed at source before submission).
        self.cleansed_until = date(as_at.year if (as_at.month, as_at.day) >= (3, 31) else as_at.year - 1, 3, 31)
        self.rows: dict[str, list[dict]] = defaultdict(list)
        # (person, worker, team) of a uniform sample of all involvements; see sample_involvements.
        # (person, worker, team, start, end): audits pick cases open around the audit month
        self.involvement_sample: list[tuple[str, str, str, date, date | None]] = []
        self.deaths: dict[str, date] = {}
        self._involvements_seen = 0
        self._sample_rng = random.Random(f"involvement-sample-{seed}")
        # Adopters and adoption plans in progress (adopters.py) draw from their own stream.
        self.adoption_rng = random.Random(f"adoption-{seed}")
        self._counters: dict[str, int] = defaultdict(int)
        self.teams: dict[str, Team] = {}
        self.teams_by_kind: dict[str, list[Team]] = defaultdict(list)
        self.staff_by_role: dict[str, list[str]] = defaultdict(list)
        self.schools: list[str] = []
        # Working-day lookup: the calendar's sorted working days, for O(log n) arithmetic.
        self._working_days = [
            row["cal_date"]
            for row in calendar.calendar_rows(calendar.CALENDAR_START, calendar.CALENDAR_END)
            if row["cal_is_working_day"]
        ]

    # ---- ids -------------------------------------------------------------------------
    def next_id(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}{self._counters[prefix]:07d}"

    # ---- randomness helpers ----------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def defect(self, rate: float, recorded: date | None) -> bool:
        """Whether a recording defect happens on a record dated `recorded`.

        Defects are drawn at `rate` (config/synthetic.yml) but survive only on records after the
        last census cleanse: the service fixes what the DfE validators reject before each return,
        so the returns validate while the data-quality reports still find the recent defects.
        """
        drawn = self.chance(rate)
        return drawn and recorded is not None and recorded > self.cleansed_until

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def weighted(self, choices: dict):
        return self.rng.choices(list(choices), weights=list(choices.values()))[0]

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    # ---- working days ----------------------------------------------------------------
    def add_working_days(self, d: date, n: int) -> date:
        """The nth working day after d (n >= 1), or d moved to a working day for n = 0."""
        i = bisect.bisect_right(self._working_days, d)
        if n == 0:
            return self._working_days[bisect.bisect_left(self._working_days, d)]
        return self._working_days[i + n - 1]

    def working_day_on_or_after(self, d: date) -> date:
        return self.add_working_days(d, 0)

    # ---- time bounds -----------------------------------------------------------------
    def happened(self, d: date | None) -> date | None:
        """Only events on or before the as-at date are recorded; later ones have not happened."""
        return d if d is not None and d <= self.as_at else None

    def add(self, table: str, **values) -> dict:
        self.rows[table].append(values)
        return values

    def take_rows(self) -> dict[str, list[dict]]:
        """The rows made since the last call (a finished batch); `rows` starts empty again."""
        batch, self.rows = dict(self.rows), defaultdict(list)
        return batch

    # ---- involvement sample (for audits) -----------------------------------------------
    def sample_involvements(self, involvements: list[dict]) -> None:
        """Reservoir-sample (algorithm R) the involvements seen so far.

        Case audits pick involvements uniformly from the whole authority's history, but the
        history is no longer in memory when audits are made: a fixed-size uniform sample is.
        It has its own seeded random source so sampling does not shift the main stream.
        """
        for inv in involvements:
            self._involvements_seen += 1
            kept = (inv["invo_person_id"], inv["invo_professional_id"], inv["invo_professional_team"],
                    inv["invo_involvement_start_date"], inv["invo_involvement_end_date"])
            if len(self.involvement_sample) < INVOLVEMENT_SAMPLE_SIZE:
                self.involvement_sample.append(kept)
            else:
                slot = self._sample_rng.randrange(self._involvements_seen)
                if slot < INVOLVEMENT_SAMPLE_SIZE:
                    self.involvement_sample[slot] = kept

    # ---- staff -----------------------------------------------------------------------
    def worker_in(self, kind: str, on: date) -> Worker:
        """A social worker of a team of this kind in post on that date (allocation)."""
        team = self.pick(self.teams_by_kind[kind])
        in_post = [
            w for w in team.workers
            if w.role in ("SW", "SP") and w.start <= on and (w.leave is None or w.leave > on)
        ]
        return self.pick(in_post or [w for w in team.workers if w.role in ("SW", "SP")])
