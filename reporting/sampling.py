"""Seeded random samples of a report's rows: the QA framework's moderation sample and the
front-door audit picks, driven by the definition's `sample:` field.

Reproducible by construction: the seed is derived from the report id and the period end (not
the clock, not Python's per-process hash), and rows are put in a canonical order before the
draw, so the same data for the same period gives the same sample on any engine and any re-run,
and the next period draws afresh. What was drawn, and from what seed, is returned for the
manifest; no child-level value is in it.
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import date
from typing import cast

from reporting.definitions import Sample

SEED_SOURCE = "sha256('<report_id>|<period_end ISO>'), first 15 hex digits"


def sample_seed(report_id: str, period_end: date) -> int:
    return int(hashlib.sha256(f"{report_id}|{period_end.isoformat()}".encode()).hexdigest()[:15], 16)


def _canonical(row: dict) -> tuple[str, ...]:
    # The row's own values as text: an order that does not depend on the SQL's ORDER BY ties.
    return tuple("" if value is None else str(value) for value in row.values())


def _matches(row: dict, rule) -> bool:
    return rule is not None and row.get(rule.column) is not None and str(row[rule.column]) in rule.values


def draw(rule: Sample, rows: list[dict], seed: int) -> tuple[list[int], dict]:
    """Indices (into `rows`) of the sampled rows, sorted, and a record of the draw."""
    order = sorted(range(len(rows)), key=lambda i: _canonical(rows[i]))
    if rule.eligible is not None:
        order = [i for i in order if rows[i].get(rule.eligible)]
    rng = random.Random(seed)
    always = [i for i in order if _matches(rows[i], rule.always_include)]
    taken = set(always)
    pool = [i for i in order if i not in taken]
    # Sample._one_size: a size whenever there is no fraction
    wanted = math.ceil(rule.fraction * len(order)) if rule.fraction is not None else cast(int, rule.size)
    wanted = min(wanted, len(pool))
    chosen: list[int] = []
    if rule.include_some_of is not None:
        # At least one of each named value (e.g. one Good, one Requires Improvement), so the
        # moderation sample is never only the extremes.
        for value in rule.include_some_of.values:
            candidates = [i for i in pool if str(rows[i].get(rule.include_some_of.column)) == value]
            if candidates and len(chosen) < wanted:
                chosen.append(rng.choice(candidates))
    some = set(chosen)
    rest = [i for i in pool if i not in some]
    chosen += rng.sample(rest, wanted - len(chosen))
    picked = sorted(set(chosen) | set(always))
    record = {
        "population": len(rows), "eligible": len(order), "selected": len(picked), "random": len(chosen),
        "always_included": len(always),
        "fraction": rule.fraction, "size": rule.size, "seed": seed, "seed_source": SEED_SOURCE,
        "flag_column": rule.flag_column, "kept": "all rows, sampled ones flagged" if rule.flag_column
        else "sampled rows only",
    }
    return picked, record


def apply_sample(rule: Sample | None, report_id: str, period_end: date,
                 rows: list[dict]) -> tuple[list[dict], dict | None]:
    """The rows with the sample applied (flagged, or filtered) and the manifest record."""
    if rule is None:
        return rows, None
    picked, record = draw(rule, rows, sample_seed(report_id, period_end))
    if rule.flag_column:
        chosen = set(picked)
        return [{**row, rule.flag_column: int(i in chosen)} for i, row in enumerate(rows)], record
    return [rows[i] for i in picked], record
