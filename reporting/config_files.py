"""Reading a YAML configuration file into a pydantic model, with one kind of error message.

Every problem (unreadable, not YAML, a field that does not validate) raises the caller's
`ConfigError` subclass naming the file, the field and what was expected: the same words for
config/calibration.yml, partners.yml, mail.yml and the Annex A definitions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from reporting.errors import ConfigError, location

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path | str, error: type[ConfigError], *, hint: str = "") -> Any:
    """The YAML document in `path` (None for an empty file); `hint` says what the file should hold."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as problem:
        raise error(f"{path}: cannot read: {problem.strerror}{hint}") from None
    except yaml.YAMLError as problem:
        raise error(f"{path}: not valid YAML: {problem}") from None


def load_model(model: type[M], path: Path | str, error: type[ConfigError], *, hint: str = "") -> M:
    """`path` validated as `model` (an empty file as no fields)."""
    data = read_yaml(path, error, hint=hint) or {}
    try:
        return model.model_validate(data)
    except ValidationError as problem:
        # list items by their id or name (partners[uclh].password_to), not a 0-based position
        found = "; ".join(f"{location(e['loc'], data) if isinstance(data, dict) else e['loc']}: "
                          f"{e['msg'].removeprefix('Value error, ')}" for e in problem.errors())
        raise error(f"{path}: {found}") from None
