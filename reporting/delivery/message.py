"""The e-mail for one recipient's slice: subject, a short HTML body with the headline figures, attachments.

The body carries figures, never child-level rows: those are in the attachments (or behind the
archive link), which the classification marking in the subject covers.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from reporting import settings
from reporting.schedules.periods import Period
from reporting.text import one_line, written_date

ATTACH_ORDER = {"pdf": 0, "xlsx": 1, "csv": 2, "html": 3}


def max_attachment_bytes() -> int:
    return int(settings.current().max_attachment_mb * 1024 * 1024)


def sender() -> str:
    return settings.from_email()


def message_id(*parts: str) -> str:
    """Derived from the ledger key: a resent copy has the same Message-ID as the first."""
    return f"<{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:40]}@mi-reports.example.org>"


def day_text(day: date | str) -> str:
    """A date as the e-mails write it ("18 Oct 2026"); an ISO string (from a manifest) is read first."""
    day = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    return written_date(day)


def period_text(period: Period) -> str:
    if period.start == period.end:
        return day_text(period.end)
    return f"{day_text(period.start)} to {day_text(period.end)}"


def subject(title: str, period: Period, slice_label: str, classification: str, *, correction: bool) -> str:
    """One line whatever the data says: a team name with a line break would otherwise end the header
    (and, raised as an error, stop the delivery)."""
    prefix = "CORRECTION: " if correction else ""
    return one_line(f"[{classification}] {prefix}{title}: {period_text(period)} ({slice_label})")


@dataclass(frozen=True)
class Attachment:
    """A file as read from the archive (and checked against its manifest) for one message."""

    path: Path
    data: bytes

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Content:
    to: str
    title: str
    period: Period
    slice_label: str
    classification: str
    figures: list[tuple[str, str]]
    rows: int
    attachments: list[Attachment]
    archive_folder: Path
    message_id: str
    correction: bool = False
    note: str | None = None
    figures_cover: str | None = None  # the window the headline figures count over, when not the period


def build(content: Content) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = content.to
    message["Subject"] = subject(content.title, content.period, content.slice_label, content.classification,
                                 correction=content.correction)
    message["Message-ID"] = content.message_id
    message["Date"] = formatdate(localtime=False, usegmt=True)
    limit = max_attachment_bytes()
    attach = sorted(content.attachments, key=lambda a: ATTACH_ORDER.get(a.path.suffix[1:], 9))
    small = [a for a in attach if a.size <= limit]
    large = [a for a in attach if a.size > limit]
    message.set_content(_text(content, small, large))
    message.add_alternative(_html(content, small, large), subtype="html")
    for attachment in small:
        kind = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.name)
    return message


def copy_for(slice_label: str) -> str:
    """Whose copy it is, as its e-mail says it: "For: Family Intervention Team 1", "For: Royal Free
    Hospital safeguarding team" (a partner's copy, which may carry the whole authority's figures),
    or "For: the whole report" (the copy's label is "whole report", as Airflow names its task)."""
    return "the whole report" if slice_label == "whole report" else slice_label


def _text(content: Content, small: list[Attachment], large: list[Attachment]) -> str:
    lines = [f"{content.title}", f"Period: {period_text(content.period)}", f"For: {copy_for(content.slice_label)}", ""]
    if content.correction:
        lines += ["This is a CORRECTION: it replaces the version sent earlier for this period.", ""]
    if content.figures_cover:
        lines += [f"Figures for {content.figures_cover}:"]
    lines += [f"{label}: {value}" for label, value in content.figures]
    if content.note:
        lines += ["", content.note]
    if small:
        lines += ["", "Attached: " + ", ".join(p.name for p in small)]
    if large:
        lines += ["", "Too large to attach; open from the report archive:"]
        lines += [f"  {settings.archive_link(a.path)}" for a in large]
    lines += ["", f"Classification: {content.classification}. Do not forward outside the intended recipients."]
    return "\n".join(lines) + "\n"


def _html(content: Content, small: list[Attachment], large: list[Attachment]) -> str:
    e = html.escape
    figures = "".join(f"<tr><th scope='row' style='text-align:left'>{e(label)}</th><td>{e(value)}</td></tr>"
                      for label, value in content.figures)
    parts = [f"<h1>{e(content.title)}</h1>",
             f"<p>Period: {e(period_text(content.period))}<br>For: {e(copy_for(content.slice_label))}</p>"]
    if content.correction:
        parts.append("<p><strong>Correction:</strong> this replaces the version sent earlier for this period.</p>")
    if content.figures_cover:
        parts.append(f"<p>Figures for {e(content.figures_cover)}:</p>")
    parts.append(f"<table>{figures}</table>")
    if content.note:
        parts.append(f"<p>{e(content.note)}</p>")
    if small:
        parts.append(f"<p>Attached: {e(', '.join(p.name for p in small))}</p>")
    if large:
        links = "".join(f"<li><a href='{e(settings.archive_link(a.path))}'>{e(a.name)}</a></li>" for a in large)
        parts.append(f"<p>Too large to attach; open from the report archive:</p><ul>{links}</ul>")
    parts.append(f"<p><small>Classification: {e(content.classification)}. Do not forward outside the "
                 "intended recipients.</small></p>")
    return ("<!doctype html><html lang='en-GB'><head><meta charset='utf-8'></head><body style='font-family:"
            "Arial,sans-serif'>" + "".join(parts) + "</body></html>\n")


# ---- one e-mail for a run: a section per report ----------------------------------------------------
CLASSIFICATION_RANK = {"OFFICIAL": 0, "OFFICIAL-SENSITIVE": 1}


@dataclass
class Section:
    """One report in a digest: its headline figures (as render recorded them), what changed since
    the last list when the manifest has it, and its files."""

    report_id: str
    title: str
    period: Period
    slice_label: str
    classification: str
    figures: list[tuple[str, str]]
    attachments: list[Attachment]
    correction: bool = False
    figures_cover: str | None = None
    compared_with: str | None = None  # the period end of the list the since-last figures compare with
    overdue: dict | None = None  # the copy's red records: {red: how many, first: the first few, named}
    archived_html: str | None = None  # where the reader opens the copy's HTML in the archive


@dataclass
class Digest:
    to: str
    run_date: date
    sections: list[Section]
    message_id: str


def digest_subject(digest: Digest) -> str:
    top = max((s.classification for s in digest.sections), key=lambda c: CLASSIFICATION_RANK.get(c, 2))
    corrections = sum(s.correction for s in digest.sections)
    count = len(digest.sections)
    note = f", {corrections} CORRECTION{'S' if corrections > 1 else ''}" if corrections else ""
    # the run's date, said as such (a digest can hold a year's report), and the report by name when
    # there is one: "1 report" told the reader nothing about what arrived
    what = digest.sections[0].title if count == 1 else f"{count} reports"
    return one_line(f"[{top}] MI reports run on {day_text(digest.run_date)}: {what}{note}")


def build_digest(digest: Digest) -> EmailMessage:
    """One message for one person: every section's figures in the body, every section's files attached
    (a file over MI_MAX_ATTACHMENT_MB is named with its archive path instead, as in `build`)."""
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = digest.to
    message["Subject"] = digest_subject(digest)
    message["Message-ID"] = digest.message_id
    message["Date"] = formatdate(localtime=False, usegmt=True)
    limit = max_attachment_bytes()
    parts = []
    for section in digest.sections:
        attach = sorted(section.attachments, key=lambda a: ATTACH_ORDER.get(a.path.suffix[1:], 9))
        parts.append((section, [a for a in attach if a.size <= limit], [a for a in attach if a.size > limit]))
    message.set_content(_digest_text(digest, parts))
    message.add_alternative(_digest_html(digest, parts), subtype="html")
    for _, small, _ in parts:
        for attachment in small:
            kind = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
            maintype, subtype = kind.split("/", 1)
            message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.name)
    return message


def _digest_text(digest: Digest, parts) -> str:
    lines = [f"Your MI reports run on {day_text(digest.run_date)} ({len(digest.sections)})", ""]
    for number, (section, small, large) in enumerate(parts, 1):
        prefix = "CORRECTION: " if section.correction else ""
        lines += [f"{number}. {prefix}{section.title}", f"Period: {period_text(section.period)}",
                  f"For: {copy_for(section.slice_label)}"]
        if section.correction:
            lines += ["This replaces the version sent earlier for this period."]
        if section.figures_cover:
            lines += [f"Figures for {section.figures_cover}:"]
        lines += [f"  {label}: {value}" for label, value in section.figures]
        if section.compared_with:
            lines += [f"  (since the list for the period ending {day_text(section.compared_with)})"]
        if section.overdue and section.overdue["red"]:
            lines += [f"{_first_red(section.overdue)}:"]
            lines += ["  - " + "; ".join(f"{label}: {value}" for label, value in item)
                      for item in section.overdue["first"]]
        if section.archived_html:
            lines += [f"Open in the archive: {section.archived_html}"]
        if small:
            lines += ["Attached: " + ", ".join(a.name for a in small)]
        if large:
            lines += ["Too large to attach; open from the report archive:"]
            lines += [f"  {settings.archive_link(a.path)}" for a in large]
        lines += [""]
    top = max((s.classification for s in digest.sections), key=lambda c: CLASSIFICATION_RANK.get(c, 2))
    lines += [f"Classification: {top}. Do not forward outside the intended recipients."]
    return "\n".join(lines) + "\n"


def _first_red(overdue: dict) -> str:
    """"The 2 red records on your list" or "The first 5 of 12 red records on your list"."""
    red, shown = overdue["red"], len(overdue["first"])
    if red == 1:
        return "The red record on your list"
    if shown < red:
        return f"The first {shown} of {red:,} red records on your list"
    return f"The {red} red records on your list"


def _digest_html(digest: Digest, parts) -> str:
    e = html.escape
    body = [f"<h1>Your MI reports run on {day_text(digest.run_date)} ({len(digest.sections)})</h1>"]
    for section, small, large in parts:
        prefix = "<strong>CORRECTION:</strong> " if section.correction else ""
        body.append(f"<h2>{prefix}{e(section.title)}</h2>"
                    f"<p>Period: {e(period_text(section.period))}<br>For: {e(copy_for(section.slice_label))}</p>")
        if section.correction:
            body.append("<p>This replaces the version sent earlier for this period.</p>")
        if section.figures_cover:
            body.append(f"<p>Figures for {e(section.figures_cover)}:</p>")
        body.append("<table>" + "".join(f"<tr><th scope='row' style='text-align:left'>{e(label)}</th>"
                                        f"<td>{e(value)}</td></tr>" for label, value in section.figures) + "</table>")
        if section.compared_with:
            body.append(f"<p>Since the list for the period ending {e(day_text(section.compared_with))}.</p>")
        if section.overdue and section.overdue["red"]:
            items = "".join("<li>" + "; ".join(f"{e(label)}: {e(value)}" for label, value in item) + "</li>"
                            for item in section.overdue["first"])
            body.append(f"<p>{e(_first_red(section.overdue))}:</p><ul>{items}</ul>")
        if section.archived_html:
            body.append(f"<p><a href='{e(section.archived_html)}'>Open {e(section.title)} in the archive</a></p>")
        if small:
            body.append(f"<p>Attached: {e(', '.join(a.name for a in small))}</p>")
        if large:
            links = "".join(f"<li><a href='{e(settings.archive_link(a.path))}'>{e(a.name)}</a></li>" for a in large)
            body.append(f"<p>Too large to attach; open from the report archive:</p><ul>{links}</ul>")
    top = max((s.classification for s in digest.sections), key=lambda c: CLASSIFICATION_RANK.get(c, 2))
    body.append(f"<p><small>Classification: {e(top)}. Do not forward outside the intended recipients.</small></p>")
    return ("<!doctype html><html lang='en-GB'><head><meta charset='utf-8'></head><body style='font-family:"
            "Arial,sans-serif'>" + "".join(body) + "</body></html>\n")
