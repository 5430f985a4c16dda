"""What the scheduler's report runs owe staff, waiting for the day's digest.

Under Airflow each report is its own DAG run, so no one task sees everything a person is due in a
day. A report's `deliver` task therefore queues the sends of staff who take a digest (config/mail.yml
`digest`) here instead of sending them, and the `mi_staff_digest` DAG sends each person one e-mail
with everything queued (`reporting.delivery.deliver.deliver_digests`), then removes what went.

The queue is `<MI_ARCHIVE_DIR>/_digests/pending/`, one owner-only JSON file per report, period and
deliver task: the person, report, period, copy folder, content hash and row count, and the first
red records' key, status and worker as the e-mail names them (never a whole row).
A file is written whole (a rename) and removed only when the ledger has every send in it as sent
or refused, so a digest that fails part-way leaves the rest for its retry or the next day's
digest, and a report run twice writes the same file again: the ledger still sends each copy once.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reporting import archive, settings
from reporting.definitions import load_catalogue
from reporting.delivery.ledger import Key, Ledger
from reporting.delivery.recipients import Person
from reporting.errors import MIError
from reporting.schedules.periods import Period

if TYPE_CHECKING:  # delivery itself (WeasyPrint and all) is not loaded by the MI board, which counts the queue
    from reporting.delivery.deliver import Due

FINISHED = ("sent", "rejected")  # ledger states after which a queued send is no longer owed


class DigestQueueError(MIError, ValueError):
    """A queued digest file cannot be read."""


def pending_dir(root: Path | None = None) -> Path:
    return (root or settings.archive_dir()) / "_digests" / "pending"


def put(report_id: str, period_end: str, target: str | None, due: Sequence[Due], root: Path | None = None) -> Path:
    """Queue one deliver task's digest sends (replacing what an earlier attempt of it queued)."""
    folder = pending_dir(root)
    archive.private_mkdir(folder.parent)
    archive.private_mkdir(folder)
    path = folder / f"{report_id}__{period_end}__{target or 'all'}.json"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump([to_json(d) for d in due], handle, indent=1)
    os.replace(tmp, path)
    return path


def to_json(due: Due) -> dict:
    return {"report_id": due.report.id, "period_start": due.period.start.isoformat(),
            "period_end": due.period.end.isoformat(),
            "person": {**dataclasses.asdict(due.person), "roles": list(due.person.roles)},
            "folder": str(due.folder), "content_hash": due.content_hash, "rows": due.rows, "overdue": due.overdue}


def _person(entry: dict) -> Person:
    """The queued entry's person (JSON made their roles a list)."""
    return Person(**{**entry["person"], "roles": tuple(entry["person"]["roles"])})


def from_json(entry: dict, path: Path) -> Due:
    from reporting.delivery.deliver import Due

    try:
        person = _person(entry)
        period = Period(date.fromisoformat(entry["period_start"]), date.fromisoformat(entry["period_end"]))
        overdue = entry.get("overdue")
        if overdue is not None:  # JSON made the (label, value) pairs lists
            overdue = {"red": int(overdue["red"]),
                       "first": [[tuple(pair) for pair in item] for item in overdue["first"]]}
        return Due(load_catalogue().get(entry["report_id"]), period, person, Path(entry["folder"]),
                   entry["content_hash"], int(entry["rows"]), overdue)
    except (KeyError, TypeError, ValueError) as error:
        raise DigestQueueError(f"{path}: a queued digest entry is not as `put` writes it ({type(error).__name__}: "
                               f"{error}); remove the file and re-run that report's deliver task") from None


def pending(root: Path | None = None) -> Iterator[tuple[Path, list[Due]]]:
    """Each queued file with its sends, oldest first.

    A file that goes between listing and reading was settled by a digest task running at the same
    time (its sends are in the ledger), so it is skipped, not an error."""
    folder = pending_dir(root)
    if not folder.is_dir():
        return
    listed = []
    for path in folder.glob("*.json"):
        try:
            listed.append((path.stat().st_mtime, path.name, path))
        except FileNotFoundError:
            continue
    for _, _, path in sorted(listed):
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as error:
            raise DigestQueueError(f"{path}: not readable as a queued digest ({error}); remove it and re-run "
                                   "that report's deliver task") from None
        yield path, [from_json(e, path) for e in entries]


def waiting(report_id: str, period_end: str, ledger: Ledger, root: Path | None = None) -> int:
    """How many of a report period's queued digest sends the ledger does not yet have as sent or
    refused: copies waiting for the staff digest (the MI board shows them). Read without the
    catalogue, so a board of many reports stays cheap; a file it cannot read counts as nothing."""
    folder = pending_dir(root)
    count = 0
    for path in folder.glob(f"{report_id}__{period_end}__*.json") if folder.is_dir() else ():
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
            people = [_person(e) for e in entries]
            keys = [Key(report_id, period_end, p.slice_id, p.email, "report", e["content_hash"])
                    for p, e in zip(people, entries, strict=True)]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # `pending` names it when the digest task reads the queue
        count += sum(ledger.state(key) not in FINISHED for key in keys)
    return count


def settle(path: Path, due: Sequence[Due], ledger: Ledger) -> bool:
    """Remove the queued file when the ledger has each of its sends as sent or refused; True if removed."""
    if all(ledger.state(d.key) in FINISHED for d in due):
        path.unlink(missing_ok=True)
        return True
    return False
