"""Money rates that change by financial year (`config/rates.yml`), as SQL for report definitions.

A rate is configuration, not data, so it is not in the case database; a report needs the rate of
its own period's financial year, and a re-run of last year's report must use last year's rate.
`yearly_rate_sql` turns the configured years into one SQL CASE over a date expression (the values
are numbers from config, validated here; no data value passes through it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reporting import settings
from reporting.errors import ConfigError


class RatesConfigError(ConfigError):
    """config/rates.yml is missing or not as documented."""


class YearRate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(ge=0)
    source: str = Field(min_length=10)


class Rate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    unit: str
    rates: dict[int, YearRate] = Field(min_length=1, description="Financial year (its April) -> rate.")


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, Rate]:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return {name: Rate.model_validate(body) for name, body in raw.items()}
    except OSError as error:
        raise RatesConfigError(f"{path}: cannot read: {error.strerror}") from None
    except (yaml.YAMLError, AttributeError) as error:
        raise RatesConfigError(f"{path}: not valid YAML of rates: {error}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise RatesConfigError(f"{path}: {problems}") from None


def rate(name: str, path: Path | None = None) -> Rate:
    path = path or settings.config_dir() / "rates.yml"
    try:
        loaded = _load(str(path), path.stat().st_mtime)
    except OSError:
        raise RatesConfigError(f"{path}: missing; expected rates by financial year (docs/adding-a-report.md)") from None
    if name not in loaded:
        raise RatesConfigError(f"{path}: no rate {name!r}; expected one of {', '.join(sorted(loaded))}")
    return loaded[name]


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def yearly_rate_sql(name: str, at: str, *, want: str = "value") -> str:
    """SQL for the rate (`want="value"`) or its source line (`want="source"`) in force on the date
    expression `at`: the rate of the financial year `at` falls in, else the latest earlier one (its
    source line then says the year's own rate is not configured)."""
    chosen = rate(name)
    years = sorted(chosen.rates)
    fiscal = (f"(cast(substr(cast({at} as varchar(10)), 1, 4) as integer) - "
              f"case when substr(cast({at} as varchar(10)), 6, 2) < '04' then 1 else 0 end)")
    arms = []
    for year in reversed(years):
        entry = chosen.rates[year]
        if want == "value":
            result = repr(float(entry.value)) if entry.value % 1 else str(int(entry.value))
        else:
            result = _sql_text(f"{year}-{str(year + 1)[2:]}: {entry.source}")
        arms.append(f"when {fiscal} = {year} then {result}")
    latest = chosen.rates[years[-1]]
    if want == "value":
        later = repr(float(latest.value)) if latest.value % 1 else str(int(latest.value))
    else:
        later = _sql_text(f"no rate configured for this financial year; the {years[-1]}-{str(years[-1] + 1)[2:]} "
                          f"rate is used: {latest.source}")
    arms.append(f"when {fiscal} > {years[-1]} then {later}")
    return "(case " + " ".join(arms) + " end)"
