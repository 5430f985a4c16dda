"""Shared state of one generation run: the random source, the clock, ids and the rows made.

Every generator module takes a `World` and appends rows to `world.rows[table]`. Nothing is
written to the database until the end, in one bulk load per table, so generation is a pure
function of (scale, seed, as_at, config): the same arguments give the same rows.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from reporting import calendar
from reporting.casedb.synth.config import SynthConfig


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
        self.rows: dict[str, list[dict]] = defaultdict(list)
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

    # ---- staff -----------------------------------------------------------------------
    def worker_in(self, kind: str, on: date) -> Worker:
        """A social worker of a team of this kind in post on that date (allocation)."""
        team = self.pick(self.teams_by_kind[kind])
        in_post = [
            w for w in team.workers
            if w.role in ("SW", "SP") and w.start <= on and (w.leave is None or w.leave > on)
        ]
        return self.pick(in_post or [w for w in team.workers if w.role in ("SW", "SP")])
