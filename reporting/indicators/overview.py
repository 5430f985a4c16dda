"""Template context for overview reports: the front page, KPI tiles, 48-month trends, benchmarks,
team table, and the XLSX's Indicators and Trend sheets.

`reporting.runner.render_report` calls `overview_context` when a definition lists
`indicators:`. Every figure comes from the indicator library (one definition per figure) and is
recomputed from the case database for the period; nothing is stored between runs. Reports
marked `sensitivity: aggregate` (the CSCP data set) go outside the service, so counts of 1-5
become `c` with secondary suppression (`reporting.disclosure`), in the KPI tiles, their
comparisons with the previous period and the same period last year, the trends and the team table.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from sqlalchemy import Engine

from reporting import disclosure
from reporting.casedb import readonly
from reporting.definitions import Definition
from reporting.indicators import population
from reporting.indicators.compute import IndicatorSession, IndicatorValue, add_months, month_period
from reporting.indicators.front_page import Figure, front_page, period_words, with_population
from reporting.indicators.history import history
from reporting.indicators.loader import IndicatorDefinition, library, load_benchmarks
from reporting.indicators.models import Indicator
from reporting.indicators.workbook import indicator_sheets
from reporting.schedules.periods import Period
from reporting.text import MONTHS, lower_first, written_date

NO_BENCHMARK = "no benchmark"
UNIT_LABELS = {"percent": "%", "rate_per_10000": "per 10,000 children", "count": "", "days": "working days"}


def shift(period: Period, months: int) -> Period:
    """The period `months` earlier (negative: later), month ends kept as month ends."""
    end = add_months(period.end, -months)
    if (period.end + timedelta(days=1)).day == 1:
        end = month_period(end.year, end.month).end
    return Period(add_months(period.start, -months), end)


def months_in(period: Period) -> int:
    return max(1, round(period.days / 30.4))


def display(spec: Indicator, value: float | None) -> str:
    if value is None:
        return "no cases"
    if spec.unit == "percent":
        return f"{value:.{spec.decimals}f}%"
    # a count of children or events is a whole number; a mean (cases per FTE: a count with a
    # denominator) keeps its decimals, 14.0 beside last month's 13.7, not 14
    if spec.unit == "count" and spec.denominator is None and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{spec.decimals}f}"


def rag(spec: Indicator, value: float | None) -> str | None:
    if spec.rag is None or value is None:
        return None
    if spec.polarity == "high_is_good":
        return "green" if value >= spec.rag.green else "amber" if value >= spec.rag.amber else "red"
    return "green" if value <= spec.rag.green else "amber" if value <= spec.rag.amber else "red"


def direction(current: float | None, previous: float | None) -> str | None:
    if current is None or previous is None:
        return None
    return "same" if round(current - previous, 6) == 0 else ("up" if current > previous else "down")


def judgement(spec: Indicator, move: str | None) -> str | None:
    """Whether a move is an improvement, by polarity (volumes are neither)."""
    if move in (None, "same") or spec.polarity == "neutral":
        return None
    return "better" if (move == "up") == (spec.polarity == "high_is_good") else "worse"


def benchmark_year(day: date) -> int:
    """The latest DfE year (ending 31 March) a period ending on `day` can be compared with."""
    return day.year if day.month >= 4 else day.year - 1


COMPARATORS = (("england", "England"), ("inner_london", "Inner London"))
# The annual report adds the mean of the DfE's statistical neighbours (config/benchmarks.yml, filled
# by `mi benchmarks import`); a year not imported shows "no benchmark", as any gap does.
ANNUAL_COMPARATORS = (*COMPARATORS, ("statistical_neighbours", "Statistical neighbours"))


def year_label(year: int) -> str:
    """A DfE year (ending 31 March, keyed by its last year) as the financial year it is: "2024-25"."""
    return f"{year - 1}-{str(year)[2:]}"


def benchmarks(spec: Indicator, day: date, comparators: tuple[tuple[str, str], ...] = COMPARATORS) -> list[dict]:
    """England and inner-London comparators (or `comparators`): the latest published year up to the
    period's year, or "no benchmark" when none is known (never an estimate)."""
    out = []
    series = load_benchmarks().series.get(spec.benchmark) if spec.benchmark else None
    for key, label in comparators:
        source = getattr(series, key) if series else None
        years = sorted(y for y in (source.values if source else {}) if y <= benchmark_year(day))
        if years:
            assert source is not None  # years come from it
            value = source.values[years[-1]]
            out.append({"name": label, "year": years[-1], "year_label": year_label(years[-1]), "value": value,
                        "source": source.source,
                        "display": f"{label} {year_label(years[-1])}: {display(spec, value)}"})
        else:
            out.append({"name": label, "year": None, "year_label": None, "value": None,
                        "source": source.source if source else None, "display": f"{label}: {NO_BENCHMARK}"})
    return out


def _suppressed(spec: Indicator, value: IndicatorValue) -> bool:
    counts = [value.numerator] + ([] if value.denominator is None or spec.denominator_is_population
                                  else [value.denominator])
    return any(disclosure.is_primary(int(c)) for c in counts)


def _shown(spec: Indicator, value: IndicatorValue, aggregate: bool) -> str:
    """A figure as displayed: `c` when aggregate and its numerator or denominator is 1-5."""
    return disclosure.SUPPRESSED if aggregate and _suppressed(spec, value) else display(spec, value.value)


def kpi(indicator: IndicatorDefinition, session: IndicatorSession, period: Period, aggregate: bool) -> dict:
    spec = indicator.spec
    current = session.compute(indicator, period)
    previous = session.compute(indicator, shift(period, months_in(period)))
    last_year = session.compute(indicator, shift(period, 12))
    hidden = aggregate and _suppressed(spec, current)
    # the comparisons are published figures too; a move to or from a hidden one would narrow it
    # down (and "no change" would give it away), so it goes with it
    unmoved = hidden or (aggregate and _suppressed(spec, previous))
    move = direction(current.value, previous.value)
    marks = benchmarks(spec, period.end)
    notes = []
    if spec.denominator_is_population:  # which ONS estimate the rate is of, and if it is not the year's own
        notes.append(population.denominator_for(current.window.end).note)
    if current.value is None and not hidden and spec.denominator:
        # "no cases" alone read as nothing to look at: say what there was none of (no 18+ review
        # was held in the month, while many were overdue)
        notes.append(f"No figure: there were no {lower_first(spec.denominator.rstrip('.'))}.")
    if spec.companion:  # the same measure on another basis (headcount beside FTE)
        other = library().get(spec.companion)
        value = session.compute(other, period)
        notes.append(f"{other.spec.title}: {_shown(other.spec, value, aggregate)}")
    return {
        "id": spec.id, "label": spec.title, "area": spec.area, "unit": spec.unit,
        "value": _shown(spec, current, aggregate),
        "raw": None if hidden else current.value,
        "numerator": None if hidden else current.numerator,
        "denominator": None if hidden else current.denominator,
        "target": None if spec.target_for(period.end) is None else display(spec, spec.target_for(period.end)),
        # the numbers behind the front page (reporting.indicators.front_page) and the Indicators sheet
        "target_raw": spec.target_for(period.end), "polarity": spec.polarity,
        "previous_raw": None if aggregate and _suppressed(spec, previous) else previous.value, "withheld": unmoved,
        "rag": None if hidden else rag(spec, current.value),
        "direction": None if unmoved else move, "judgement": None if unmoved else judgement(spec, move),
        "previous": _shown(spec, previous, aggregate),
        # a year's previous period is the same period last year: shown once, not twice
        "same_period_last_year": None if months_in(period) >= 12 else _shown(spec, last_year, aggregate),
        "benchmarks": marks, "benchmark": " · ".join(b["display"] for b in marks),
        "basis": spec.basis, "window": f"{written_date(current.window.start)} to {written_date(current.window.end)}",
        "suppressed": hidden, "notes": notes,
    }


def trend(indicator: IndicatorDefinition, session: IndicatorSession, end: date, aggregate: bool) -> dict:
    spec = indicator.spec
    points = []
    for value in history(session, indicator, end):
        hidden = aggregate and _suppressed(spec, value)
        month = value.window.end if spec.basis != "month" else value.window.start
        label = f"{MONTHS[month.month - 1]} {month.year % 100:02d}"
        points.append({"label": label, "long_label": f"{MONTHS[month.month - 1]} {month.year}",
                       "month": value.window.end.isoformat(),
                       "value": None if hidden else value.value,
                       "display": disclosure.SUPPRESSED if hidden else display(spec, value.value)})
    marks = [b for b in benchmarks(spec, end) if b["value"] is not None]
    target = spec.target_for(end)
    return {"id": spec.id, "title": spec.title, "unit": UNIT_LABELS[spec.unit], "unit_id": spec.unit,
            "population": spec.population, "basis": spec.basis, "polarity": spec.polarity, "points": points,
            "target": target,
            "target_display": None if target is None else display(spec, target), "benchmarks": marks}


def four_years(indicator: IndicatorDefinition, session: IndicatorSession, period: Period,
               aggregate: bool) -> list[dict]:
    """The indicator over the same whole period in each of the last four years, oldest first: for
    the annual report four financial years, each computed over the whole year as this year's figure
    is (a flow counts the year; a position is at the year's end), never one month standing for it."""
    out = []
    for back in (3, 2, 1, 0):
        span = shift(period, 12 * back)
        value = session.compute(indicator, span)
        out.append({"label": period_label(span), "display": _shown(indicator.spec, value, aggregate)})
    return out


def period_label(period: Period) -> str:
    """A period as a column heading: "2025-26" for a financial year, "Sep 2026" for a month,
    else its first and last days."""
    if period.start.month == 4 and period.start.day == 1 and period.end == date(period.start.year + 1, 3, 31):
        return f"{period.start.year}-{str(period.start.year + 1)[2:]}"
    if period.start.day == 1 and period.end == month_period(period.start.year, period.start.month).end:
        return f"{MONTHS[period.start.month - 1]} {period.start.year}"
    return f"{written_date(period.start)} to {written_date(period.end)}"


def comparison_labels(period: Period) -> dict:
    """The column headings of the comparison table, naming the periods they show."""
    previous = shift(period, months_in(period))
    return {"this": period_label(period), "previous": period_label(previous),
            "last_year": None if months_in(period) >= 12 else period_label(shift(period, 12))}


def team_table(spec: Definition, rows: list[dict], aggregate: bool) -> dict | None:
    """The per-team table the overview's SQL returns, display-ready, with SDC when aggregate.

    Columns in the definition's order. The Total row adds up the counts; a percentage is worked
    out again from the totals of the two counts it is made of (`derived_from: [numerator,
    denominator]`), as the DfE's own totals are, not averaged over the teams; other columns have no
    total. A percentage with nothing to count it from (a team with no assessments) shows "–",
    and a note under the table says why.
    """
    if not rows:
        return None
    shown = [c for c in spec.columns if not c.hidden]
    label_col, figures = shown[0], shown[1:]
    table_rows = [{"group": r[label_col.name],
                   **{c.name: (r[c.name] or 0) if c.type == "int" else r[c.name] for c in figures}} for r in rows]
    total = {"group": "Total", **{c.name: _column_total(c, _parts(c, figures), table_rows) for c in figures}}
    table = {"columns": [{"name": "group", "label": label_col.label, "type": "text"}]
             + [{"name": c.name, "label": c.label, "type": c.type} for c in figures],
             "rows": table_rows + [total]}
    if aggregate:
        table = disclosure.suppress_summary(table)
    kinds = {c.name: c.type for c in figures}
    rates = {c.name: parts for c in figures if c.type == "percent" and (parts := _parts(c, figures))}
    formatted = [{k: NO_RATE if k in rates and v is None else _cell(v, kinds.get(k, "text")) for k, v in row.items()}
                 for row in table["rows"]]
    labels = {c.name: c.label for c in figures}
    notes = [f"{NO_RATE} in \u2018{labels[name]}\u2019: no {denominator.label.lower()}, so no percentage."
             for name, (_, denominator) in rates.items() if any(row[name] == NO_RATE for row in formatted)]
    return {"columns": [{"name": "group", "label": label_col.label, "type": "text"}]
                       + [{"name": c.name, "label": c.label, "type": "text"} for c in figures],
            "rows": formatted, "sdc": table.get("sdc"), "notes": notes}


NO_RATE = "\u2013"  # a percentage of nothing: the team had none of what it counts


def _parts(column, columns) -> tuple | None:
    """The (numerator, denominator) count columns a percentage names in `derived_from`, or None."""
    by_name = {c.name: c for c in columns}
    parts = tuple(by_name.get(n) for n in column.derived_from or ())
    return parts if len(parts) == 2 and all(p is not None and p.type == "int" for p in parts) else None


def _column_total(column, parts: tuple | None, rows: list[dict]):
    """The Total row's cell: a count's sum, a percentage of the summed counts it is made of
    (`parts`, from `_parts`), else None."""
    if column.type == "int":
        return sum(r[column.name] for r in rows)
    if column.type == "percent" and parts:
        numerator, denominator = (sum(r[part.name] for r in rows) for part in parts)
        return 100.0 * numerator / denominator if denominator else None
    return None


def _cell(value, kind: str) -> str:
    if value is None:
        return ""
    if value == disclosure.SUPPRESSED or kind in ("text", "date", "datetime", "month"):
        return str(value)
    if kind == "int":
        return f"{int(value):,}"
    return f"{float(value):.1f}{'%' if kind == 'percent' else ''}"


def overview_context(spec: Definition, rows: list[dict], period: Period, as_at: date,
                     engine: Engine | None = None) -> dict:
    """`kpis`, `indicator_trends` and `team_table` for an overview template.

    Without an engine (the Airflow render task, which has only the staged extract) the case
    database is `settings.casedb_url()`, the one the extract task read.
    """
    aggregate = spec.sensitivity == "aggregate"
    kpis, trends, queries = _figures(tuple(spec.indicators or ()), aggregate, period, engine)
    areas: dict[str, list[dict]] = {}
    for tile in kpis:
        areas.setdefault(tile["area"], []).append(tile)
    figures = [front_figure(library().get(k["id"]).spec, k) for k in kpis]
    annual = annual_sections(areas, trends, period) if months_in(period) >= 12 else None
    return {"kpis": kpis, "kpi_areas": areas, "indicator_trends": trends, "annual_sections": annual,
            "team_table": team_table(spec, rows, aggregate), "sdc_applied": aggregate,
            "indicator_queries": queries, "comparison": comparison_labels(period),
            "commentary": commentary(spec.id, period, list(areas)),
            "front_page": front_page(figures, period, shift(period, months_in(period))),
            # the XLSX's sheets before the team table's (reporting.runner.render_report)
            "workbook_sheets": indicator_sheets(kpis, trends, period_words(period))}


def annual_sections(areas: dict[str, list[dict]], trends: list[dict], period: Period) -> list[dict]:
    """The annual report's sections, one per service area: each indicator over four whole financial
    years, its target and RAG for this year, the latest published England, inner-London and
    statistical-neighbour figures (named by financial year), and the area's 48-month trends."""
    by_id = {t["id"]: t for t in trends}
    sections = []
    for area, tiles in areas.items():
        rows = []
        for tile in tiles:
            spec = library().get(tile["id"]).spec
            marks = benchmarks(spec, period.end, ANNUAL_COMPARATORS)
            rows.append({"id": tile["id"], "title": spec.title, "yearly": by_id[tile["id"]]["yearly"],
                         "target": tile["target"], "rag": tile["rag"], "value": tile["value"],
                         "benchmarks": [{"name": b["name"], "cell": _benchmark_cell(spec, b)} for b in marks]})
        sections.append({"area": area, "rows": rows, "trends": [by_id[t["id"]] for t in tiles]})
    return sections


def _benchmark_cell(spec: Indicator, mark: dict) -> str:
    """"2024-25: 22.6%" (the DfE year ending 31 March, named as a financial year) or "no benchmark"."""
    if mark["value"] is None:
        return NO_BENCHMARK
    return f"{mark['year_label']}: {display(spec, mark['value'])}"


def front_figure(spec: Indicator, tile: dict) -> Figure:
    """A KPI tile's figures for the front page: the same values, target and RAG the tile shows."""
    return Figure(id=spec.id, title=spec.title, population=spec.population, unit=spec.unit,
                  polarity=spec.polarity, value=tile["raw"],
                  previous=tile["previous_raw"], target=tile["target_raw"], rag=tile["rag"],
                  green=spec.rag.green if spec.rag else None, amber=spec.rag.amber if spec.rag else None,
                  decimals=spec.decimals, withheld=tile["withheld"])


def _figures(indicator_ids: tuple[str, ...], aggregate: bool, period: Period,
             engine: Engine | None) -> tuple[list[dict], list[dict], int]:
    """KPI tiles, trends and the number of queries they took (figures another report or copy of
    this run computed come from `run_figures` without a query)."""

    own = readonly.case_engine() if engine is None else None
    try:
        indicators = [library().get(i) for i in indicator_ids]
        with readonly.reading(cast(Engine, engine or own)) as connection:  # own is made when engine is None
            session = IndicatorSession(connection)
            kpis = [kpi(i, session, period, aggregate) for i in indicators]
            if len({i.spec.population for i in indicators}) > 1:  # whose figure each tile is (front_page)
                for tile, indicator in zip(kpis, indicators):
                    tile["label"] = with_population(tile["label"], indicator.spec.population)
            trends = [trend(i, session, period.end, aggregate) for i in indicators]
            if months_in(period) >= 12:  # the annual report: four whole years side by side
                for t, indicator in zip(trends, indicators):
                    t["yearly"] = four_years(indicator, session, period, aggregate)
    finally:
        if own is not None:
            own.dispose()
    return kpis, trends, session.queries


def commentary(report_id: str, period: Period, areas: list[str]) -> dict[str, list[str]]:
    """The performance team's commentary for this report and period, by area, from plain-text files
    a data officer writes: `<MI_COMMENTARY_DIR>/<report_id>/<period_end>/<area>.txt` (paragraphs
    separated by blank lines). An area with no file has no commentary section: nothing is printed
    in its place."""
    from reporting import settings

    folder = settings.commentary_dir() / report_id / period.end.isoformat()
    found = {}
    for area in areas:
        path = folder / f"{area}.txt"
        if path.is_file():
            paragraphs = [" ".join(p.split()) for p in path.read_text(encoding="utf-8").split("\n\n")]
            if any(paragraphs):
                found[area] = [p for p in paragraphs if p]
    return found

