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

import difflib
from collections.abc import Iterable, Mapping, Sequence
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


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' for the closest of `choices`, or '' when none is close."""
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    # "LAC_TM": a known name with a qualifier in front of it (the role is TM; narrow it otherwise)
    parts = [p for p in word.replace("-", "_").split("_") if p]
    close = close or [p for p in reversed(parts) if p in options][:1]
    return f" (did you mean {close[0]}?)" if close else ""


def location(loc: Sequence[Any], document: Mapping[str, Any]) -> str:
    """A pydantic error location as a data officer reads it: list positions named by the item's
    `id` (or `name`, `role`, `title`) where it has one, counted from 1 otherwise.

    ("columns", 3, "type") -> "columns[visit_date].type"; ("summaries", 0) -> "summaries[1]"
    """
    parts: list[str] = []
    node: Any = document
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            label = next((item[k] for k in ("id", "name", "role", "title") if isinstance(item, dict) and item.get(k)),
                         None)
            suffix = f"[{label if label is not None else step + 1}]"
            if parts:
                parts[-1] += suffix
            else:
                parts.append(suffix)
            node = item
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


def expected(error: Mapping[str, Any], fields: Iterable[str] = ()) -> str:  # a pydantic ErrorDetails
    """What a pydantic validation error expected, in words for a data officer; `fields`: the field
    names allowed where the error is, for a "did you mean" on a misspelt one."""
    if error["type"] == "extra_forbidden":
        name = str(error["loc"][-1]) if error["loc"] else ""
        return f"unknown field{did_you_mean(name, fields)} (check the spelling; see docs/adding-a-report.md)"
    if error["type"] == "missing":
        return "required field is missing"
    return error["msg"].removeprefix("Value error, ")
