"""Who receives a report: its recipient roles resolved to people, each with the slice they may see.

Internal roles come from the staff directory in the case database (`ext_staff` for role, team and
e-mail, `ssd_professionals` for the name, `ext_teams`/`ext_services` for the hierarchy), as it
stood on the run's `as_at` date: a worker who left before it receives nothing. Partner roles come
from `config/partners.yml`; school contacts from `ext_schools`.

A person named by two roles for the same slice (a team manager who is also listed as senior
practitioner) gets one message: recipients are unique by (e-mail, scope, key).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Engine, Row, text

from reporting import settings
from reporting.config_files import load_model
from reporting.definitions import Definition, Recipient, known_roles
from reporting.delivery import addresses
from reporting.errors import ConfigError


# ---- config/partners.yml -------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Partner(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    roles: list[str] = Field(min_length=1)
    # Checked per recipient when a report is delivered (reporting.delivery.addresses): a bad
    # address refuses that partner's copies, not every partner's; `mi reports validate` lists it.
    email: str
    password_to: str = Field(description="Where the password of the partner's encrypted PDFs goes: a second "
                             "address (another mailbox than `email`) or 'out_of_band'.")

    @model_validator(mode="after")
    def _password_by_another_route(self) -> Partner:
        # the file and its password by one route is one interception away from both
        if self.password_to.strip().lower() == self.email.strip().lower():
            raise ValueError(f"partner {self.id!r}: password_to is the address the PDF goes to; the password must "
                             "go by another route: a second address (another mailbox) or out_of_band")
        return self

    @field_validator("roles")
    @classmethod
    def _partner_roles(cls, roles: list[str]) -> list[str]:
        known = known_roles()
        for role in roles:
            if known.get(role, {}).get("source") != "partner":
                raise ValueError(f"{role!r} is not a partner role in config/roles.yml")
        return roles


class Schools(_Strict):
    maintained_only: bool = True
    in_borough_only: bool = True
    contacts: list[str] = ["scho_cp_lead_email", "scho_assistant_head_email"]
    password_to: Literal["other_contact", "out_of_band"] = Field(
        "other_contact", description="other_contact: the encrypted PDF goes to the school's first contact "
        "and its password to the second, so neither mailbox holds both (a school with one contact: the "
        "out-of-band list); out_of_band: the PDF to every contact, every password to the out-of-band list.")

    @field_validator("contacts")
    @classmethod
    def _columns(cls, contacts: list[str]) -> list[str]:
        allowed = {"scho_cp_lead_email", "scho_assistant_head_email"}
        for name in contacts:
            if name not in allowed:
                raise ValueError(f"unknown contact column {name!r}; expected some of {sorted(allowed)}")
        return contacts


class PartnerDirectory(_Strict):
    partners: list[Partner] = []
    schools: Schools = Schools()


class PartnerConfigError(ConfigError):
    pass


@lru_cache(maxsize=4)
def _load_partners(path: str, mtime: float) -> PartnerDirectory:
    directory = load_model(PartnerDirectory, path, PartnerConfigError)
    ids = [p.id for p in directory.partners]
    if len(ids) != len(set(ids)):
        raise PartnerConfigError(f"{path}: partner ids must be unique")
    return directory


def load_partners(path: Path | None = None) -> PartnerDirectory:
    path = path or settings.config_dir() / "partners.yml"
    if not path.exists():
        return PartnerDirectory()
    return _load_partners(str(path), path.stat().st_mtime)


# ---- the staff directory -------------------------------------------------------------------------
@dataclass(frozen=True)
class Directory:
    """Teams and services from the case database: what `service` scope expands to."""

    team_names: dict[str, str]
    team_service: dict[str, str]
    service_names: dict[str, str]
    team_kinds: dict[str, str] = field(default_factory=dict)

    def narrows_out(self, recipient: Recipient, unit: str | None) -> bool:
        """True when a definition's `team_kinds` / `services` leave out staff placed in `unit` (a
        team, or a service for a service manager)."""
        if recipient.team_kinds and self.team_kinds.get(unit or "") not in recipient.team_kinds:
            return True
        return bool(recipient.services) and self.service_of(unit) not in (recipient.services or [])

    def service_of(self, unit: str | None) -> str | None:
        if unit in self.service_names:
            return unit
        return self.team_service.get(unit or "")

    def teams_of(self, service_id: str) -> set[str]:
        return {t for t, s in self.team_service.items() if s == service_id}

    def label(self, unit: str | None) -> str:
        return self.team_names.get(unit or "") or self.service_names.get(unit or "") or str(unit)


def load_directory(engine: Engine) -> Directory:
    with engine.connect() as conn:
        teams = conn.execute(text(
            "SELECT d.dept_team_id, d.dept_team_name, t.team_service_id, t.team_kind FROM ssd_department d "
            "LEFT JOIN ext_teams t ON t.team_team_id = d.dept_team_id")).all()
        services = conn.execute(text("SELECT serv_service_id, serv_service_name FROM ext_services")).all()
    return Directory({t[0]: t[1] for t in teams}, {t[0]: t[2] for t in teams if t[2]},
                     {s[0]: s[1] for s in services}, {t[0]: t[3] for t in teams if t[3]})


# ---- people --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    """One recipient and the slice they may see.

    `key` is what the scope selects on: a team id (team), service id (service), professional id
    (worker), school URN (school), partner id (agency), or None (all).
    """

    email: str
    name: str
    scope: str
    key: str | None
    label: str
    kind: str  # staff | partner | school
    roles: tuple[str, ...] = ()
    password_to: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    refused: str | None = None  # why nothing may be sent to this person (an address or key refused)

    @property
    def external(self) -> bool:
        """Outside the council (a partner agency or a school): gets the encrypted PDF only, and its
        password by a separate message, never plain child-level files."""
        return self.kind in ("partner", "school")

    @property
    def slice_id(self) -> str:
        """The slice in the ledger and the archive: `all`, `team-T-CIN01`, `agency-cait`..."""
        return "all" if self.scope == "all" else f"{self.scope}-{self.key}"


def _staff(engine: Engine, role: str, as_at: date) -> Sequence[Row]:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT s.staf_professional_id, s.staf_email, s.staf_team_id, p.prof_professional_name "
            "FROM ext_staff s LEFT JOIN ssd_professionals p ON p.prof_professional_id = s.staf_professional_id "
            "WHERE s.staf_role = :role AND s.staf_start_date <= :as_at "
            "AND (s.staf_leave_date IS NULL OR s.staf_leave_date > :as_at) "
            "ORDER BY s.staf_professional_id"), {"role": role, "as_at": as_at}).all()


CONTACT_NAMES = {"scho_cp_lead_email": "CP lead", "scho_assistant_head_email": "assistant head"}


def _schools(engine: Engine, config: Schools) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Each school: its URN, name and contacts as (contact column, address), in `contacts` order,
    each address once."""
    where = []
    if config.maintained_only:
        where.append("scho_is_maintained = :yes")
    if config.in_borough_only:
        where.append("scho_in_borough = :yes")
    columns = ", ".join(config.contacts)
    sql = f"SELECT scho_urn, scho_name, {columns} FROM ext_schools"
    if where:
        sql += " WHERE " + " AND ".join(where)
    with engine.connect() as conn:
        rows = conn.execute(text(sql + " ORDER BY scho_urn"), {"yes": True}).all()
    schools = []
    for row in rows:
        contacts: dict[str, tuple[str, str]] = {}
        for column, email in zip(config.contacts, row[2:]):
            if email:
                contacts.setdefault(email.strip().lower(), (column, email))
        schools.append((row[0], row[1], list(contacts.values())))
    return schools


def school_recipients(config: Schools, contacts: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Who at a school gets the encrypted PDF, as (contact column, address, where its password goes).

    Both contacts cannot get the file: one copy has one password, and each contact would then hold
    the file and, from the other, its password. So with `other_contact` the first contact gets the
    file and the second the password, as a partner's `email` and `password_to`; a school with one
    contact, or `out_of_band`, has every password read out by the performance team instead."""
    if config.password_to == "other_contact" and len(contacts) >= 2:
        (column, email), (_, other) = contacts[0], contacts[1]
        return [(column, email, other)]
    return [(column, email, OUT_OF_BAND) for column, email in contacts]


def resolve(spec: Definition, engine: Engine, as_at: date, *, partners: PartnerDirectory | None = None,
            directory: Directory | None = None) -> list[Person]:
    """Every person who receives `spec` on `as_at`, with their scope and slice key; sorted."""
    partners = partners or load_partners()
    directory = directory or load_directory(engine)
    roles = known_roles()
    found: dict[tuple, Person] = {}

    rules = addresses.policy()

    def add(person: Person) -> None:
        person = _checked(person, rules)
        ident = (person.email.lower(), person.scope, person.key)
        if ident in found:
            merged = tuple(sorted(set(found[ident].roles) | set(person.roles)))
            person = Person(**{**found[ident].__dict__, "roles": merged})
        found[ident] = person

    for recipient in spec.recipients:
        role, scope = recipient.role, recipient.scope
        source = roles[role]["source"]
        if source == "staff":
            for worker_id, email, unit, name in _staff(engine, role, as_at):
                if directory.narrows_out(recipient, unit):
                    continue
                if scope == "all":
                    key, label = None, "whole report"
                elif scope == "team":
                    key, label = unit, directory.label(unit)
                elif scope == "service":
                    key = directory.service_of(unit)
                    label = directory.label(key)
                elif scope == "worker":
                    key, label = worker_id, name or worker_id
                else:
                    raise ValueError(f"{spec.id}: role {role} (staff) cannot have scope {scope!r}")
                if not key and scope != "all":
                    continue  # not placed in a team/service (None or blank): nothing they may see
                add(Person(email, name or worker_id, scope, key, label, "staff", (role,)))
        elif scope == "school":
            for urn, school, contacts in _schools(engine, partners.schools):
                for column, email, password_to in school_recipients(partners.schools, contacts):
                    add(Person(email, f"{school} ({CONTACT_NAMES.get(column, 'contact')})", scope, urn, school,
                               "school", (role,), password_to))
        else:
            for partner in partners.partners:
                if role in partner.roles:
                    add(Person(partner.email, partner.name, "agency", partner.id, partner.name, "partner",
                               (role,), partner.password_to))
    return sorted(found.values(), key=lambda p: (p.slice_id, p.email))


OUT_OF_BAND = "out_of_band"  # partners.yml `password_to`: read out by phone, not e-mailed
_ADDRESS_KIND: dict[str, addresses.Kind] = {"staff": "council", "partner": "partners", "school": "schools"}
_ADDRESS_FIELD = {"staff": "ext_staff.staf_email", "partner": "config/partners.yml email",
                  "school": "ext_schools contact e-mail"}
# A school URN is 6 digits (DfE's Get Information about Schools); anything else cannot name a
# slice folder or a ledger entry safely.
_URN = re.compile(r"[0-9]{6}")
_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


def _checked(person: Person, rules: addresses.MailPolicy) -> Person:
    """The person with their address normalised, or marked refused (never sent to) with the reason."""
    kind = _ADDRESS_KIND[person.kind]
    try:
        email = addresses.checked(person.email, kind, field=_ADDRESS_FIELD[person.kind], rules=rules)
        if person.external and (person.password_to is None
                                or person.password_to.strip().lower() == person.email.strip().lower()):
            # never the file and its password by one route (config refuses it; this is the last guard)
            raise addresses.AddressError(f"{person.scope} {person.key}: no separate route for the password "
                                         "(password_to missing or the same address as the file)")
        if person.password_to not in (None, OUT_OF_BAND):
            addresses.checked(person.password_to, kind, field="config/partners.yml password_to", rules=rules)
        if person.kind == "school" and not _URN.fullmatch(str(person.key)):
            raise addresses.AddressError(f"ext_schools.scho_urn {addresses.shown(person.key)}: expected a "
                                         "6-digit URN")
        if person.key is not None and not _SAFE_KEY.fullmatch(str(person.key)):
            # the key names the slice's folder in the archive and its ledger entries
            raise addresses.AddressError(f"{person.scope} id {addresses.shown(person.key)}: expected letters, "
                                         "digits, '-' or '_' only (it names a folder)")
    except addresses.AddressError as error:
        return replace(person, email=addresses.shown(person.email)[1:-1], refused=str(error))
    return replace(person, email=email)
