"""A cache of the validated report catalogue, so parsing the DAG files stays well under 0.3 s.

Airflow's dag-processor re-parses `dags/` over and over, and two DAG files each load and
validate every definition (~0.15 s for 76). The catalogue is a pure function of its input
files (definitions, SQL blocks, config, indicators) and of the code that validates them, so it
is pickled under `var/cache/`, keyed by a hash of the *content* of all those files (reading
~300 small files takes a few milliseconds; mtimes alone would miss a same-size rewrite within
the filesystem's timestamp tick). Any change gives a new key and a normal load; an unreadable
or stale cache file is ignored. The cache holds only definitions, never case data.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from reporting import settings

T = TypeVar("T")
# Bump when the pickled classes change shape in a way the code hash below would not catch.
FORMAT = "1"
KEEP = 16  # cache files kept


def _inputs(root: Path, watched: list[Path]) -> list[Path]:
    """Every file under `root` and the `watched` folders, and each watched file."""
    files: list[Path] = []
    for entry in (root, *watched):
        if entry.is_dir():
            files.extend(p for p in entry.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        elif entry.is_file():
            files.append(entry)
    return sorted(set(files))


def key(root: Path, watched: list[Path]) -> str:
    digest = hashlib.sha256(f"{FORMAT}|{sys.version}|{root.resolve()}".encode())
    for path in _inputs(root, watched):
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def cached(root: Path, load: Callable[[], T], *, watched: list[Path]) -> T:
    """`load()`'s result for these inputs: from the cache when they are unchanged, else loaded and stored.

    `watched`: the other folders and files the result depends on, the code that validates
    included (a change to a validator must not serve an old verdict)."""
    if not settings.current().catalogue_cache:
        return load()
    folder = settings.var_dir() / "cache"
    path = folder / f"catalogue-{key(root, watched)}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except Exception:  # noqa: BLE001 - missing, partial or from other code: load normally
        pass
    value = load()
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        old = sorted(folder.glob("catalogue-*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP]:  # a few input states (e.g. test roots) share the folder
            stale.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=folder, delete=False, suffix=".tmp") as f:
            tmp = f.name
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a concurrent reader sees no file or the whole new one
    except Exception:  # noqa: BLE001 - a read-only var/ or an unpicklable value only costs speed
        if tmp:
            Path(tmp).unlink(missing_ok=True)
    return value
