"""All SQL of the worker: leased claims, guarded completions, scheduled tasks.

Lease times come from ONE clock: PostgreSQL's ``now()`` when several workers share a
database (their own clocks may disagree), the process clock on SQLite (one host). A live
worker extends its leases while its batch is in flight (`extend`), so a lease outlives
the work it covers however long the receivers take.

A claim marks due deliveries `in_flight` with a fresh lease token and bumps their attempt
counter in ONE statement; deliveries whose lease expired (their worker died) are due
again, so recovery needs no separate sweeper. On PostgreSQL the candidate rows are picked
`FOR UPDATE SKIP LOCKED`, so concurrent workers never claim the same row; on SQLite the
`BEGIN IMMEDIATE` write transaction gives the same exclusion. Every completion carries
the lease token: a worker whose lease was taken over cannot overwrite the new owner's
result.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accord.kit.dialects import on_postgresql
from accord.models import Delivery, DeliveryAttempt, Event, ScheduledTask, WebhookSubscription


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    event_id: uuid.UUID
    subscription_id: uuid.UUID
    attempts: int


@dataclass(frozen=True)
class Backlog:
    """What the outbox holds now (read for the metrics gauges: docs/metrics.md)."""

    pending: int  # waiting for a first or a further attempt (due or not yet)
    in_flight: int  # claimed by a worker
    dead: int  # dead letters: given up on, kept until replayed
    oldest_due_at: datetime | None  # when the longest-waiting due delivery became due


class WorkerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _clock(self, now: datetime) -> ColumnElement[datetime]:
        """The database's clock on PostgreSQL; the given time on SQLite."""
        if on_postgresql(self.session):
            return func.now()
        return literal(now, Delivery.lease_expires_at.type)

    def _expiry(self, now: datetime, lease: timedelta) -> ColumnElement[datetime] | datetime:
        return func.now() + lease if on_postgresql(self.session) else now + lease

    def _due(self, now: datetime) -> ColumnElement[bool]:
        clock = self._clock(now)
        return or_(
            and_(Delivery.status == "pending", Delivery.next_attempt_at <= clock),
            and_(Delivery.status == "in_flight", Delivery.lease_expires_at < clock),
        )

    async def any_due(self, now: datetime) -> bool:
        """A cheap read first, so an idle worker never takes SQLite's write lock."""
        stmt = select(Delivery.id).where(self._due(now)).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    async def claim(self, token: str, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
        due = (
            select(Delivery.id)
            .where(self._due(now))
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
        )
        if on_postgresql(self.session):
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()))
            .values(
                status="in_flight",
                lease_token=token,
                lease_expires_at=self._expiry(now, lease),
                attempts=Delivery.attempts + 1,
            )
            .returning(Delivery.id, Delivery.event_id, Delivery.subscription_id, Delivery.attempts)
        )
        rows = (await self.session.execute(stmt)).all()
        return [Claimed(r[0], r[1], r[2], r[3]) for r in rows]

    async def extend(self, token: str, now: datetime, lease: timedelta) -> int:
        """Push the lease of every delivery this token still holds to now + lease."""
        result = await self.session.execute(
            update(Delivery)
            .where(Delivery.lease_token == token, Delivery.status == "in_flight")
            .values(lease_expires_at=self._expiry(now, lease))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def events(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Event]:
        rows = (await self.session.execute(select(Event).where(Event.id.in_(ids)))).scalars()
        return {e.id: e for e in rows}

    async def subscriptions(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, WebhookSubscription]:
        stmt = select(WebhookSubscription).where(WebhookSubscription.id.in_(ids))
        return {s.id: s for s in (await self.session.execute(stmt)).scalars()}

    async def still_ours(self, ids: Sequence[uuid.UUID], token: str) -> set[uuid.UUID]:
        """Lock and return the deliveries whose lease this token still holds."""
        stmt = select(Delivery.id).where(Delivery.id.in_(ids), Delivery.lease_token == token)
        if on_postgresql(self.session):
            stmt = stmt.with_for_update()
        return set((await self.session.execute(stmt)).scalars())

    async def finish_many(self, results: Sequence[dict[str, object]]) -> None:
        """Record many results in one batched statement (rows already locked as ours)."""
        if not results:
            return
        stmt = (
            update(Delivery.__table__)  # type: ignore[arg-type]
            .where(Delivery.__table__.c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                lease_token=None,
                lease_expires_at=None,
                last_status_code=bindparam("b_code"),
                last_error=bindparam("b_error"),
                last_error_class=bindparam("b_error_class"),
                last_latency_ms=bindparam("b_latency"),
                next_attempt_at=bindparam("b_next"),
                delivered_at=bindparam("b_delivered"),
                dead_at=bindparam("b_dead"),
            )
        )
        await self.session.execute(stmt, list(results))

    async def log_attempt(self, attempt: DeliveryAttempt) -> None:
        self.session.add(attempt)

    async def release(self, token: str) -> int:
        """Give claimed-but-unsent deliveries back (graceful shutdown)."""
        result = await self.session.execute(
            update(Delivery)
            .where(Delivery.lease_token == token, Delivery.status == "in_flight")
            .values(
                status="pending",
                lease_token=None,
                lease_expires_at=None,
                attempts=Delivery.attempts - 1,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def ensure_task(self, name: str, now: datetime) -> None:
        if await self.session.get(ScheduledTask, name) is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(ScheduledTask(name=name, next_run_at=now))
            except IntegrityError:  # another worker created it first
                pass

    async def claim_task(self, name: str, token: str, now: datetime, lease: timedelta) -> bool:
        result = await self.session.execute(
            update(ScheduledTask)
            .where(
                ScheduledTask.name == name,
                ScheduledTask.next_run_at <= now,
                or_(
                    ScheduledTask.lease_token.is_(None),
                    ScheduledTask.lease_expires_at < self._clock(now),
                ),
            )
            .values(lease_token=token, lease_expires_at=self._expiry(now, lease))
        )
        return bool(getattr(result, "rowcount", 0))

    async def finish_task(
        self, name: str, token: str, now: datetime, next_run_at: datetime, error: str | None
    ) -> None:
        await self.session.execute(
            update(ScheduledTask)
            .where(ScheduledTask.name == name, ScheduledTask.lease_token == token)
            .values(
                lease_token=None,
                lease_expires_at=None,
                last_run_at=now,
                next_run_at=next_run_at,
                last_error=error,
            )
        )

    async def purge_delivered(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` deliveries delivered before ``before``, attempts first."""
        ids = list(
            (
                await self.session.execute(
                    select(Delivery.id)
                    .where(Delivery.status == "delivered", Delivery.delivered_at < before)
                    .limit(limit)
                )
            ).scalars()
        )
        if not ids:
            return 0
        await self.session.execute(
            delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids))
        )
        await self.session.execute(delete(Delivery).where(Delivery.id.in_(ids)))
        return len(ids)

    async def purge_events(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` events older than ``before`` with no delivery left (every
        one delivered and purged, or none was ever made). Events with a dead letter stay."""
        ids = list(
            (
                await self.session.execute(
                    select(Event.id)
                    .where(
                        Event.created_at < before,
                        ~exists().where(Delivery.event_id == Event.id),
                    )
                    .limit(limit)
                )
            ).scalars()
        )
        if ids:
            await self.session.execute(delete(Event).where(Event.id.in_(ids)))
        return len(ids)

    async def backlog(self, now: datetime) -> Backlog:
        """Counts by status and the oldest due time: two reads on ix_deliveries_due.

        A due pending delivery became due at ``next_attempt_at``; an in-flight one whose
        lease expired (its worker died) at ``lease_expires_at``: the rule claims follow."""
        counts = select(Delivery.status, func.count()).where(
            Delivery.status.in_(("pending", "in_flight", "dead"))
        )
        rows = (await self.session.execute(counts.group_by(Delivery.status))).all()
        by_status = dict(rows)
        became_due = case(
            (Delivery.status == "pending", Delivery.next_attempt_at),
            else_=Delivery.lease_expires_at,
        )
        oldest = select(func.min(became_due)).where(self._due(now))
        return Backlog(
            pending=int(by_status.get("pending", 0)),
            in_flight=int(by_status.get("in_flight", 0)),
            dead=int(by_status.get("dead", 0)),
            oldest_due_at=(await self.session.execute(oldest)).scalar(),
        )
