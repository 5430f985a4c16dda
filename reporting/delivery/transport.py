"""How messages leave: SMTP (a real server) or the outbox folder (the embedded default).

Each message goes to one recipient, so a failure is that recipient's: a temporary one (SMTP 4xx,
connection refused or dropped, timeout) is retried with back-off, a permanent one (5xx: no such
mailbox, policy refusal) is recorded and not retried.

Configuration, first match wins:
  MI_TRANSPORT=outbox|smtp       force one
  MI_SMTP_HOST (+ MI_SMTP_PORT, MI_SMTP_STARTTLS=1, MI_SMTP_TLS=1, MI_SMTP_USER, MI_SMTP_PASSWORD,
                MI_SMTP_TIMEOUT)  SMTP from the environment
  Airflow connection `mi_smtp`   SMTP when running under Airflow (host, port, login, password;
                                 extra {"starttls": true} or {"ssl": true})
  otherwise                      the outbox: `.eml` files in MI_OUTBOX_DIR (var/outbox)
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from reporting import settings
from reporting.errors import MIError


class DeliveryError(MIError):
    def __init__(self, message: str, code: int | None = None):
        self.code = code
        super().__init__(message)


class TemporaryFailure(DeliveryError):
    """Try again later (4xx, server down)."""


class PermanentFailure(DeliveryError):
    """Do not retry (5xx)."""


def _classify(code: int, message: bytes | str) -> DeliveryError:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    text = text.splitlines()[0][:120] if text else ""
    kind = TemporaryFailure if 400 <= code < 500 else PermanentFailure
    return kind(f"SMTP {code} {text}".strip(), code)


def one_recipient(message: EmailMessage) -> str:
    """The message's one addressee. Every message goes to exactly one person (a failure is then
    theirs alone); addresses were checked when recipients were resolved, and this is the last wall
    before the wire: a `To` naming more than one address, or any Cc/Bcc, is refused for good."""
    header = message["To"]
    found = list(getattr(header, "addresses", ())) if header is not None else []
    if len(found) != 1 or message["Cc"] is not None or message["Bcc"] is not None:
        raise PermanentFailure(f"the message names {len(found)} addressee(s) in To (and Cc/Bcc: "
                               f"{message['Cc'] is not None or message['Bcc'] is not None}); expected exactly one")
    return found[0].addr_spec


class TransportConfigError(MIError, ValueError):
    """The settings name no way to send e-mail."""


@dataclass
class SmtpTransport:
    host: str
    port: int = 25
    starttls: bool = False
    tls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    name = "smtp"

    def send(self, message: EmailMessage) -> None:
        recipient = one_recipient(message)
        try:
            client: smtplib.SMTP
            if self.tls:
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password or "")
                refused = client.send_message(message, to_addrs=[recipient])
                if refused:  # only possible with several recipients; kept for safety
                    code, text = next(iter(refused.values()))
                    raise _classify(code, text)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise _classify(code, text) from None
        except smtplib.SMTPAuthenticationError as error:
            raise PermanentFailure(f"SMTP authentication failed ({error.smtp_code})", error.smtp_code) from None
        except smtplib.SMTPResponseException as error:
            raise _classify(error.smtp_code, error.smtp_error) from None
        except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError,
                OSError) as error:
            raise TemporaryFailure(f"SMTP server {self.host}:{self.port} unavailable: "
                                   f"{type(error).__name__}") from None

    def describe(self) -> str:
        return f"smtp://{self.host}:{self.port}"


@dataclass
class OutboxTransport:
    folder: Path
    name = "outbox"

    def send(self, message: EmailMessage) -> None:
        """Write `<message-id>.eml` (0600) atomically; the same message twice overwrites itself."""
        one_recipient(message)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in message["Message-ID"].strip("<>"))
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".eml", dir=self.folder)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.folder / f"{stem}.eml")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def describe(self) -> str:
        return f"outbox {self.folder}"


def _airflow_smtp() -> SmtpTransport | None:
    """The `mi_smtp` Airflow connection, when running inside Airflow and it is defined."""
    if not settings.current().in_airflow:
        return None
    try:
        from airflow.sdk import BaseHook
    except ImportError:
        return None
    try:
        conn = BaseHook.get_connection("mi_smtp")
    except Exception:  # noqa: BLE001 - no such connection: fall back to the outbox
        return None
    extra = conn.extra_dejson or {}
    # cast only: a connection without a host is not checked here
    return SmtpTransport(cast(str, conn.host), int(conn.port or 25), bool(extra.get("starttls")),
                         bool(extra.get("ssl")), conn.login or None, conn.password or None,
                         float(extra.get("timeout", 30)))


def from_environment():
    config = settings.current()
    forced = config.transport
    if forced != "outbox":
        if config.smtp_host:
            return SmtpTransport(config.smtp_host, config.smtp_port, config.smtp_starttls, config.smtp_tls,
                                 config.smtp_user, config.smtp_password, config.smtp_timeout)
        airflow = _airflow_smtp()
        if airflow:
            return airflow
        if forced == "smtp":
            raise TransportConfigError("MI_TRANSPORT=smtp but neither MI_SMTP_HOST nor the Airflow connection "
                                       "mi_smtp is set: set MI_SMTP_HOST (and MI_SMTP_PORT), or MI_TRANSPORT=outbox "
                                       "to write the e-mails to MI_OUTBOX_DIR")
    return OutboxTransport(settings.outbox_dir())
