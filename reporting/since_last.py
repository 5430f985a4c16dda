"""Since last time: which rows of a list are new since the previous period's list of the same report
(the same copy: the whole report, a team's slice, a partner's copy), how many were resolved (on the
previous list, not on this one) and how many are still overdue (red then and red now).

Render stage (`runner.render_report`). Nothing child-level is stored beyond what the archive holds:
each copy's manifest keeps, for each row, a fingerprint of its key (the definition's `checks:
{unique: true}` column, else its first column) with the row's RAG status, under `row_fingerprints`.
The fingerprint is HMAC-SHA256 keyed with `MI_ROW_KEY_SECRET` when the deployment sets one; without
it, SHA-256 of the report id and the key (anyone holding the manifest can test a guessed ID against
it, as they could read the ID in the list beside it). The scheme is recorded, so fingerprints made
with another key (or none) are never compared: the list then says there is nothing to compare with.

A list that carries rows for context only (the partner CP list's plans ended since the last list)
marks the rows of the list itself with a 0/1 column `on_list`: only those are compared.

The previous list is the copy's manifest in the latest period folder before this period's: a re-run
of a period compares with the period before it, never with itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reporting import archive, settings
from reporting.definitions import Definition

RED = "red"
LISTED = "on_list"  # 0/1: the row is in the list itself, not there for context only


@dataclass(frozen=True)
class Location:
    """Where a copy lives in the archive: the archive root and its key relative to the period folder
    ("" the whole report, "slices/<key>", "deliveries/<id>"; `plan.Copy.key`)."""

    root: Path | None
    copy_key: str = ""


@dataclass
class Comparison:
    """This list against the previous one. The keys are for the render context only (never stored)."""

    compared_with: dict | None  # {"start", "end"} of the earlier list; None: nothing to compare with
    new: int = 0
    resolved: int = 0
    still_overdue: int | None = None  # None: the list has no RAG column
    reason: str | None = None  # why there is nothing to compare with
    key_column: str | None = None
    new_keys: frozenset[str] = field(default_factory=frozenset)
    overdue_keys: frozenset[str] = field(default_factory=frozenset)

    def summary(self) -> dict:
        """The counts for the manifest (and so the e-mail's headline): no keys, no fingerprints."""
        compared = None if self.compared_with is None else {k: str(v) for k, v in self.compared_with.items()}
        return {"compared_with": compared, "new": self.new if compared else None,
                "resolved": self.resolved if compared else None,
                "still_overdue": self.still_overdue if compared else None, "reason": self.reason}

    def context(self) -> dict:
        """The template's `since_last`."""
        return {"compared_with": self.compared_with, "new": self.new, "resolved": self.resolved,
                "still_overdue": self.still_overdue, "reason": self.reason, "key": self.key_column,
                "new_keys": self.new_keys, "overdue_keys": self.overdue_keys}


def applies(spec: Definition) -> bool:
    """A row-level list: not an aggregate report (its rows are published figures), a table of figures
    (`rows_are: figures`) nor an overview."""
    return spec.sensitivity != "aggregate" and spec.rows_are == "records" and not spec.indicators


def key_column(spec: Definition) -> str:
    """The column naming a row from one period to the next: a unique one, else the first."""
    unique = next((c.name for c in spec.columns if c.checks is not None and c.checks.unique), None)
    return unique or spec.columns[0].name


def rag_column(spec: Definition) -> str | None:
    """The row's RAG status: the column the first RAG-coloured column takes it from."""
    return next((c.rag for c in spec.columns if c.rag), None)


def scheme() -> str:
    """How fingerprints are made: `hmac-sha256:<key id>` with the deployment's key, else `sha256`."""
    secret = settings.row_key_secret()
    if not secret:
        return "sha256"
    key_id = hashlib.sha256(b"mi-row-key-id\0" + secret.encode()).hexdigest()[:12]
    return f"hmac-sha256:{key_id}"


def fingerprint(report_id: str, value: object) -> str:
    message = f"{report_id}\0{value}".encode()
    secret = settings.row_key_secret()
    if secret:
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
    return hashlib.sha256(message).hexdigest()[:32]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def listed(spec: Definition, rows: list[dict]) -> list[dict]:
    """The rows of the list itself (`LISTED`), without those there for context only."""
    if not any(c.name == LISTED for c in spec.columns):
        return rows
    return [row for row in rows if row.get(LISTED)]


def fingerprints(spec: Definition, report_id: str, rows: list[dict]) -> dict:
    """The manifest's `row_fingerprints`: each row's key fingerprint with its RAG (red wins when a key
    repeats). Rows without a key value are left out (they cannot be followed between periods)."""
    key, rag = key_column(spec), rag_column(spec)
    found: dict[str, str | None] = {}
    for row in listed(spec, rows):
        value = row.get(key)
        if value is None or not _text(value).strip():
            continue
        status = row.get(rag) if rag else None
        fp = fingerprint(report_id, _text(value))
        if found.get(fp) != RED:
            found[fp] = status
    return {"scheme": scheme(), "key_column": key, "rag_column": rag, "rows": found}


def previous_manifest(report_id: str, period_end: date, where: Location) -> tuple[dict | None, str | None]:
    """The manifest of the copy at `where` in the latest period before `period_end` that the report
    was rendered for, or (None, why not)."""
    report_folder = (where.root or settings.archive_dir()) / report_id
    earlier = []
    if report_folder.is_dir():
        for folder in report_folder.iterdir():
            try:
                end = date.fromisoformat(folder.name)
            except ValueError:
                continue  # .staging, scratch, anything else
            if end < period_end and folder.is_dir():
                earlier.append((end, folder))
    for _, folder in sorted(earlier, reverse=True):
        copy_folder = folder / where.copy_key if where.copy_key else folder
        if (copy_folder / archive.MANIFEST).is_file():
            try:
                return archive.read_manifest(copy_folder), None
            except (OSError, ValueError):
                return None, "the earlier list's manifest cannot be read"
        if (folder / archive.MANIFEST).is_file():
            return None, "this copy was not made for the earlier period"
    return None, None


def compare(spec: Definition, report_id: str, rows: list[dict], period_end: date, where: Location) -> Comparison:
    """This list's rows against the previous period's list of the same copy."""
    key, rag = key_column(spec), rag_column(spec)
    previous, why_not = previous_manifest(report_id, period_end, where)
    if previous is None:
        return Comparison(None, reason=why_not, key_column=key)
    stored = previous.get("row_fingerprints")
    if not isinstance(stored, dict) or not isinstance(stored.get("rows"), dict):
        return Comparison(None, reason="the earlier list was made before lists were compared", key_column=key)
    if stored.get("scheme") != scheme() or stored.get("key_column") != key:
        return Comparison(None, reason="the earlier list's rows were recorded differently (another key)",
                          key_column=key)
    before: dict[str, str | None] = stored["rows"]
    compared_with = {"start": date.fromisoformat(str(previous["period_start"])[:10]),
                     "end": date.fromisoformat(str(previous["period_end"])[:10])}
    now: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for row in listed(spec, rows):
        value = row.get(key)
        if value is None or not _text(value).strip():
            continue
        fp = fingerprint(report_id, _text(value))
        names[fp] = _text(value)
        if now.get(fp) != RED:
            now[fp] = row.get(rag) if rag else None
    new = {fp for fp in now if fp not in before}
    overdue = {fp for fp, status in now.items() if status == RED and before.get(fp) == RED}
    same_rag = rag is not None and stored.get("rag_column") == rag
    return Comparison(compared_with, new=len(new), resolved=sum(1 for fp in before if fp not in now),
                      still_overdue=len(overdue) if same_rag else None, key_column=key,
                      new_keys=frozenset(names[fp] for fp in new),
                      overdue_keys=frozenset(names[fp] for fp in overdue) if same_rag else frozenset())
