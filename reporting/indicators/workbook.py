"""An overview's spreadsheet sheets: every indicator, and the 48-month trend in long form.

The rows are the KPI tiles' and trend charts' own figures (`reporting.indicators.overview`), in
the column contract of `reporting.render.tabular.write_xlsx`, which writes them before the team
table's sheet. Values are numbers in the indicator's unit (a percent as 0-100, as the report
shows it); a figure withheld by disclosure control stays `c`.
"""

from __future__ import annotations

from datetime import date

from reporting.indicators.models import Polarity, Unit

UNIT_WORDS: dict[Unit, str] = {"percent": "percent (0-100)", "rate_per_10000": "rate per 10,000 children",
                               "count": "count", "days": "working days"}
POLARITY_WORDS: dict[Polarity, str] = {"high_is_good": "higher is better", "low_is_good": "lower is better",
                                       "neutral": "neither (no direction is better)"}
SUPPRESSED = "c"  # the DfE symbol (reporting.disclosure)

INDICATOR_COLUMNS = [
    {"name": "id", "label": "Indicator ID", "type": "text"},
    {"name": "title", "label": "Indicator", "type": "text"},
    {"name": "period", "label": "Period", "type": "text"},
    {"name": "figures_cover", "label": "Figures cover", "type": "text"},
    {"name": "value", "label": "Value", "type": "decimal"},
    {"name": "unit", "label": "Unit", "type": "text"},
    {"name": "target", "label": "Target", "type": "decimal"},
    {"name": "rag", "label": "RAG", "type": "text"},
    {"name": "polarity", "label": "Polarity", "type": "text"},
    {"name": "previous", "label": "Previous period's value", "type": "decimal"},
    {"name": "england", "label": "England benchmark", "type": "decimal"},
    {"name": "england_year", "label": "England benchmark year (ending 31 March)", "type": "int"},
    {"name": "inner_london", "label": "Inner London benchmark", "type": "decimal"},
    {"name": "inner_london_year", "label": "Inner London benchmark year (ending 31 March)", "type": "int"},
]
TREND_COLUMNS = [
    {"name": "id", "label": "Indicator ID", "type": "text"},
    {"name": "month", "label": "Month ending", "type": "date"},
    {"name": "value", "label": "Value", "type": "decimal"},
]


def indicator_row(tile: dict, period: str) -> dict:
    """One KPI tile as a row of the Indicators sheet."""
    marks = {b["name"]: b for b in tile["benchmarks"]}
    england, inner = marks.get("England", {}), marks.get("Inner London", {})
    return {
        "id": tile["id"], "title": tile["label"], "period": period, "figures_cover": tile["window"],
        "value": SUPPRESSED if tile["suppressed"] else tile["raw"], "unit": UNIT_WORDS[tile["unit"]],
        "target": tile["target_raw"], "rag": (tile["rag"] or "not rated").capitalize(),
        "polarity": POLARITY_WORDS[tile["polarity"]],
        "previous": SUPPRESSED if tile["previous"] == SUPPRESSED else tile["previous_raw"],
        "england": england.get("value"), "england_year": england.get("year"),
        "inner_london": inner.get("value"), "inner_london_year": inner.get("year"),
    }


def trend_rows(trend: dict) -> list[dict]:
    """One indicator's monthly trend as rows of the Trend sheet, oldest month first."""
    return [{"id": trend["id"], "month": date.fromisoformat(p["month"]),
             "value": SUPPRESSED if p["value"] is None and p["display"] == SUPPRESSED else p["value"]}
            for p in trend["points"]]


def indicator_sheets(kpis: list[dict], trends: list[dict], period: str) -> list[tuple[str, list[dict], list[dict]]]:
    """(sheet title, columns, rows) of the Indicators and Trend sheets."""
    return [("Indicators", INDICATOR_COLUMNS, [indicator_row(k, period) for k in kpis]),
            ("Trend", TREND_COLUMNS, [row for t in trends for row in trend_rows(t)])]
