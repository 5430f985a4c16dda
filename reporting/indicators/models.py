"""Strict models for indicator definitions (`indicators/<id>.yml`) and benchmarks.

An indicator is defined once and reused by every overview, so its contract is strict like a
report definition's (`extra="forbid"`): a typo fails with the file and field, not a wrong figure.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Unit = Literal["percent", "rate_per_10000", "count", "days"]
# `neutral` is for activity volumes (contacts, referrals): no direction is better, so no RAG.
Polarity = Literal["high_is_good", "low_is_good", "neutral"]
# month: flow within the reporting period (a month for monthly overviews, the quarter or year for
# longer ones; history points are always months). rolling_12_months / year_to_date: flow over the
# 12 months / the financial year (from 1 April) to the period end. snapshot: position at the end.
Basis = Literal["month", "rolling_12_months", "year_to_date", "snapshot"]
INDICATOR_ID = r"^[a-z][a-z0-9_]{2,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RagBands(Strict):
    """Thresholds: with high_is_good, green at or above `green`, amber at or above `amber`;
    with low_is_good, green at or below `green`, amber at or below `amber`; otherwise red."""

    green: float
    amber: float


class Indicator(Strict):
    id: str = Field(pattern=INDICATOR_ID)
    title: str
    area: str = Field(description="Service area, used to group indicators in overviews and docs.")
    population: str = Field("This authority", description="Whose figure it is, as a trend's legend and the "
                            "e-mail's headline name it: the authority, or a service or team (a team's copy "
                            "of an overview shows these figures, not the team's own).")
    description: str = Field(min_length=20)
    numerator: str = Field(description="What is counted, in words.")
    denominator: str | None = Field(None, description="What it is a share of, in words (not for counts).")
    unit: Unit
    polarity: Polarity
    # One target for every year, or {financial year (the year of its April): target}; a year not
    # listed takes the latest earlier year's target. Where it comes from is `target_source`.
    target: float | dict[int, float] | None = None
    target_source: str | None = Field(None, description="Who set the target, when and why (a local target "
                                      "with no published source says it is a local assumption).")
    rag: RagBands | None = None
    basis: Basis
    benchmark: str | None = Field(None, description="Series id in config/benchmarks.yml.")
    denominator_is_population: bool = Field(False, description="Rate per 10,000 of the child population "
                                            "(config/population.yml children_0_17).")
    standard: str | None = None
    definition: str = Field(min_length=20, description="The definition the figure follows and its source (DfE "
                            "guidance or statistics, a regulation, the seed's local standard).")
    deviation: str | None = Field(None, description="Where and why this figure differs from that definition.")
    companion: str | None = Field(None, pattern=INDICATOR_ID, description="An indicator shown beside this one: "
                                  "the same measure on another basis (e.g. headcount beside FTE).")
    decimals: int = Field(1, ge=0, le=3)

    def target_for(self, day) -> float | None:
        """The target in force for a period ending on `day` (its financial year's)."""
        if not isinstance(self.target, dict):
            return self.target
        year = day.year if day.month >= 4 else day.year - 1
        years = [y for y in self.target if y <= year]
        return self.target[max(years)] if years else None

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.target is not None and not self.target_source:
            raise ValueError("a target needs target_source: who set it and on what basis (or that it is a "
                             "local assumption)")
        if self.rag is not None:
            if self.polarity == "neutral":
                raise ValueError("rag bands need a polarity of high_is_good or low_is_good, not neutral")
            if self.polarity == "high_is_good" and self.rag.amber > self.rag.green:
                raise ValueError("with high_is_good, rag.amber must be at or below rag.green")
            if self.polarity == "low_is_good" and self.rag.amber < self.rag.green:
                raise ValueError("with low_is_good, rag.amber must be at or above rag.green")
        if self.unit in ("percent", "days") and self.denominator is None:
            raise ValueError(f"a {self.unit} indicator needs a denominator (what it is a share/mean of)")
        if self.unit == "rate_per_10000" and not self.denominator_is_population:
            raise ValueError("a rate_per_10000 indicator needs denominator_is_population: true")
        return self


NOT_PUBLISHED = "not published"
# Comparator keys of a benchmark series and how reports name them. camden is the authority's own
# published figure (the DfE's, not ours); statistical_neighbours is the mean of the neighbour
# group in config/benchmark_sources.yml, given for a year only when every neighbour is published.
COMPARATORS = {"england": "England", "inner_london": "Inner London", "camden": "Camden",
               "statistical_neighbours": "Statistical neighbours"}


class BenchmarkSource(Strict):
    source: str
    note: str | None = None
    values: dict[int, float] = {}

    @field_validator("values")
    @classmethod
    def _years(cls, values: dict[int, float]) -> dict[int, float]:
        for year in values:
            if not 2000 <= year <= 2100:
                raise ValueError(f"year {year} is not a year ending 31 March (expected e.g. 2024)")
        return values


class BenchmarkSeries(Strict):
    title: str
    unit: Unit
    england: BenchmarkSource
    inner_london: BenchmarkSource
    # optional so a series written before these comparators existed still loads; a missing one
    # is "not published" (no value), never filled in
    camden: BenchmarkSource = BenchmarkSource(source=NOT_PUBLISHED)
    statistical_neighbours: BenchmarkSource = BenchmarkSource(source=NOT_PUBLISHED)


class Benchmarks(Strict):
    series: dict[str, BenchmarkSeries]
