"""Sharing outside the council (partner agencies, schools): encrypted PDF, password by another channel.

A partner's PDF is already restricted to `partner_columns` (`slices.slice_definition`); a school's
holds its own pupils. The PDF is encrypted with AES-256 (`reporting.render.encrypt_pdf`); only
the encrypted copy is attached. The password never
travels with it or by its route: it goes in a second message to another mailbox (the partner's
`password_to` address; a school contact's password to the school's other contact), or, for
`password_to: out_of_band`, onto the out-of-band list (var/partner-passwords.csv, owner-only)
that the performance team reads out by phone. Configuration without a separate route is refused
(config/partners.yml), and a recipient without one is never sent the file. The password message
carries the report's protective marking, as the file's message does.

One password per slice content: it is kept (0600) beside the slice in the archive, so a retried
delivery attaches the same encrypted file the password message describes.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import os
import secrets
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from reporting import archive, settings
from reporting.delivery import message as mail
from reporting.render import encrypt_pdf
from reporting.render.tabular import FORMULA_TRIGGERS, csv_row
from reporting.schedules.periods import Period


def password_for(folder: Path, key: str) -> str:
    """The password for `key` (recipient slice and content hash), created once (owner-only file) and
    reused by retries. The file is named by a digest of the whole key: a prefix of it would let two
    slices with long, similar ids, or two versions of one slice's content, share a password."""
    path = folder / f".password-{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    archive.private_mkdir(folder)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    password = secrets.token_urlsafe(15)  # 20 characters, 120 bits
    while password.startswith(FORMULA_TRIGGERS) or password.startswith("_"):
        # read from the out-of-band CSV in a spreadsheet, "-abc..." would turn into a formula
        password = secrets.token_urlsafe(15)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


def encrypted_pdf(pdf: Path, password: str) -> Path:
    """`<stem>.encrypted.pdf` beside `pdf`; the plain PDF is removed so it cannot be attached by mistake."""
    target = pdf.with_name(f"{pdf.stem}.encrypted.pdf")
    encrypt_pdf(pdf, target, password)
    pdf.unlink()
    return target


def password_message(to: str, title: str, period: Period, partner: str, filename: str, password: str,
                     msg_id: str, classification: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender()
    message["To"] = to
    message["Subject"] = f"[{classification}] Password: {title}: {mail.period_text(period)} ({partner})"
    message["Message-ID"] = msg_id
    message["Date"] = formatdate(usegmt=True)
    message.set_content(
        f"The password to open {filename}, sent to {partner} in a separate message, is:\n\n"
        f"    {password}\n\nKeep it apart from the file. Do not reply with it or forward it.\n\n"
        f"Classification: {classification}. Do not forward outside the intended recipients.\n")
    return message


def out_of_band_list() -> Path:
    return settings.var_dir() / "partner-passwords.csv"


def record_out_of_band(report_id: str, period_end: str, partner_id: str, email: str, filename: str,
                       password: str) -> bool:
    """Add the password to the out-of-band list once; True if it was added."""
    path = out_of_band_list()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8", newline="") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # two workers appending at once
        handle.seek(0)
        existing = handle.read()
        # every field defused for a spreadsheet; the password never needs it (see password_for)
        row = [*csv_row([report_id, period_end, partner_id, email, filename]), password]
        # the whole row: a corrected report has a new password, which must be listed too
        if any(line == row for line in csv.reader(io.StringIO(existing))):
            return False
        if not existing:
            csv.writer(handle).writerow(["report_id", "period_end", "partner", "email", "file", "password"])
        csv.writer(handle).writerow(row)
        return True
