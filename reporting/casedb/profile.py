"""`mi db profile`: a case database against what a realistic inner-London authority looks like.

Each measure of `config/calibration.yml` is computed for the last complete reporting year (the
year to the last 31 March on or before the as-at date): an indicator from the library where one
exists (a flow counts the year, a position is at 31 March), else a named measure below, written in
the same building blocks and run on the same read-only connection. Any database works: the
synthetic authority (its calibration check) or a real council's SSD extract (a first look at
whether the data is whole). Values only; no child-level data leaves the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Engine

from reporting import settings
from reporting.casedb import readonly
from reporting.config_files import load_model
from reporting.errors import ConfigError
from reporting.schedules.periods import Period


class CalibrationConfigError(ConfigError):
    """config/calibration.yml is missing or not as documented."""


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    indicator: str | None = None
    measure: str | None = None
    target: float
    tolerance: float = Field(gt=0)
    source: str = Field(min_length=10)
    assumption: bool = False

    @model_validator(mode="after")
    def _one_way(self) -> Target:
        if (self.indicator is None) == (self.measure is None):
            raise ValueError(f"{self.id}: give exactly one of indicator or measure")
        if self.measure is not None and self.measure not in MEASURES:
            raise ValueError(f"{self.id}: unknown measure {self.measure!r}; "
                             f"expected one of {', '.join(sorted(MEASURES))}")
        return self


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    measures: list[Target] = Field(min_length=1)


@dataclass(frozen=True)
class Result:
    target: Target
    numerator: float | None
    denominator: float | None
    value: float | None

    @property
    def within(self) -> bool:
        return self.value is not None and abs(self.value - self.target.target) <= self.target.tolerance

    def as_json(self) -> dict:
        t = self.target
        return {"id": t.id, "label": t.label, "value": self.value, "target": t.target, "tolerance": t.tolerance,
                "within": self.within, "numerator": self.numerator, "denominator": self.denominator,
                "source": t.source, "assumption": t.assumption}


# Named measures: (numerator, denominator) at :as_at (31 March) or over :period_start..:period_end,
# as percentages unless `ratio`. Each is SQL in the building blocks (sql/_blocks/), like a report's.
_LAC = "{{ looked_after_at(':as_at') }}"


def _lac_share(condition: str, joins: str = "") -> str:
    return (f"select sum(case when {condition} then 1 else 0 end) as numerator, count(*) as denominator "
            f"from {_LAC} l join ssd_person per on per.pers_person_id = l.person_id {joins}")


def _legal(codes: str) -> str:
    return _lac_share(f"ls.lega_legal_status in ({codes})",
                      "left join ssd_legal_status ls on ls.lega_person_id = l.person_id "
                      "and ls.lega_legal_status_start_date <= :as_at "
                      "and (ls.lega_legal_status_end_date is null or ls.lega_legal_status_end_date > :as_at)")


def _placement(codes: str) -> str:
    return _lac_share(f"pl.clap_cla_placement_type in ({codes})",
                      "left join ssd_cla_placement pl on pl.clap_cla_placement_id = l.placement_id")


_AGE = "{{ age_years('per.pers_dob', ':as_at') }}"


def _leavers(condition: str) -> str:
    """A share of care leavers aged 19 to 21 (the DfE's cohort for activity and accommodation)."""
    return (f"select sum(case when {condition} then 1 else 0 end) as numerator, count(*) as denominator "
            "from ssd_care_leavers cl join ssd_person per on per.pers_person_id = cl.clea_person_id "
            f"where {_AGE} between 19 and 21 and (per.pers_death_date is null or per.pers_death_date > :as_at)")


MEASURES: dict[str, str] = {
    "lac_age_under_1": _lac_share(f"{_AGE} < 1"),
    "lac_age_1_4": _lac_share(f"{_AGE} between 1 and 4"),
    "lac_age_5_9": _lac_share(f"{_AGE} between 5 and 9"),
    "lac_age_10_15": _lac_share(f"{_AGE} between 10 and 15"),
    "lac_age_16_plus": _lac_share(f"{_AGE} >= 16"),
    "lac_care_orders": _legal("'C1', 'C2'"),
    "lac_placement_orders": _legal("'E1'"),
    "lac_section_20": _legal("'V2'"),
    "lac_uasc": _lac_share("exists (select 1 from ssd_immigration_status im where im.immi_person_id = l.person_id "
                           "and im.immi_immigration_status = 'UASC' "
                           "and im.immi_immigration_status_start_date <= :as_at "
                           "and (im.immi_immigration_status_end_date is null "
                           "or im.immi_immigration_status_end_date > :as_at))"),
    "lac_foster": _placement("'U1', 'U2', 'U3', 'U4', 'U5', 'U6'"),
    "lac_childrens_homes": _placement("'K1', 'K2'"),
    "lac_semi_independent": _placement("'H5', 'S1', 'P2'"),
    "lac_with_parents": _placement("'P1'"),
    "care_leavers_eet": _leavers("substr(cl.clea_care_leaver_activity, 1, 1) in ('F', 'P')"),
    "care_leavers_suitable": _leavers("cl.clea_care_leaver_accom_suitable = '1'"),
    "fte_per_worker": ("select sum(coalesce(p.prof_full_time_equivalency, 1.0)) as numerator, count(*) as denominator "
                       "from ext_staff s "
                       "left join ssd_professionals p on p.prof_professional_id = s.staf_professional_id "
                       "where s.staf_role in ('SW', 'SP') and s.staf_start_date <= :as_at "
                       "and (s.staf_leave_date is null or s.staf_leave_date > :as_at)"),
    "cin_aged_18_plus": ("select sum(case when " + _AGE + " >= 18 then 1 else 0 end) as numerator, "
                         "count(*) as denominator "
                         "from {{ open_cases_at(':as_at') }} o "
                         "join ssd_person per on per.pers_person_id = o.person_id"),
    "cin_disabled": ("select sum(case when exists "
                     "(select 1 from ssd_disability d where d.disa_person_id = o.person_id) "
                     "then 1 else 0 end) as numerator, count(*) as denominator "
                     "from {{ open_cases_at(':as_at') }} o"),
}
RATIOS = {"fte_per_worker"}  # the others are percentages


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Calibration:
    return load_model(Calibration, path, CalibrationConfigError)


def calibration(path: Path | None = None) -> Calibration:
    path = path or settings.config_dir() / "calibration.yml"
    try:
        return _load(str(path), path.stat().st_mtime)
    except OSError:
        raise CalibrationConfigError(f"{path}: missing; expected the calibration targets") from None


def reporting_year(as_at: date) -> Period:
    """The last complete reporting year: 1 April to the last 31 March on or before `as_at`."""
    end = date(as_at.year if as_at >= date(as_at.year, 3, 31) else as_at.year - 1, 3, 31)
    return Period(date(end.year - 1, 4, 1), end)


def profile(engine: Engine, as_at: date) -> tuple[Period, list[Result]]:
    """Every calibration measure for the reporting year before `as_at`, in the config's order."""
    from reporting.extract import expand_text
    from reporting.indicators.compute import IndicatorSession
    from reporting.indicators.loader import library

    year = reporting_year(as_at)
    params = {"period_start": year.start, "period_end": year.end, "as_at": year.end}
    results = []
    with readonly.reading(engine) as connection:
        session = IndicatorSession(connection)
        for target in calibration().measures:
            if target.indicator is not None:
                computed = session.compute(library().get(target.indicator), year)
                results.append(Result(target, computed.numerator, computed.denominator, computed.value))
                continue
            assert target.measure is not None  # Target._one_way: a measure when there is no indicator
            sql = expand_text(MEASURES[target.measure], f"profile measure {target.measure}")
            row = readonly.fetch(connection, sql, params).mappings().one()
            numerator, denominator = float(row["numerator"] or 0), float(row["denominator"] or 0)
            scale = 1.0 if target.measure in RATIOS else 100.0
            value = (round(scale * numerator / denominator, 3 if target.measure in RATIOS else 1)
                     if denominator else None)
            results.append(Result(target, numerator, denominator, value))
    return year, results
