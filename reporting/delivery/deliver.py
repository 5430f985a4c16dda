"""Deliver one report period: each recipient gets their slice, once, through the ledger.

    plan      recipients (recipients.resolve) x their rows (slices.rows_for) -> assignments
    render    the slice's files: reused from the archive when the render task already made them
              (whole report, burst slices) with the same content hash, else rendered here
              (service slices, partner column subsets) into `<period>/deliveries/<slice>/`
    claim     ledger row for (report, period, slice, recipient, kind, content hash)
    send      with retries and back-off on temporary failures; permanent ones are recorded
    password  partners: the PDF is encrypted and the password goes separately

Returns counts only: no rows, names or ids leave this module.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Engine

from reporting import archive, disclosure, settings
from reporting.coverage import describe
from reporting.definitions import ReportDefinition
from reporting.delivery import message as mail
from reporting.delivery import partners as sharing
from reporting.delivery.ledger import Key, Ledger
from reporting.delivery.recipients import OUT_OF_BAND, Directory, PartnerDirectory, Person, load_directory, resolve
from reporting.delivery.slices import CUSTOM, definition_for, rows_for, slice_definition, target_of
from reporting.delivery.transport import PermanentFailure, TemporaryFailure, from_environment
from reporting.extract import Extract
from reporting.indicators.run_figures import shared_for_this_run
from reporting.runner import CLASSIFICATION, data_hash, render_report
from reporting.schedules.periods import Period

log = logging.getLogger(__name__)
ANY = object()  # deliver every assignment, whatever rendered target serves it
ATTACHABLE = ("pdf", "xlsx", "csv")


@dataclass
class Assignment:
    person: Person
    rows: list[dict]
    target: str | None  # None: whole report; a burst key; or CUSTOM


def plan(report: ReportDefinition, rows: list[dict], as_at: date, casedb: Engine, *,
         partners: PartnerDirectory | None = None, directory: Directory | None = None) -> list[Assignment]:
    directory = directory or load_directory(casedb)
    people = resolve(report.spec, casedb, as_at, partners=partners, directory=directory)
    return [Assignment(p, rows_for(report.spec, rows, p, directory), target_of(report.spec, p)) for p in people]


def _serves(assignment: Assignment, only_target) -> bool:
    """Partition over the mapped deliver tasks: the whole-report task also takes the custom slices."""
    if only_target is ANY:
        return True
    if only_target is None:
        return assignment.target in (None, CUSTOM)
    return assignment.target == only_target


def deliver_period(report: ReportDefinition, rows: list[dict], period: Period, as_at: date, *, casedb: Engine,
                   transport=None, ledger: Ledger | None = None, formats: list[str] | None = None,
                   only_target=ANY, attempts: int = 4, backoff: float = 2.0,
                   generated_at: datetime | None = None, assignments: list[Assignment] | None = None) -> dict:
    """Send every recipient their slice of one period; returns counts."""
    transport = transport or from_environment()
    own_ledger = ledger is None
    ledger = ledger or Ledger()
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    counts: Counter = Counter()
    try:
        # service and partner copies of an overview share the whole report's indicator figures
        with shared_for_this_run(settings.var_dir()):
            for assignment in assignments if assignments is not None else plan(report, rows, as_at, casedb):
                if not _serves(assignment, only_target):
                    continue
                counts["recipients"] += 1
                try:
                    outcome = _deliver_one(report, assignment, period, as_at, transport, ledger, formats,
                                           attempts, backoff, generated_at)
                except Exception as error:  # noqa: BLE001 - one bad recipient must not block the others
                    # its claim was given back as failed (retried by the task's retry); the message
                    # names the report, period and slice, never the rows
                    log.error("%s %s: delivery to %s (%s) failed: %s: %s", report.id, period.end,
                              assignment.person.slice_id, assignment.person.email, type(error).__name__, error)
                    outcome = ["failed"]
                for name in outcome:
                    counts[name] += 1
        counts["rejection_notices"] += _notify_rejections(report, period, transport, ledger, attempts, backoff)
    finally:
        if own_ledger:
            ledger.dispose()
    result = {name: counts.get(name, 0) for name in
              ("recipients", "sent", "corrections", "already_sent", "in_progress", "empty", "failed",
               "rejected", "passwords_sent", "passwords_out_of_band", "rejection_notices")}
    log.info("%s %s: %s", report.id, period.end, ", ".join(f"{k} {v}" for k, v in result.items()))
    return result


def _deliver_one(report, assignment: Assignment, period: Period, as_at: date, transport, ledger: Ledger,
                 formats, attempts: int, backoff: float, generated_at: datetime) -> list[str]:
    person, rows = assignment.person, assignment.rows
    spec = slice_definition(report.spec, person) if assignment.target == CUSTOM else report.spec
    # the figures the rendered files show (suppressed for an aggregate report): the e-mail's
    # headline is drawn from them, and the hash matches the rendered manifest's
    publication = disclosure.published(spec, rows)
    content_hash = data_hash([c.model_dump() for c in spec.columns], publication.rows)
    key = Key(report.id, period.end.isoformat(), person.slice_id, person.email, "report", content_hash)
    role = ",".join(person.roles)
    if person.refused:  # an address (or school URN) that must not be used: recorded, notified, not sent
        return [_refuse(ledger, key, role, len(rows), person.refused)]
    if not rows and not report.spec.send_empty:
        ledger.record_empty(key, role=role)
        return ["empty"]
    if ledger.state(key) == "sent":
        outcomes = ["already_sent"]
    else:
        folder = _rendered(report, spec, assignment, period, as_at, formats, content_hash, generated_at)
        claim = _claim_or_wait(ledger, key, role, len(rows))
        files, altered = _snapshot(folder, person) if claim is not None else ([], None)
        if claim is None:
            # refused for good earlier: not sent, and its password must not go out either
            refused_outcome: dict[str | None, str] = {"sent": "already_sent", "rejected": "rejected"}
            outcomes = [refused_outcome.get(ledger.state(key), "in_progress")]
        elif altered:
            # a file changed after it was rendered (by hand, by another process): not what the
            # manifest vouches for, so it is not sent; the performance team hears of it
            ledger.mark_failed(claim, altered, permanent=True)
            outcomes = ["rejected"]
        elif too_large := _too_large_to_send_outside(person, files):
            # outside the council nobody can open the archive link a large file is otherwise
            # replaced by: the file cannot reach them, so it is refused here, and the performance
            # team hears (the rejection notice), rather than a message without it counting as sent
            ledger.mark_failed(claim, too_large, permanent=True)
            outcomes = ["rejected"]
        else:
            try:
                tables = publication.summaries
                content = mail.Content(
                    to=person.email, title=report.spec.title, period=period, slice_label=person.label,
                    classification=CLASSIFICATION[report.spec.sensitivity],
                    figures=mail.headline(tables, len(rows)), rows=len(rows), attachments=files,
                    archive_folder=folder, message_id=mail.message_id(*key.__dict__.values()),
                    correction=claim.correction,
                    note=("The attached PDF is encrypted; its password comes in a separate message."
                          if person.external else None),
                    figures_cover=(None if report.spec.figures_cover == "period"
                                   else describe(report.spec.figures_cover, period)))
                outcomes = [_send(transport, ledger, claim, mail.build(content), attempts, backoff)]
                if outcomes[0] == "sent":
                    archive.keep_sent(archive.period_dir(report.id, period.end.isoformat()), person.slice_id,
                                      content_hash, files)
            except BaseException as error:
                # Give the claim back at once: left 'sending', a retry within the lease would find
                # it taken, count it in progress and finish as if it had gone.
                ledger.mark_failed(claim, f"{type(error).__name__}: {error}", permanent=False)
                raise
            if outcomes[0] == "sent" and claim.correction:
                outcomes.append("corrections")
    if person.external and outcomes[0] in ("sent", "already_sent"):
        outcomes += _send_password(report, person, period, key, transport, ledger, attempts, backoff)
    return outcomes


def _refuse(ledger: Ledger, key: Key, role: str, rows: int, reason: str) -> str:
    """Record a delivery that must not happen (bad address) as rejected, once; the notice names it."""
    claim = ledger.claim(key, role=role, rows=rows)
    if claim is not None:
        ledger.mark_failed(claim, reason, permanent=True)
    return "rejected"


def _snapshot(folder: Path, person: Person) -> tuple[list[mail.Attachment], str | None]:
    """The files to send, read into memory and checked against the folder's manifest (SHA-256), with
    the reason they must not be sent, if any. Read once and sent from memory: a render of the same
    period in another process may swap the folder for a new one while we send; then the snapshot
    is taken again from the new folder (itself complete: folders are swapped whole)."""
    for _ in range(3):
        try:
            manifest = archive.read_manifest(folder)
            files = [mail.Attachment(path, path.read_bytes()) for path in _attachments(folder, person)]
        except FileNotFoundError:
            continue  # swapped out while we read it
        except (OSError, ValueError):
            break
        recorded = manifest.get("file_hashes") or {}
        for attachment in files:
            if recorded.get(attachment.name) != hashlib.sha256(attachment.data).hexdigest():
                if archive.read_manifest(folder) != manifest:
                    break  # a newer render landed between the two reads: take the snapshot again
                return [], (f"{attachment.name} does not match its manifest (changed after it was rendered); "
                            "not sent: re-run the render task")
        else:
            return files, None
    return [], f"{folder.name}: no complete set of files and manifest to check; not sent"


# How long to wait for another worker that is sending the same message (two runs of a period at
# once): long enough for its in-task SMTP retries (2 + 4 + 8 s), short of a killed attempt's lease.
WAIT_FOR_OTHER_SENDER = 30.0


def _claim_or_wait(ledger: Ledger, key: Key, role: str, rows: int):
    """Claim `key`; while another worker holds it, wait for that send to finish (sent, refused or
    given back) and claim again if it was given back. None when it is not ours to send."""
    deadline = time.monotonic() + WAIT_FOR_OTHER_SENDER
    while True:
        claim = ledger.claim(key, role=role, rows=rows)
        if claim is not None or ledger.state(key) != "sending" or time.monotonic() >= deadline:
            return claim
        time.sleep(0.5)


def _too_large_to_send_outside(person: Person, files: list[mail.Attachment]) -> str | None:
    limit = mail.max_attachment_bytes()
    large = [f for f in files if f.size > limit] if person.external else []
    if not large:
        return None
    return (f"{large[0].name} is {large[0].size / 2**20:.1f} MB, over MI_MAX_ATTACHMENT_MB "
            f"({limit / 2**20:g} MB); a recipient outside the council cannot open the archive instead")


def _send(transport, ledger: Ledger, claim, message, attempts: int, backoff: float) -> str:
    for attempt in range(1, attempts + 1):
        try:
            transport.send(message)
        except PermanentFailure as error:
            ledger.mark_failed(claim, str(error), permanent=True, tries=attempt)
            return "rejected"
        except TemporaryFailure as error:
            if attempt == attempts:
                ledger.mark_failed(claim, str(error), permanent=False, tries=attempt)
                return "failed"
            time.sleep(backoff * 2 ** (attempt - 1))
            continue
        ledger.mark_sent(claim, message["Message-ID"], tries=attempt)
        return "sent"
    raise AssertionError("unreachable")


def _notify_rejections(report: ReportDefinition, period: Period, transport, ledger: Ledger, attempts: int,
                       backoff: float) -> int:
    """Tell the performance team, once, which recipients' servers refused this period for good (5xx).

    A permanent refusal is not retried, so without a notice nobody would know a manager went
    without their report. The notice is itself a ledger row (kind `notice`, keyed by the set of
    refusals), so a retried task or a second worker never sends it twice, and a temporary failure
    to send it is retried on the next call. It names staff addresses and SMTP replies, not children.
    """
    import hashlib
    from email.message import EmailMessage
    from email.utils import formatdate


    refused = sorted((e["recipient"], e["slice_id"], e["kind"], e["last_error"] or "")
                     for e in ledger.entries(report.id, period.end.isoformat())
                     if e["state"] == "rejected" and e["kind"] in ("report", "password"))
    if not refused:
        return 0
    to = settings.performance_team_email()
    digest = hashlib.sha256(repr(refused).encode()).hexdigest()
    key = Key(report.id, period.end.isoformat(), "rejections", to, "notice", digest)
    claim = ledger.claim(key, role="PERFORMANCE", rows=len(refused))
    if claim is None:
        return 0
    message = EmailMessage()
    message["From"] = mail.sender()
    message["To"] = to
    # refused by the mail server (5xx), or a file too large to send outside the council
    message["Subject"] = (f"[MI] NOT DELIVERED: {report.spec.title}: {mail.period_text(period)} "
                          f"({len(refused)} recipient(s) refused)")
    message["Message-ID"] = mail.message_id(*key.__dict__.values())
    message["Date"] = formatdate(usegmt=True)
    lines = [f"  {to_} ({slice_id}, {kind}): {error}" for to_, slice_id, kind, error in refused]
    message.set_content(
        f"{len(refused)} delivery(ies) of {report.spec.title} were refused for good "
        f"(report {report.id}) for {mail.period_text(period)}. They will not be retried:\n\n"
        + "\n".join(lines)
        + "\n\nCorrect the address in the staff directory or partner config and re-run the deliver task; "
          "`mi deliveries list --report " + report.id + "` shows the audit trail.\n")
    return 1 if _send(transport, ledger, claim, message, attempts, backoff) == "sent" else 0


# ---- files ---------------------------------------------------------------------------------------
def _rendered(report: ReportDefinition, spec, assignment: Assignment, period: Period, as_at: date,
              formats: list[str] | None, content_hash: str, generated_at: datetime) -> Path:
    """The folder holding this slice's files, rendered now only if the archive lacks them."""
    person, target = assignment.person, assignment.target
    wanted = list(formats or settings.output_formats() or spec.outputs)
    if person.external:
        wanted = ["pdf"]  # partners and schools get the encrypted PDF only
    if target == CUSTOM:
        final = archive.period_dir(report.id, period.end.isoformat()) / "deliveries" / person.slice_id
    else:
        final = archive.period_dir(report.id, period.end.isoformat(), target)
    archive.private_mkdir(final.parent)
    # one renderer per slice folder at a time: two workers delivering the same period at once
    # would otherwise swap the folder out from under each other's attachments
    locks = archive.period_dir(report.id, period.end.isoformat()) / "deliveries" / ".locks"
    archive.private_mkdir(locks)
    name = "_all" if target is None else (person.slice_id if target == CUSTOM else f"slice-{target}")
    with open(locks / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _current(final, content_hash, wanted, person):
            _render_into(report, spec, assignment, period, as_at, wanted, content_hash, generated_at, final)
    return final


def _render_into(report, spec, assignment: Assignment, period: Period, as_at: date, wanted: list[str],
                 content_hash: str, generated_at: datetime, final: Path) -> None:
    person, target = assignment.person, assignment.target
    definition = definition_for(report, spec) if target == CUSTOM else report
    extract = Extract([c.name for c in spec.columns], assignment.rows, 0.0)
    with archive.work_folder(final) as scratch:
        # a custom slice is rendered as a whole report of just its rows; a burst slice by its key
        built = render_report(definition, extract, period, as_at, formats=wanted,
                              slice_key=None if target in (None, CUSTOM) else target,
                              archive_root=scratch, generated_at=generated_at).folder
        if person.external:
            password = sharing.password_for(final.parent, f"{person.slice_id}-{content_hash}")
            manifest = archive.read_manifest(built)
            for pdf in built.glob("*.pdf"):
                encrypted = sharing.encrypted_pdf(pdf, password)
                # the manifest vouches for what is sent: the encrypted copy, not the plain PDF
                hashes = manifest["file_hashes"]
                hashes.pop(pdf.name, None)
                hashes[encrypted.name] = archive.file_hash(encrypted)
            archive.write_manifest(built, manifest)
        if target is None:
            archive.publish_files(built, final)  # the period folder also holds slices/, deliveries/, sent/
        else:
            archive.replace_folder(built, final)


def _current(folder: Path, content_hash: str, wanted: list[str], person: Person) -> bool:
    try:
        manifest = archive.read_manifest(folder)
    except (OSError, ValueError):
        return False
    names = {p.suffix[1:] for p in folder.iterdir() if p.is_file()}
    return manifest.get("content_hash") == content_hash and all(f in names for f in wanted)


def _attachments(folder: Path, person: Person) -> list[Path]:
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")]
    if person.external:
        return [p for p in files if p.name.endswith(".encrypted.pdf")]
    attach = [p for p in files if p.suffix[1:] in ATTACHABLE]
    _check_full_list_attached(folder, attach)
    return attach or [p for p in files if p.suffix == ".html"]


def _check_full_list_attached(folder: Path, attach: list[Path]) -> None:
    """A PDF showing only the first rows of its list (runner.pdf_row_cap) must travel with the
    spreadsheet holding every row; the runner only caps when it writes one, so this guards the
    file set, not a normal path."""
    try:
        manifest = archive.read_manifest(folder)
    except (OSError, ValueError):
        return
    capped = manifest.get("pdf_rows") is not None and manifest["pdf_rows"] < manifest.get("rows", 0)
    if capped and not any(p.suffix in (".xlsx", ".csv") for p in attach):
        raise RuntimeError(f"{folder}: the PDF shows {manifest['pdf_rows']} of {manifest['rows']} rows but no "
                           "CSV/XLSX with the full list is there to attach; render with csv or xlsx")


# ---- partner passwords ---------------------------------------------------------------------------
def _send_password(report: ReportDefinition, person: Person, period: Period, report_key: Key, transport,
                   ledger: Ledger, attempts: int, backoff: float) -> list[str]:
    folder = archive.period_dir(report.id, period.end.isoformat()) / "deliveries"
    password = sharing.password_for(folder, f"{person.slice_id}-{report_key.content_hash}")
    filename = next((p.name for p in (folder / person.slice_id).glob("*.encrypted.pdf")), "the PDF")
    if person.password_to == OUT_OF_BAND:
        key = Key(**{**report_key.__dict__, "kind": "password", "recipient": OUT_OF_BAND})
        claim = ledger.claim(key, role=",".join(person.roles))
        if claim is None:
            return []
        # out of band is a partner's password_to, and a partner's key is its id
        sharing.record_out_of_band(report.id, period.end.isoformat(), cast(str, person.key), person.email, filename,
                                   password)
        ledger.mark_sent(claim, "out-of-band list")
        return ["passwords_out_of_band"]
    to = person.password_to or person.email
    key = Key(**{**report_key.__dict__, "kind": "password", "recipient": to})
    claim = ledger.claim(key, role=",".join(person.roles))
    if claim is None:
        return []
    message = sharing.password_message(to, report.spec.title, period, person.name, filename, password,
                                       mail.message_id(*key.__dict__.values()))
    outcome = _send(transport, ledger, claim, message, attempts, backoff)
    return ["passwords_sent"] if outcome == "sent" else [outcome]
