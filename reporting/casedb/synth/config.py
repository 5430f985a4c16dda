"""Sizes, journey rates and defect rates of the synthetic authority (config/synthetic.yml)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reporting.settings import config_dir

SCALES = {"camden": 1, "county": 10, "london": 100}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = float


class Journey(_Strict):
    contact_to_referral: Share = Field(ge=0, le=1)
    known_family_contact_to_referral: Share = Field(ge=0, le=1)
    rereferral_within_year: Share = Field(ge=0, le=1)
    referral_to_assessment: Share = Field(ge=0, le=1)
    assessment_to_strategy: Share = Field(ge=0, le=1)
    assessment_to_cin_plan: Share = Field(ge=0, le=1)
    s47_to_icpc: Share = Field(ge=0, le=1)
    icpc_to_cp_plan: Share = Field(ge=0, le=1)
    cp_to_looked_after: Share = Field(ge=0, le=1)
    cin_to_looked_after: Share = Field(ge=0, le=1)
    rereferral_after_cp_plan: Share = Field(ge=0, le=1)
    previous_cp_to_strategy: Share = Field(ge=0, le=1)
    previous_cp_s47_to_icpc: Share = Field(ge=0, le=1)
    direct_looked_after_per_year: int = Field(ge=0)
    disabled_share: Share = Field(ge=0, le=1)
    disability_service_share: Share = Field(ge=0, le=1)


class Timeliness(_Strict):
    assessment_within_45_wd: Share = Field(ge=0, le=1)
    icpc_within_15_wd: Share = Field(ge=0, le=1)
    cp_visit_within_10_wd: Share = Field(ge=0, le=1)
    cp_review_on_time: Share = Field(ge=0, le=1)
    cin_visit_within_standard: Share = Field(ge=0, le=1)
    cin_review_within_standard: Share = Field(ge=0, le=1)
    lac_review_on_time: Share = Field(ge=0, le=1)
    lac_visit_on_time: Share = Field(ge=0, le=1)
    care_leaver_contact_within_8_weeks: Share = Field(ge=0, le=1)
    pathway_plan_within_6_months: Share = Field(ge=0, le=1)
    health_assessment_on_time: Share = Field(ge=0, le=1)


class Defects(_Strict):
    person_missing_ethnicity: Share = Field(ge=0, le=1)
    child_missing_upn: Share = Field(ge=0, le=1)
    cin_plan_end_before_start: Share = Field(ge=0, le=1)
    cp_visit_no_outcome: Share = Field(ge=0, le=1)
    episode_not_copied_to_sibling: Share = Field(ge=0, le=1)
    placement_not_care_package: Share = Field(ge=0, le=1)
    assessment_no_factors_form: Share = Field(ge=0, le=1)
    assessment_factors_inconsistent: Share = Field(ge=0, le=1)
    strategy_not_completed: Share = Field(ge=0, le=1)
    cp_review_outcome_not_recorded: Share = Field(ge=0, le=1)


class SynthConfig(_Strict):
    children_per_year: int = Field(gt=0)
    history_years: int = Field(gt=0)
    burn_in_years: int = Field(ge=0)
    journey: Journey
    timeliness: Timeliness
    defects: Defects


def load_synth_config(path: Path | None = None) -> SynthConfig:
    path = path or config_dir() / "synthetic.yml"
    try:
        return SynthConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise ValueError(f"{path}: {problems}") from None
