"""The errors the pipeline raises on purpose, under one base, so a caller can tell "the input is
wrong, and the message says where" (print it, exit non-zero) from a bug (a traceback).

* `MIError`: every deliberate error below derives from it.
* `ConfigError`: a configuration file (config/*.yml, a suite, the Annex A definitions) is unusable;
  the message names the file, the field or value, and what was expected. Also a `ValueError`, as
  the config errors have always been.
* `DefinitionError` / `DefinitionLoadError`: a report or indicator definition is unusable, one
  problem per file and field (the catalogue collects them instead of stopping).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class MIError(Exception):
    """Base of every error the pipeline raises on purpose, with a message for the person who fixes it."""


class ConfigError(MIError, ValueError):
    """A configuration file is unusable: the message names the file, field or value and what was expected."""


@dataclass(frozen=True)
class DefinitionError:
    """One problem with a definition file: where (file and field) and what is wrong."""

    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        where = f" (field: {self.field})" if self.field else ""
        return f"{self.path}{where}: {self.message}"


class DefinitionLoadError(MIError):
    """A definition could not be loaded: every problem found, each naming its file and field."""

    def __init__(self, errors: list[DefinitionError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def expected(error: Mapping[str, Any]) -> str:  # a pydantic ErrorDetails
    """What a pydantic validation error expected, in words for a data officer."""
    if error["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see docs/adding-a-report.md)"
    if error["type"] == "missing":
        return "required field is missing"
    return error["msg"].removeprefix("Value error, ")
