"""An overview's front page: what is red, what changed most, what is furthest from target.

Built from the figures the KPI tiles show (`reporting.indicators.overview.kpi`: this period's
value, the previous period's, the target and RAG in force, the indicator's polarity), so the
front page and the tiles cannot disagree. Pure: no database, no template
(`tests/test_front_page.py` works each line out by hand).

The rules, which the page states too:

- RAG status: every indicator is red, amber, green, not rated (no RAG rule: neither direction is
  better, or no target) or has no figure this period (no cases, or withheld as `c`).
- Biggest changes: indicators where higher or lower is better, with a figure in both periods
  whose figure as shown (rounded to the indicator's decimals) changed, largest change as a share
  of the previous figure first (a change from 0 first of all). Each says in words whether the
  move is better or worse by the indicator's polarity, with colour as a second cue. Where neither
  direction is better (volumes, rates of the child population) the moves are one line of news
  below, with no verdict.
- Furthest from target: indicators with a target, a better direction and a figure that misses
  the target: red first, then amber; within each, the largest gap as a share of the target first.

Indicators left out of a list are counted on the page, by reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from reporting.indicators.models import Polarity, Unit
from reporting.schedules.periods import Period
from reporting.text import lower_first

TOP = 5  # lines in each list
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# after a figure (a percent carries its own %, a count nothing)
_UNIT_AFTER = {"percent": "", "rate_per_10000": " per 10,000 children", "days": " working days", "count": ""}
# after a difference of two figures
_DIFFERENCE_AFTER = {"percent": " percentage points", "rate_per_10000": " per 10,000 children",
                     "days": " working days", "count": ""}
_RAG_ORDER = {"red": 0, "amber": 1}
BETTER = {"high_is_good": "higher is better", "low_is_good": "lower is better",
          "neutral": "neither higher nor lower is better"}


@dataclass(frozen=True)
class Figure:
    """One indicator as the tiles show it for the period."""

    id: str
    title: str
    unit: Unit
    polarity: Polarity
    value: float | None  # this period; None: no cases, or withheld as c
    previous: float | None  # the previous period of the same length
    target: float | None = None
    rag: str | None = None  # red / amber / green for `value`; None when not rated or no figure
    green: float | None = None  # the RAG rule's thresholds; None: no rule
    amber: float | None = None
    decimals: int = 1
    withheld: bool = False  # a figure of either period shown as c (disclosure control)
    population: str = "This authority"  # whose figure: or a service or team (Indicator.population)


def period_words(period: Period) -> str:
    """A period in words: "September 2026", "July to September 2026", "2025-26 (April 2025 to
    March 2026)", else its first and last days."""
    start, end = period.start, period.end
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        first, last = MONTHS[start.month - 1], MONTHS[end.month - 1]
        if (start.year, start.month) == (end.year, end.month):
            return f"{first} {start.year}"
        if start.month == 4 and end.month == 3 and end.year == start.year + 1:
            return f"{start.year}-{str(end.year)[2:]} (April {start.year} to March {end.year})"
        if start.year == end.year:
            return f"{first} to {last} {end.year}"
        return f"{first} {start.year} to {last} {end.year}"
    return f"{start.day} {MONTHS[start.month - 1]} {start.year} to {end.day} {MONTHS[end.month - 1]} {end.year}"


def as_shown(figure: Figure, value: float) -> float:
    """The value as the report shows it (rounded to the indicator's decimals)."""
    return float(f"{value:.{figure.decimals}f}")


def number(figure: Figure, value: float) -> str:
    """A figure as the report shows it, without a unit after it: "23.0%", "412", "38.2"."""
    if figure.unit == "percent":
        return f"{value:.{figure.decimals}f}%"
    if figure.unit == "count" and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{figure.decimals}f}"


def shown(figure: Figure, value: float) -> str:
    """A figure in its unit: "23.0%", "412", "38.2 working days", "51.3 per 10,000 children"."""
    return number(figure, value) + _UNIT_AFTER[figure.unit]


def from_to(figure: Figure, then: float, now: float) -> str:
    """A move in words, the unit said once: "up from 18.2% to 23.0%", "down from 52.4 to 50.7 per
    10,000 children"."""
    way = "up" if now > then else "down"
    return f"{way} from {number(figure, then)} to {number(figure, now)}{_UNIT_AFTER[figure.unit]}"


def difference(figure: Figure, amount: float) -> str:
    """The size of a change or gap in the indicator's unit: "4.8 percentage points", "12"."""
    amount = abs(amount)
    if figure.unit == "count" and float(amount).is_integer():
        return f"{int(amount):,}"
    return f"{amount:,.{figure.decimals}f}{_DIFFERENCE_AFTER[figure.unit]}"


def band(figure: Figure, status: str) -> str:
    """What `status` means for this indicator, from its RAG rule: "red: above 25.0%"."""
    assert figure.green is not None and figure.amber is not None
    green, amber = number(figure, figure.green), number(figure, figure.amber)  # the unit said once, at the end
    if figure.polarity == "high_is_good":
        rule = {"green": f"{green} or more", "amber": f"{amber} or more, below {green}", "red": f"below {amber}"}
    else:
        rule = {"green": f"{green} or less", "amber": f"above {green}, up to {amber}", "red": f"above {amber}"}
    return f"{status}: {rule[status]}{_UNIT_AFTER[figure.unit]}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def rag_status(figures: Sequence[Figure], this: str) -> list[dict]:
    """A row per status: its count, what it means for these indicators, and (red and amber) which
    indicators, each with its figure and its own band. Red, amber and green always; the others
    when they have any."""
    rated = [f for f in figures if f.green is not None and f.amber is not None]
    target_is_green = all(f.target == f.green for f in rated)
    rows: list[dict] = []
    meaning = {
        "red": "Misses its target by more than its amber band (each one's limit beside it)."
        if target_is_green else "Worse than its amber threshold (each one's limit beside it).",
        "amber": "Misses its target, but within its amber band (each one's band beside it)."
        if target_is_green else "Between its green and amber thresholds (each one's band beside it).",
        "green": "Meets its target: at or above it where higher is better, at or below it where lower is better."
        if target_is_green else "At or better than its green threshold.",
    }
    for status in ("red", "amber", "green"):
        members = [f for f in rated if f.rag == status and f.value is not None]
        # red and amber each with its figure and band, one a line; green by name only
        rows.append({"status": status, "label": status.capitalize(), "count": len(members),
                     "meaning": meaning[status], "inline": status == "green",
                     "indicators": [f.title for f in members] if status == "green" else
                     [f"{f.title}: {shown(f, f.value)} ({band(f, status)})" for f in members if f.value is not None]})
    unrated = [f for f in figures if f not in rated]
    if unrated:
        neutral = sum(1 for f in unrated if f.polarity == "neutral")
        reasons = ([f"neither higher nor lower is better ({neutral})"] if neutral else []) + (
            [f"no target set ({len(unrated) - neutral})"] if len(unrated) > neutral else [])
        rows.append({"status": None, "label": "Not rated", "count": len(unrated), "inline": True,
                     "meaning": f"No RAG rule: {'; '.join(reasons)}.", "indicators": [f.title for f in unrated]})
    missing = [f for f in rated if f.value is None]
    if missing:
        why = "no cases, or a count of 1 to 5 withheld as c" if any(f.withheld for f in missing) else "no cases"
        rows.append({"status": None, "label": "No figure", "count": len(missing),
                     "meaning": f"A RAG rule, but no figure for {this} ({why}).", "inline": True,
                     "indicators": [f.title for f in missing]})
    return rows


def judgement(figure: Figure, now: float, before: float) -> str | None:
    """"better" or "worse" by polarity; None when neither direction is better."""
    if figure.polarity == "neutral":
        return None
    return "better" if (now > before) == (figure.polarity == "high_is_good") else "worse"


def biggest_changes(figures: Sequence[Figure], this: str, before: str, top: int = TOP) -> dict:
    """The `top` indicators whose shown figure changed most (as a share of the previous figure),
    each in words, and how many were left out and why."""
    moved: list[tuple[float, Figure, float, float]] = []
    no_figure = unchanged = 0
    withheld = False
    for f in figures:
        if f.value is None or f.previous is None:
            no_figure += 1
            withheld = withheld or f.withheld
            continue
        now, then = as_shown(f, f.value), as_shown(f, f.previous)
        if now == then:
            unchanged += 1
            continue
        moved.append((abs(now - then) / abs(then) if then else math.inf, f, now, then))
    moved.sort(key=lambda m: (-m[0], m[1].title))
    ranked = [m for m in moved if m[1].polarity != "neutral"]
    lines = []
    for share, f, now, then in ranked[:top]:
        verdict = judgement(f, now, then)
        word = "Better" if verdict == "better" else "Worse"
        move = f"{from_to(f, then, now)}; {BETTER[f.polarity]}"
        lines.append({
            "id": f.id, "title": f.title, "judgement": verdict, "word": word,
            "colour": "green" if verdict == "better" else "red", "text": move, "sentence": f"{word}: {move}",
            "change": f"{'+' if now > then else '-'}{difference(f, now - then)}",
            "share": "from zero" if math.isinf(share) else f"{share:.0%} of the {before} figure",
        })
    # where neither direction is better (volumes, rates of the population) the move is news, not
    # a verdict: said in one line, largest first, never coloured better or worse
    volumes = [f"{f.title} {from_to(f, then, now)}"
               for _, f, now, then in moved if f.polarity == "neutral"]
    left_out = []
    if len(ranked) > top:
        left_out.append(f"{len(ranked) - top} smaller changes not listed.")
    if unchanged:
        left_out.append(f"{_count(unchanged, 'indicator')} did not change (to the decimals shown).")
    if no_figure:
        why = "no cases, or a count of 1 to 5 withheld as c" if withheld else "no cases"
        left_out.append(f"{_count(no_figure, 'indicator')} left out: no figure for {before} or for {this} ({why}).")
    return {"lines": lines, "volumes": volumes, "left_out": left_out}


def furthest_from_target(figures: Sequence[Figure], this: str, top: int = TOP) -> dict:
    """The `top` indicators missing their target by most (red first, then amber, then any not
    rated; within each, the largest gap as a share of the target first), with value, target and
    gap in the unit, and how many were left out and why."""
    short: list[tuple[float, Figure, float, float]] = []
    no_target = no_direction = no_figure = met = 0
    for f in figures:
        if f.target is None:
            no_target += 1
        elif f.polarity == "neutral":
            no_direction += 1
        elif f.value is None:
            no_figure += 1
        else:
            now = as_shown(f, f.value)
            gap = f.target - now if f.polarity == "high_is_good" else now - f.target
            if gap <= 0:
                met += 1
            else:
                short.append((gap / abs(f.target) if f.target else math.inf, f, now, gap))
    short.sort(key=lambda s: (_RAG_ORDER.get(s[1].rag or "", 2), -s[0], s[1].title))
    lines = [{"id": f.id, "title": f.title, "population": f.population, "value": shown(f, now),
              "target": shown(f, f.target or 0),
              "gap": f"{difference(f, gap)} {'below' if f.polarity == 'high_is_good' else 'above'} target; "
                     f"{BETTER[f.polarity]}",
              "share": "no target to divide by" if math.isinf(share) else f"{share:.0%} of the target",
              "rag": f.rag}
             for share, f, now, gap in short[:top]]
    left_out = []
    if len(short) > top:
        left_out.append(f"{len(short) - top} more of the {len(short)} indicators that miss their target are not "
                        f"listed (every red and amber one is in the RAG status table).")
    if met:
        left_out.append(f"{_count(met, 'indicator meets its target', 'indicators meet their target')}.")
    if no_target:
        left_out.append(f"{_count(no_target, 'indicator')} left out: no target.")
    if no_direction:
        left_out.append(f"{_count(no_direction, 'indicator')} left out: a target but neither direction is better.")
    if no_figure:
        left_out.append(f"{_count(no_figure, 'indicator')} left out: no figure for {this}.")
    return {"lines": lines, "left_out": left_out}


def with_population(title: str, population: str) -> str:
    """An indicator named with whose figure it is: "Assessments ... (this authority)"."""
    return f"{title} ({lower_first(population)})"


def front_page(figures: Sequence[Figure], period: Period, previous: Period, top: int = TOP) -> dict:
    """Everything the overview's front page shows, display-ready. When its indicators are of more
    than one population (the GOSH overview: the GOSH team's, and two of the whole authority's),
    each is named with its population, so the authority's red figure is not read as the team's."""
    this, before = period_words(period), period_words(previous)
    mixed = len({f.population for f in figures}) > 1
    if mixed:
        figures = [replace(f, title=with_population(f.title, f.population)) for f in figures]
    return {"period": this, "previous": before, "compared": f"{this} compared with {before}", "mixed": mixed,
            "indicators": len(figures), "rag": rag_status(figures, this),
            "changes": biggest_changes(figures, this, before, top),
            "targets": furthest_from_target(figures, this, top), "top": top}


HEADLINE_LABELS = {"Red": "Indicators red", "Amber": "Indicators amber", "Green": "Indicators green",
                   "Not rated": "Indicators not rated", "No figure": "Indicators with no figure"}


def headline(page: dict) -> list[tuple[str, str]]:
    """An overview's e-mail headline: how many of its indicators are red, amber and green (and
    not rated, or without a figure), as its front page counts them; then the one furthest from
    its target. An overview has no list, so its row count (its team table's rows) says nothing."""
    figures = [(f"Indicators for {page['period']}", str(page["indicators"]))]
    figures += [(HEADLINE_LABELS[row["label"]], str(row["count"])) for row in page["rag"]]
    if page["targets"]["lines"]:
        first = page["targets"]["lines"][0]
        # whose figure it is: a team's copy of an overview carries the authority's (or a service's)
        # figures, and "74.7% (red)" under "For: GOSH Hospital Team 1" read as the team's own
        named = first["title"] if page.get("mixed") else with_population(first["title"], first["population"])
        figures.append(("Furthest from target", f"{named}: "
                                                f"{first['value']} against {first['target']} "
                                                f"({first['rag'] or 'not rated'})"))
    return figures
