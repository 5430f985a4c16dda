"""E-mail addresses: exactly one plain address per recipient, at a domain the council allows.

An address comes from data someone else keeps (the staff directory in the case database, the
partner config, the school contacts table), so it is untrusted text: `outsider@example.com,
manager@example.org` would otherwise reach the outsider with a team's children. Each address is
parsed by the standard library's header parser (`email.headerregistry`) and accepted only when
it is one `local@domain` with nothing else around it and its domain is allowed for its kind in
`config/mail.yml`. A refused address is never sent to: delivery records it in the ledger as
rejected and the performance team's notice names it.
"""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import HeaderRegistry
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reporting import settings
from reporting.config_files import load_model
from reporting.errors import ConfigError, MIError

Kind = Literal["council", "partners", "schools"]
_HEADERS = HeaderRegistry()

if TYPE_CHECKING:
    from email.headerregistry import AddressHeader


class AddressError(MIError, ValueError):
    """An address that must not be sent to; the message names the field and the rule it breaks."""


class MailConfigError(ConfigError):
    """config/mail.yml is missing or not as documented."""


Format = Literal["pdf", "xlsx", "csv"]
FORMAT_ORDER: tuple[Format, ...] = ("pdf", "xlsx", "csv")
DEFAULT_ATTACHMENTS: tuple[Format, ...] = ("pdf", "xlsx")


class MailPolicy(BaseModel):
    """config/mail.yml: the domains each kind of recipient may be at; whether staff get one digest
    per run (`digest`) and which files it attaches (`attachments`), by role."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    council: tuple[str, ...] = Field(min_length=1)
    partners: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    # true/false for everyone, or {default: true, PERFORMANCE: false}: per role
    digest: bool | dict[str, bool] = True
    # {default: [pdf, xlsx], PERFORMANCE: [pdf, xlsx, csv]}: the files a digest attaches, by role
    attachments: dict[str, tuple[Format, ...]] = Field(default_factory=lambda: {"default": DEFAULT_ATTACHMENTS})

    @field_validator("digest")
    @classmethod
    def _digest_roles(cls, digest: bool | dict[str, bool]) -> bool | dict[str, bool]:
        if isinstance(digest, dict):
            _known_roles(digest, "digest")
        return digest

    @field_validator("attachments")
    @classmethod
    def _attachment_roles(cls, attachments: dict[str, tuple[Format, ...]]) -> dict[str, tuple[Format, ...]]:
        _known_roles(attachments, "attachments")
        for role, formats in attachments.items():
            if not formats:
                raise ValueError(f"{role}: no formats; expected some of {', '.join(FORMAT_ORDER)}")
            if len(set(formats)) != len(formats):
                raise ValueError(f"{role}: {list(formats)} names a format twice")
        return {"default": DEFAULT_ATTACHMENTS, **attachments}

    def digest_for(self, roles: tuple[str, ...]) -> bool:
        """Whether a person in `roles` gets this report in their run's digest: off when any of
        their roles for it says off (`digest: {ROLE: false}`)."""
        if isinstance(self.digest, bool):
            return self.digest
        default = self.digest.get("default", True)
        return all(self.digest.get(role, default) for role in roles) if roles else default

    def attachments_for(self, roles: tuple[str, ...]) -> tuple[Format, ...]:
        """The formats a digest attaches for a person in `roles`: every format any of them asks for."""
        wanted = {f for role in roles or ("default",)
                  for f in self.attachments.get(role, self.attachments["default"])}
        return tuple(f for f in FORMAT_ORDER if f in wanted)

    @field_validator("council", "partners", "schools")
    @classmethod
    def _domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        for domain in domains:
            bare = domain.removeprefix(".")
            if not bare or "@" in domain or any(c.isspace() for c in domain) or "." not in bare:
                raise ValueError(f"{domain!r} is not a domain (expected e.g. example.org, or .example.org "
                                 "for its subdomains)")
        return tuple(d.lower() for d in domains)

    def allows(self, kind: Kind, domain: str) -> bool:
        domain = domain.lower()
        return any(domain == entry or (entry.startswith(".") and domain.endswith(entry))
                   for entry in getattr(self, kind))


def _known_roles(by_role: dict, field: str) -> None:
    from reporting.definitions import known_roles
    from reporting.errors import did_you_mean

    roles = known_roles()
    for role in by_role:
        if role != "default" and role not in roles:
            raise ValueError(f"{role!r} is not a role in config/roles.yml{did_you_mean(role, list(roles))}; "
                             f"{field} is keyed by role, or default")


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> MailPolicy:
    return load_model(MailPolicy, path, MailConfigError,
                      hint="; expected the allowed e-mail domains (council, partners, schools)")


def policy(path: Path | None = None) -> MailPolicy:
    path = path or settings.config_dir() / "mail.yml"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise MailConfigError(f"{path}: missing; expected the allowed e-mail domains (council, partners, "
                              "schools): see docs/delivery.md") from None
    return _load(str(path), mtime)


def shown(value: object) -> str:
    """An address as it may appear in an error or a notice: one line, at most 120 characters."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    return repr(text[:117] + "..." if len(text) > 120 else text)


def checked(value: object, kind: Kind, *, field: str, rules: MailPolicy | None = None) -> str:
    """`value` as one plain address (`local@domain`) allowed for `kind`.

    :param field: where the value came from, for the error (e.g. "ext_staff.staf_email").
    :raises AddressError: naming the field, the value (one line) and what was expected.
    """
    rules = rules or policy()
    where = f"{field} {shown(value)}"
    if not isinstance(value, str) or not value.strip():
        raise AddressError(f"{where}: blank; expected one e-mail address")
    if any(not ch.isprintable() for ch in value):
        raise AddressError(f"{where}: contains a line break or control character; expected one e-mail address")
    try:
        header = _HEADERS("To", value)
        addresses = cast("AddressHeader", header).addresses  # "To" makes a BaseHeader and AddressHeader
    except (HeaderParseError, IndexError, ValueError):
        raise AddressError(f"{where}: not an e-mail address") from None
    if len(addresses) != 1:
        raise AddressError(f"{where}: holds {len(addresses)} addresses; expected exactly one")
    address = addresses[0]
    # no group syntax, display name, comment or quoted local part: what is checked is what is sent
    if header.defects or cast("AddressHeader", header).groups[0].display_name is not None or address.display_name \
            or address.addr_spec != value.strip() or '"' in value or not address.username or not address.domain:
        raise AddressError(f"{where}: expected a plain address (name@domain) with nothing around it")
    if not rules.allows(kind, address.domain):
        allowed = ", ".join(getattr(rules, kind)) or "none"
        raise AddressError(f"{where}: the domain {address.domain} is not allowed for {kind} recipients "
                           f"(config/mail.yml allows: {allowed})")
    return address.addr_spec
