"""Load the indicator library (`indicators/*.yml` + `.sql`) and `config/benchmarks.yml`.

Like `reporting.definitions.load_catalogue`: every good indicator loads, each bad file becomes
one error naming the file, the field and what was expected, and the others keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from reporting import settings
from reporting.errors import DefinitionError, DefinitionLoadError, expected
from reporting.indicators.models import Benchmarks, Indicator


def indicators_dir() -> Path:
    return settings.current().indicators_dir


@dataclass(frozen=True)
class IndicatorDefinition:
    spec: Indicator
    yaml_path: Path
    sql_path: Path
    sql: str

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass
class Library:
    indicators: dict[str, IndicatorDefinition]
    errors: list[DefinitionError]

    def get(self, indicator_id: str) -> IndicatorDefinition:
        if indicator_id in self.indicators:
            return self.indicators[indicator_id]
        broken = [e for e in self.errors if e.path.stem == indicator_id]
        if broken:
            raise DefinitionLoadError(broken)
        raise KeyError(f"no indicator {indicator_id!r}; expected one of indicators/*.yml")


def load_indicator(yaml_path: Path) -> IndicatorDefinition:
    yaml_path = Path(yaml_path)
    try:
        raw = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DefinitionLoadError([DefinitionError(yaml_path, "", f"not valid YAML: {error}")]) from None
    if not isinstance(raw, dict):
        raise DefinitionLoadError([DefinitionError(yaml_path, "", "expected a mapping of fields")])
    try:
        spec = Indicator.model_validate(raw)
    except ValidationError as error:
        raise DefinitionLoadError([
            DefinitionError(yaml_path, ".".join(str(p) for p in e["loc"]) or "(indicator)", expected(e))
            for e in error.errors()]) from None
    problems = []
    if spec.id != yaml_path.stem:
        problems.append(DefinitionError(yaml_path, "id", f"id {spec.id!r} must equal the file name {yaml_path.stem!r}"))
    sql_path = yaml_path.with_suffix(".sql")
    if not sql_path.exists():
        problems.append(DefinitionError(sql_path, "", "missing SQL file: expected one beside the YAML, same stem"))
    if spec.benchmark is not None and spec.benchmark not in load_benchmarks().series:
        problems.append(DefinitionError(yaml_path, "benchmark", f"unknown benchmark series {spec.benchmark!r}; "
                                        "expected a key of series in config/benchmarks.yml"))
    if problems:
        raise DefinitionLoadError(problems)
    return IndicatorDefinition(spec, yaml_path, sql_path, sql_path.read_text(encoding="utf-8"))


def load_library(root: Path | None = None) -> Library:
    """Every indicator under indicators/, sorted by id; bad files become errors."""
    root = root or indicators_dir()
    indicators: dict[str, IndicatorDefinition] = {}
    errors: list[DefinitionError] = []
    for path in sorted(root.glob("*.yml")):
        try:
            indicator = load_indicator(path)
        except DefinitionLoadError as error:
            errors.extend(error.errors)
            continue
        indicators[indicator.id] = indicator
    for indicator in list(indicators.values()):
        companion = indicator.spec.companion
        if companion is not None and companion not in indicators:
            errors.append(DefinitionError(indicator.yaml_path, "companion", f"unknown indicator {companion!r}; "
                                          "expected the id of another indicators/*.yml"))
            del indicators[indicator.id]
    return Library(indicators, errors)


@lru_cache(maxsize=1)
def library() -> Library:
    return load_library()


@lru_cache(maxsize=1)
def load_benchmarks(path: Path | None = None) -> Benchmarks:
    path = path or settings.config_dir() / "benchmarks.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return Benchmarks.model_validate(raw)
    except ValidationError as error:
        raise DefinitionLoadError([
            DefinitionError(path, ".".join(str(p) for p in e["loc"]), expected(e)) for e in error.errors()]) from None
