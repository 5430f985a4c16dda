"""The child population behind rates per 10,000 children: ONS mid-year estimates by year.

`config/population.yml` holds each published estimate with its source. A period's rate uses the
estimate the DfE would use for its reporting year (year ending 31 March Y: mid-year Y-1); when that
one is not published yet, the latest earlier one, and `Denominator.note` says so for the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reporting import settings
from reporting.errors import ConfigError


class PopulationConfigError(ConfigError):
    """config/population.yml is missing or not as documented."""


class Series(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    source: str = Field(min_length=10)
    estimates: dict[int, int] = Field(min_length=1)


@dataclass(frozen=True)
class Denominator:
    value: int
    estimate_year: int  # the mid-year the estimate is for
    wanted_year: int  # the mid-year the DfE's rule asks for
    label: str
    source: str

    @property
    def note(self) -> str:
        """What a report prints under a rate."""
        text = f"Rate per 10,000 of {self.value:,} {self.label} (ONS mid-{self.estimate_year} estimate)"
        if self.estimate_year != self.wanted_year:
            text += (f"; the mid-{self.wanted_year} estimate this period calls for is not published yet, so "
                     f"the latest, mid-{self.estimate_year}, is used")
        return text + "."


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, Series]:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return {name: Series.model_validate(body) for name, body in raw.items()}
    except OSError as error:
        raise PopulationConfigError(f"{path}: cannot read: {error.strerror}") from None
    except (yaml.YAMLError, AttributeError) as error:
        raise PopulationConfigError(f"{path}: not valid YAML of population series: {error}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise PopulationConfigError(f"{path}: {problems}") from None


def series(name: str = "children_0_17", path: Path | None = None) -> Series:
    path = path or settings.config_dir() / "population.yml"
    try:
        loaded = _load(str(path), path.stat().st_mtime)
    except OSError:
        raise PopulationConfigError(f"{path}: missing; expected the ONS mid-year estimates (see docs/indicators.md)") \
            from None
    if name not in loaded:
        raise PopulationConfigError(f"{path}: no series {name!r}; it has {', '.join(sorted(loaded))}")
    return loaded[name]


def reporting_year(day: date) -> int:
    """The year ending 31 March that `day` falls in (the DfE's reporting year)."""
    return day.year if day.month <= 3 else day.year + 1


def denominator_for(day: date, name: str = "children_0_17") -> Denominator:
    """The population for a period ending on `day`.

    :raises PopulationConfigError: when no estimate at or before the wanted year is configured.
    """
    wanted = reporting_year(day) - 1
    chosen = series(name)
    years = [y for y in chosen.estimates if y <= wanted]
    if not years:
        raise PopulationConfigError(f"config/population.yml: no {name} estimate for mid-{wanted} or earlier "
                                    f"(it has {min(chosen.estimates)}-{max(chosen.estimates)})")
    year = max(years)
    return Denominator(chosen.estimates[year], year, wanted, chosen.label, chosen.source)
