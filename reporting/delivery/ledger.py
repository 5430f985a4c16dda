"""The delivery ledger: one row per (report, period, slice, recipient, kind, content hash).

It lives in the pipeline's state database (`MI_STATE_URL`), never the case database. The unique
constraint is what makes sending exactly-once: before sending, a worker *claims* the row, by
inserting it (`state = sending`) or, if it exists, by a conditional update that only succeeds
when the row is `failed` (a temporary failure to retry) or is a `sending` row whose lease has run
out (its worker died). Of two workers racing, the database lets exactly one insert or update win;
the loser sees the row taken and sends nothing. A `sent` row is never claimed again, and a
finished row (sent, refused) is never finished again: only a claim still `sending` is.

The one window left: a worker that dies after the SMTP server accepted the message but before it
marked the row `sent`. Its lease runs out and the message is sent again. The Message-ID is
derived from the ledger key, so the second copy carries the same Message-ID as the first and
mail clients show it once. Leases are long (default 10 minutes) so a slow send is not mistaken for
a dead one.

A digest (one e-mail to one person carrying several reports of a run, reporting.delivery.deliver)
claims each report's row as above, sends once, and records all its rows sent with the one
Message-ID in one transaction (`mark_all_sent`), or gives them all back: a retried digest carries
only the reports whose rows are not `sent`, and is not sent at all when every one is.

States: sending, sent, failed (temporary; retried), rejected (permanent; not retried), empty (the
slice had no rows and the definition does not ask for empty reports: recorded, not sent).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from reporting import settings
from reporting.archive import private_sqlite_file

metadata = MetaData()
deliveries = Table(
    "mi_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", String(64), nullable=False),
    Column("period_end", String(10), nullable=False),
    Column("slice_id", String(200), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("kind", String(16), nullable=False),  # report | password
    Column("content_hash", String(64), nullable=False),
    Column("role", String(200)),
    Column("rows", Integer),
    Column("state", String(16), nullable=False),
    Column("correction", Boolean, nullable=False, default=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("lease_until", DateTime),
    Column("claim_token", String(32)),
    Column("message_id", String(200)),
    Column("last_error", String(300)),
    UniqueConstraint("report_id", "period_end", "slice_id", "recipient", "kind", "content_hash",
                     name="uq_mi_deliveries_once"),
)
RETRYABLE = "failed"


def _now() -> datetime:
    # naive UTC: compares the same way in SQLite (text) and PostgreSQL
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Key:
    report_id: str
    period_end: str
    slice_id: str
    recipient: str
    kind: str
    content_hash: str

    def where(self):
        return and_(*(deliveries.c[name] == value for name, value in self.__dict__.items()))


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    attempt: int
    correction: bool


SCHEMA_LOCK_KEY = 7_260_001  # an arbitrary constant naming the advisory lock that guards table creation


class Ledger:
    def __init__(self, url: str | None = None, *, lease_seconds: int = 600):
        url = url or settings.state_url()
        private_sqlite_file(url)  # who was sent what: staff addresses, slices
        self.engine: Engine = create_engine(url, **({"connect_args": {"timeout": 60}}
                                                   if url.startswith("sqlite") else {}))
        if url.startswith("sqlite"):
            _sqlite_immediate(self.engine)
        self.lease = timedelta(seconds=lease_seconds)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two runs starting at once on a fresh state database would both see no table and
                # both CREATE it (DuplicateTable); the lock makes the second wait and find it.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            metadata.create_all(conn)

    def dispose(self) -> None:
        self.engine.dispose()

    # ---- claiming --------------------------------------------------------------------------------
    def claim(self, key: Key, *, role: str = "", rows: int | None = None) -> Claim | None:
        """Take the right to send `key`, or None when it is sent, rejected or being sent elsewhere."""
        now, token = _now(), secrets.token_hex(8)
        correction = self._is_correction(key)
        values = {**key.__dict__, "role": role, "rows": rows, "state": "sending", "correction": correction,
                  "attempts": 1, "created_at": now, "updated_at": now, "lease_until": now + self.lease,
                  "claim_token": token}
        try:
            with self.engine.begin() as conn:
                # a single-row insert always has its primary key
                row_id = cast(Row, conn.execute(insert(deliveries).values(**values)).inserted_primary_key)[0]
            return Claim(row_id, token, 1, correction)
        except IntegrityError:
            pass
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(deliveries)
                .where(key.where(), or_(deliveries.c.state == RETRYABLE,
                                        and_(deliveries.c.state == "sending", deliveries.c.lease_until < now)))
                .values(state="sending", claim_token=token, attempts=deliveries.c.attempts + 1,
                        updated_at=now, lease_until=now + self.lease, rows=rows))
            if taken.rowcount != 1:
                return None
            row = conn.execute(select(deliveries.c.id, deliveries.c.attempts, deliveries.c.correction)
                               .where(key.where())).one()
        return Claim(row.id, token, row.attempts, bool(row.correction))

    def _is_correction(self, key: Key) -> bool:
        """Something different was already sent to this recipient for this report, period and slice."""
        with self.engine.connect() as conn:
            return conn.execute(select(deliveries.c.id).where(
                deliveries.c.report_id == key.report_id, deliveries.c.period_end == key.period_end,
                deliveries.c.slice_id == key.slice_id, deliveries.c.recipient == key.recipient,
                deliveries.c.kind == key.kind, deliveries.c.state == "sent",
                deliveries.c.content_hash != key.content_hash).limit(1)).first() is not None

    def _finish_all(self, claims: list[Claim], **values) -> int:
        """Record the outcome of claims in ONE transaction (a digest's reports all sent, or all given
        back, together), each fenced by its claim token: a worker whose lease was taken over cannot
        overwrite the row. Returns how many rows were still this worker's to finish."""
        done = 0
        with self.engine.begin() as conn:
            for claim in claims:
                # still sending: a row once finished (sent, refused) is never finished again, so
                # an error after a send cannot turn a sent row back into one to send again
                done += conn.execute(update(deliveries)
                                     .where(deliveries.c.id == claim.id, deliveries.c.claim_token == claim.token,
                                            deliveries.c.state == "sending")
                                     .values(updated_at=_now(), lease_until=None, **values)).rowcount
        return done

    def mark_all_sent(self, claims: list[Claim], message_id: str, *, tries: int = 1) -> int:
        """Every claim sent in `message_id`; `tries`: send attempts made under these claims (the claim
        itself counted one)."""
        return self._finish_all(claims, state="sent", sent_at=_now(), message_id=message_id, last_error=None,
                                attempts=deliveries.c.attempts + (tries - 1))

    def mark_all_failed(self, claims: list[Claim], error: str, *, permanent: bool, tries: int = 1) -> int:
        return self._finish_all(claims, state="rejected" if permanent else RETRYABLE, last_error=error[:300],
                                attempts=deliveries.c.attempts + (tries - 1))

    def mark_sent(self, claim: Claim, message_id: str, *, tries: int = 1) -> bool:
        return self.mark_all_sent([claim], message_id, tries=tries) == 1

    def mark_failed(self, claim: Claim, error: str, *, permanent: bool, tries: int = 1) -> bool:
        return self.mark_all_failed([claim], error, permanent=permanent, tries=tries) == 1

    def record_empty(self, key: Key, *, role: str = "") -> None:
        now = _now()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(deliveries).values(**key.__dict__, role=role, rows=0, state="empty",
                                                       correction=False, attempts=0, created_at=now,
                                                       updated_at=now))
        except IntegrityError:
            pass  # already recorded by an earlier run

    # ---- reading ---------------------------------------------------------------------------------
    def state(self, key: Key) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(deliveries.c.state).where(key.where())).scalar()

    def entries(self, report_id: str | None = None, period_end: str | None = None, *,
                since: datetime | None = None, until: datetime | None = None,
                states: Collection[str] = ()) -> list[dict]:
        """Ledger rows, filtered: a report, a period (its end date), last recorded in [since, until),
        in one of `states` (sent, rejected, failed, empty, sending)."""
        query = select(deliveries).order_by(deliveries.c.report_id, deliveries.c.period_end,
                                            deliveries.c.slice_id, deliveries.c.recipient, deliveries.c.id)
        if report_id:
            query = query.where(deliveries.c.report_id == report_id)
        if period_end:
            query = query.where(deliveries.c.period_end == period_end)
        if since is not None:
            query = query.where(deliveries.c.updated_at >= since)
        if until is not None:
            query = query.where(deliveries.c.updated_at < until)
        if states:
            query = query.where(deliveries.c.state.in_(list(states)))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


def _sqlite_immediate(engine: Engine) -> None:
    """SQLite: take the write lock at BEGIN, so two workers' claim transactions queue (busy timeout)
    instead of failing with 'database is locked' when both try to upgrade a read lock."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
