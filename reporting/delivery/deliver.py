"""Deliver one report period: each recipient gets their planned copy, once, through the ledger.

    plan      (reporting.plan) every recipient, the copy that serves them and its content hash
    render    (reporting.runner.render_copy) every copy, before this module is called
    claim     ledger row for (report, period, slice, recipient, kind, content hash)
    send      the finished files, checked against their manifest, with retries and back-off on
              temporary failures; permanent ones are recorded
    password  partners: the PDF is encrypted and the password goes separately

Nothing is rendered here: a copy missing or not matching the plan is not sent (the recipient's
delivery fails, to be retried after the render). Returns counts only: no rows, names or ids leave
this module.

A run of several reports (`mi run`, reporting.batch) sends each member of staff ONE digest:
`deliver_period(..., digest=due)` sends only what cannot go in a digest (partners and schools,
roles with `digest: false` in config/mail.yml, refused addresses, empty slices) and lists the rest
in `due`; `deliver_digests` then groups them by recipient. A digest claims each report's own
ledger row (the same key as a report sent on its own: one row per report x recipient, a changed
content hash a new delivery), builds one message from the reports it claimed, sends it once and
records every claimed row sent with that one Message-ID in one transaction, or gives them all
back. A retry builds the digest again from the rows still not sent: nothing twice, and no message
at all once every report of it went.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

from reporting import archive, settings
from reporting.coverage import describe
from reporting.definitions import CLASSIFICATION, ReportDefinition
from reporting.delivery import addresses
from reporting.delivery import message as mail
from reporting.delivery import partners as sharing
from reporting.delivery.ledger import Claim, Key, Ledger
from reporting.delivery.recipients import OUT_OF_BAND, Person
from reporting.delivery.transport import PermanentFailure, TemporaryFailure, from_environment
from reporting.errors import MIError
from reporting.plan import ANY, RunPlan, Send
from reporting.schedules.periods import Period
from reporting.summaries import top_overdue

log = logging.getLogger(__name__)
ATTACHABLE = ("pdf", "xlsx", "csv")


class NotRenderedError(MIError, RuntimeError):
    """A planned copy is not in the archive as planned (render has not run, or ran on other rows)."""


@dataclass(frozen=True)
class Due:
    """One report owed to one member of staff in this run's digest: what delivery needs, no rows
    (it crosses from a batch worker process to the one that sends the digests)."""

    report: ReportDefinition
    period: Period
    person: Person
    folder: Path  # the rendered copy's folder
    content_hash: str
    rows: int
    overdue: dict | None = None  # the copy's first red records as the e-mail names them (summaries.top_overdue)

    @property
    def key(self) -> Key:
        return Key(self.report.id, self.period.end.isoformat(), self.person.slice_id, self.person.email, "report",
                   self.content_hash)


COUNTS = ("recipients", "sent", "corrections", "already_sent", "in_progress", "empty", "failed", "rejected",
          "passwords_sent", "passwords_out_of_band", "rejection_notices", "in_digest")


def deliver_period(run_plan: RunPlan, period: Period, *, transport=None, ledger: Ledger | None = None,
                   target=ANY, attempts: int = 4, backoff: float = 2.0, digest: list[Due] | None = None) -> dict:
    """Send every planned recipient (or those of one Airflow deliver task's `target`) their copy;
    returns counts.

    digest: a list to put the sends of staff whose roles take a digest (config/mail.yml `digest`)
    in, instead of sending them (counted `in_digest`); `deliver_digests` sends them later.
    """
    report = run_plan.report
    transport = transport or from_environment()
    own_ledger = ledger is None
    ledger = ledger or Ledger()
    counts: Counter = Counter()
    rules = addresses.policy() if digest is not None else None
    try:
        for send in run_plan.sends_for(target):
            counts["recipients"] += 1
            person = send.person
            if rules is not None and digest is not None and send.copy is not None and not person.refused \
                    and not person.external and rules.digest_for(person.roles):
                digest.append(Due(report, period, person, send.copy.folder(period.end.isoformat()),
                                  send.content_hash, send.rows, top_overdue(report.spec, send.assignment.rows)))
                counts["in_digest"] += 1
                continue
            try:
                outcome = _deliver_one(report, send, period, transport, ledger, attempts, backoff)
            except Exception as error:  # noqa: BLE001 - one bad recipient must not block the others
                # its claim was given back as failed (retried by the task's retry); the message
                # names the report, period and slice, never the rows
                log.error("%s %s: delivery to %s (%s) failed: %s: %s", report.id, period.end,
                          send.person.slice_id, send.person.email, type(error).__name__, error)
                outcome = ["failed"]
            for name in outcome:
                counts[name] += 1
        counts["rejection_notices"] += _notify_rejections(report, period, transport, ledger, attempts, backoff)
    finally:
        if own_ledger:
            ledger.dispose()
    result = {name: counts.get(name, 0) for name in COUNTS}
    log.info("%s %s: %s", report.id, period.end, ", ".join(f"{k} {v}" for k, v in result.items()))
    return result


def _finished(send: Send, period: Period) -> tuple[Path, dict]:
    """The folder of the send's copy and its manifest, checked to be the planned content."""
    assert send.copy is not None
    return _checked_folder(send.copy.folder(period.end.isoformat()), send.content_hash,
                           f"{send.copy.definition.id} {period.end}", send.person.slice_id)


def _checked_folder(folder: Path, content_hash: str, what: str, slice_id: str) -> tuple[Path, dict]:
    manifest: dict = {}
    # where folders cannot be exchanged in one step (archive.replace_folder), a render in another
    # process leaves a moment with no folder at all: look again briefly before saying "not rendered"
    for pause in (0.05, 0.2, 0.0):
        try:
            manifest = archive.read_manifest(folder)
            break
        except (OSError, ValueError):
            time.sleep(pause)
    if manifest.get("content_hash") != content_hash:
        raise NotRenderedError(f"{what}: the copy for {slice_id} "
                               "is not rendered for this run's rows; run the render task, then deliver")
    return folder, manifest


def _deliver_one(report: ReportDefinition, send: Send, period: Period, transport, ledger: Ledger,
                 attempts: int, backoff: float) -> list[str]:
    person, rows, content_hash = send.person, send.rows, send.content_hash
    key = Key(report.id, period.end.isoformat(), person.slice_id, person.email, "report", content_hash)
    role = ",".join(person.roles)
    if person.refused:  # an address (or school URN) that must not be used: recorded, notified, not sent
        return [_refuse(ledger, key, role, rows, person.refused)]
    if send.copy is None:  # an empty slice of a report that does not send empty ones
        ledger.record_empty(key, role=role)
        return ["empty"]
    if ledger.state(key) == "sent":
        outcomes = ["already_sent"]
    else:
        folder, manifest = _finished(send, period)
        claim = _claim_or_wait(ledger, key, role, rows)
        if claim is None:
            # refused for good earlier: not sent, and its password must not go out either
            refused_outcome: dict[str | None, str] = {"sent": "already_sent", "rejected": "rejected"}
            outcomes = [refused_outcome.get(ledger.state(key), "in_progress")]
        else:
            try:
                outcome, files = _send_claimed(report, send, period, folder, manifest, key, claim, transport,
                                               ledger, attempts, backoff)
            except BaseException as error:
                # Give the claim back at once: left 'sending', a retry within the lease would find
                # it taken, count it in progress and finish as if it had gone. (A row already
                # marked sent stays sent: the ledger finishes only a claim still sending.)
                ledger.mark_failed(claim, f"{type(error).__name__}: {error}", permanent=False)
                raise
            outcomes = [outcome]
            if outcome == "sent":
                # outside the try: the message went, so failing to keep its copy must not give the
                # row back for the next run to send again
                archive.keep_sent(archive.period_dir(report.id, period.end.isoformat()), person.slice_id,
                                  content_hash, files)
                if claim.correction:
                    outcomes.append("corrections")
    if person.external and outcomes[0] in ("sent", "already_sent"):
        outcomes += _send_password(report, person, period, key, transport, ledger, attempts, backoff)
    return outcomes


def _send_claimed(report: ReportDefinition, send: Send, period: Period, folder: Path, manifest: dict, key: Key,
                  claim: Claim, transport, ledger: Ledger, attempts: int, backoff: float
                  ) -> tuple[str, list[mail.Attachment]]:
    """Send a claimed copy: its files as rendered, or refused for good (and the claim finished so)
    when they changed after rendering or cannot reach a recipient outside the council."""
    person = send.person
    files, altered = _snapshot(folder, person)
    if altered:
        # a file changed after it was rendered (by hand, by another process): not what the
        # manifest vouches for, so it is not sent; the performance team hears of it
        ledger.mark_failed(claim, altered, permanent=True)
        return "rejected", files
    if too_large := _too_large_to_send_outside(person, files):
        # outside the council nobody can open the archive link a large file is otherwise
        # replaced by: the file cannot reach them, so it is refused here, and the performance
        # team hears (the rejection notice), rather than a message without it counting as sent
        ledger.mark_failed(claim, too_large, permanent=True)
        return "rejected", files
    content = mail.Content(
        to=person.email, title=report.spec.title, period=period, slice_label=person.label,
        classification=CLASSIFICATION[report.spec.sensitivity],
        # the figures the copy shows (after disclosure control), as render recorded them
        figures=[(label, value) for label, value in manifest["headline"]], rows=send.rows,
        attachments=files,
        archive_folder=folder, message_id=mail.message_id(*key.__dict__.values()),
        correction=claim.correction,
        note=password_note(person),
        figures_cover=(None if report.spec.figures_cover == "period"
                       else describe(report.spec.figures_cover, period)))
    return _send(transport, ledger, claim, mail.build(content), attempts, backoff), files


def password_note(person: Person) -> str | None:
    """What the message with an encrypted PDF says of its password: by the route it really takes."""
    if not person.external:
        return None
    if person.password_to == OUT_OF_BAND:
        return ("The attached PDF is encrypted. Its password is not e-mailed: the performance team will "
                "give it to you by telephone.")
    if person.password_to and person.password_to.strip().lower() != person.email.strip().lower():
        # not named: whoever reads this message should not learn where its key goes
        return ("The attached PDF is encrypted; its password comes in a separate message, to another "
                "mailbox of your organisation.")
    return "The attached PDF is encrypted; its password comes in a separate message."


def _refuse(ledger: Ledger, key: Key, role: str, rows: int, reason: str) -> str:
    """Record a delivery that must not happen (bad address) as rejected, once; the notice names it."""
    claim = ledger.claim(key, role=role, rows=rows)
    if claim is not None:
        ledger.mark_failed(claim, reason, permanent=True)
    return "rejected"


def _snapshot(folder: Path, person: Person,
              formats: Sequence[str] | None = None) -> tuple[list[mail.Attachment], str | None]:
    """The files to send, read into memory and checked against the folder's manifest (SHA-256), with
    the reason they must not be sent, if any. Read once and sent from memory: a render of the same
    period in another process may swap the folder for a new one while we send; then the snapshot
    is taken again from the new folder (itself complete: folders are swapped whole)."""
    for _ in range(3):
        try:
            manifest = archive.read_manifest(folder)
            files = [mail.Attachment(path, path.read_bytes()) for path in _attachments(folder, person, formats)]
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
    return _send_all(transport, ledger, [claim], message, attempts, backoff)


def _notify_rejections(report: ReportDefinition, period: Period, transport, ledger: Ledger, attempts: int,
                       backoff: float) -> int:
    """Tell the performance team, once, which recipients' servers refused this period for good (5xx).

    A permanent refusal is not retried, so without a notice nobody would know a manager went
    without their report. The notice is itself a ledger row (kind `notice`, keyed by the set of
    refusals), so a retried task or a second worker never sends it twice, and a temporary failure
    to send it is retried on the next call. It names staff addresses and SMTP replies, not children.
    """
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
def _attachments(folder: Path, person: Person, formats: Sequence[str] | None = None) -> list[Path]:
    """The files to attach: a partner's or school's encrypted PDF; for staff every rendered PDF,
    XLSX and CSV, or (a digest) those of `formats` (config/mail.yml `attachments`). When none of
    `formats` was rendered, every rendered one goes (the rows must reach them); a PDF capped to its
    first rows takes a spreadsheet with it whatever `formats` says."""
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")]
    if person.external:
        return [p for p in files if p.name.endswith(".encrypted.pdf")]
    attach = [p for p in files if p.suffix[1:] in ATTACHABLE]
    if formats is not None:
        chosen = [p for p in attach if p.suffix[1:] in formats]
        if chosen and _capped(folder) and not any(p.suffix in (".xlsx", ".csv") for p in chosen):
            spreadsheets = [p for p in attach if p.suffix in (".xlsx", ".csv")]
            chosen += sorted(spreadsheets, key=lambda p: p.suffix != ".xlsx")[:1]  # the XLSX, else the CSV
        attach = chosen or attach
    _check_full_list_attached(folder, attach)
    return attach or [p for p in files if p.suffix == ".html"]


def _capped(folder: Path) -> bool:
    try:
        manifest = archive.read_manifest(folder)
    except (OSError, ValueError):
        return False
    return manifest.get("pdf_rows") is not None and manifest["pdf_rows"] < manifest.get("rows", 0)


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
                                       mail.message_id(*key.__dict__.values()),
                                       CLASSIFICATION[report.spec.sensitivity])
    outcome = _send(transport, ledger, claim, message, attempts, backoff)
    return ["passwords_sent"] if outcome == "sent" else [outcome]


# ---- one digest per recipient per run ------------------------------------------------------------
def deliver_digests(due: Sequence[Due], run_date: date, *, transport=None, ledger: Ledger | None = None,
                    attempts: int = 4, backoff: float = 2.0, notify_refusals: bool = True) -> dict:
    """Send each recipient of `due` one e-mail with every report owed to them (the run's digest).

    Returns {"recipients", "digests" (messages sent), "reports": {report id: counts as
    `deliver_period`'s}}. The performance team's notice of refusals goes per report, as before;
    with `notify_refusals=False` (a part of the recipients, sent beside other parts) the caller
    sends it once every part is done, with `notify_digest_refusals`."""
    transport = transport or from_environment()
    own_ledger = ledger is None
    ledger = ledger or Ledger()
    rules = addresses.policy()
    by_recipient = digest_recipients(due)
    per_report: dict[str, Counter] = {item.report.id: Counter() for item in due}
    digests = 0
    try:
        for items in by_recipient.values():
            items = sorted(items, key=lambda d: (d.report.id, d.person.slice_id))
            outcomes: dict[Key, list[str]] = {}
            try:
                digests += _deliver_digest(items, run_date, rules, transport, ledger, attempts, backoff, outcomes)
            except Exception as error:  # noqa: BLE001 - one recipient's digest must not block the others
                # every claim was given back as failed; the message names reports and slices, never rows
                log.error("digest to %s (%s) failed: %s: %s", items[0].person.email,
                          ", ".join(f"{d.report.id} {d.person.slice_id}" for d in items), type(error).__name__, error)
            for item in items:
                for name in outcomes.get(item.key, ["failed"]):
                    per_report[item.report.id][name] += 1
        if notify_refusals:
            _notify_refusals(due, per_report, transport, ledger, attempts, backoff)
    finally:
        if own_ledger:
            ledger.dispose()
    log.info("digests: %d sent to %d recipient(s)", digests, len(by_recipient))
    return {"recipients": len(by_recipient), "digests": digests,
            "reports": {rid: {name: counts.get(name, 0) for name in COUNTS} for rid, counts in per_report.items()}}


def digest_recipients(due: Sequence[Due]) -> dict[str, list[Due]]:
    """`due` by recipient (the address, case aside): one digest each."""
    by_recipient: dict[str, list[Due]] = {}
    for item in due:
        by_recipient.setdefault(item.person.email.lower(), []).append(item)
    return by_recipient


def notify_digest_refusals(due: Sequence[Due], reports: dict[str, dict[str, int]], *, attempts: int = 4,
                           backoff: float = 2.0) -> None:
    """The notices of refusals for digests sent in parts: `reports` is the parts' counts added up
    (`deliver_digests`'s "reports"), updated with the notices sent."""
    ledger = Ledger()
    try:
        _notify_refusals(due, reports, from_environment(), ledger, attempts, backoff)
    finally:
        ledger.dispose()


def _notify_refusals(due: Sequence[Due], per_report, transport, ledger: Ledger, attempts: int,
                     backoff: float) -> None:
    """A notice for each report and period of `due` with refusals in the ledger: not only those this
    process counted (a worker that died may have recorded some), and for each period of a report
    (a queue can hold last week's and this week's). A notice already sent for the same refusals is
    not sent again."""
    periods = {(item.report.id, item.period.end): (item.report, item.period) for item in due}
    for report, period in periods.values():
        per_report[report.id]["rejection_notices"] += _notify_rejections(report, period, transport, ledger,
                                                                          attempts, backoff)


@dataclass
class _Claimed:
    due: Due
    claim: Claim
    manifest: dict
    files: list[mail.Attachment]


def _deliver_digest(items: list[Due], run_date: date, rules: addresses.MailPolicy, transport, ledger: Ledger,
                    attempts: int, backoff: float, outcomes: dict[Key, list[str]]) -> int:
    """Claim each report of one recipient's digest, send the ones claimed in one message, record them.
    Fills `outcomes` per report key; returns the messages sent (0 or 1)."""
    claimed: list[_Claimed] = []
    try:
        for item in items:
            key, role = item.key, ",".join(item.person.roles)
            if ledger.state(key) == "sent":
                outcomes[key] = ["already_sent"]
                continue
            try:
                folder, manifest = _checked_folder(item.folder, item.content_hash,
                                                   f"{item.report.id} {item.period.end}", item.person.slice_id)
            except NotRenderedError as error:
                log.error("%s", error)
                outcomes[key] = ["failed"]
                continue
            claim = _claim_or_wait(ledger, key, role, item.rows)
            if claim is None:  # sent or refused meanwhile, or another worker is sending it
                outcomes[key] = [{"sent": "already_sent", "rejected": "rejected"}.get(ledger.state(key) or "",
                                                                                      "in_progress")]
                continue
            claimed.append(_Claimed(item, claim, manifest, []))
            files, altered = _snapshot(folder, item.person, rules.attachments_for(item.person.roles))
            if altered:
                claimed.pop()
                ledger.mark_failed(claim, altered, permanent=True)
                outcomes[key] = ["rejected"]
                continue
            claimed[-1].files = files
        if not claimed:
            return 0
        to = claimed[0].due.person.email
        keys = sorted("|".join(c.due.key.__dict__.values()) for c in claimed)
        content = mail.Digest(to=to, run_date=run_date, sections=[_section(c) for c in claimed],
                              message_id=mail.message_id("digest", to, *keys))
        claims = [c.claim for c in claimed]
        outcome = _send_all(transport, ledger, claims, mail.build_digest(content), attempts, backoff)
        claimed_now, claimed = claimed, []  # recorded (sent, failed or rejected): nothing to give back
    except BaseException as error:
        # Give every claim back at once: left 'sending', a retry within the lease would find them
        # taken, count them in progress and finish as if they had gone.
        if claimed:
            ledger.mark_all_failed([c.claim for c in claimed], f"{type(error).__name__}: {error}", permanent=False)
        raise
    for c in claimed_now:
        outcomes[c.due.key] = [outcome] + (["corrections"] if outcome == "sent" and c.claim.correction else [])
    for c in claimed_now if outcome == "sent" else []:
        archive.keep_sent(archive.period_dir(c.due.report.id, c.due.period.end.isoformat()),
                          c.due.person.slice_id, c.due.content_hash, c.files)
    return 1 if outcome == "sent" else 0


def _section(claimed: _Claimed) -> mail.Section:
    item, manifest = claimed.due, claimed.manifest
    spec = item.report.spec
    changes = manifest.get("since_last") or {}
    return mail.Section(
        report_id=item.report.id, title=spec.title, period=item.period, slice_label=item.person.label,
        classification=CLASSIFICATION[spec.sensitivity],
        # the figures the copy shows (after disclosure control), since-last counts included, as
        # render recorded them
        figures=[(label, value) for label, value in manifest["headline"]], attachments=claimed.files,
        correction=claimed.claim.correction,
        figures_cover=None if spec.figures_cover == "period" else describe(spec.figures_cover, item.period),
        compared_with=(changes.get("compared_with") or {}).get("end"),
        overdue=item.overdue, archived_html=_archived_html(item.folder, manifest))


def _archived_html(folder: Path, manifest: dict) -> str | None:
    """The link to the copy's HTML in the archive, when it was rendered (checked by the manifest)
    and the archive is served (`MI_ARCHIVE_URL`): a file:// link to this server's disk would not
    open on the reader's machine, so without one the digest gives no link."""
    html_files = [name for name in manifest.get("file_hashes", {}) if name.endswith(".html")]
    if not html_files or not settings.current().archive_url:
        return None
    return settings.archive_link(folder / html_files[0])


def _send_all(transport, ledger: Ledger, claims: list[Claim], message, attempts: int, backoff: float) -> str:
    """Send one message (a report, or a digest of several), retrying a temporary failure with back-off,
    then record every claim it carries in one transaction: 'sent', 'rejected' or 'failed'."""
    for attempt in range(1, attempts + 1):
        try:
            transport.send(message)
        except PermanentFailure as error:
            ledger.mark_all_failed(claims, str(error), permanent=True, tries=attempt)
            return "rejected"
        except TemporaryFailure as error:
            if attempt == attempts:
                ledger.mark_all_failed(claims, str(error), permanent=False, tries=attempt)
                return "failed"
            time.sleep(backoff * 2 ** (attempt - 1))
            continue
        ledger.mark_all_sent(claims, message["Message-ID"], tries=attempt)
        return "sent"
    raise AssertionError("unreachable")
