"""All SQL for webhook subscriptions, deliveries and dead letters (API side)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from accord.kit.dialects import on_postgresql
from accord.models import Delivery, DeliveryAttempt, Event, WebhookSubscription


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, workspace_id: uuid.UUID, sub_id: uuid.UUID) -> WebhookSubscription | None:
        stmt = select(WebhookSubscription).where(
            WebhookSubscription.workspace_id == workspace_id,
            WebhookSubscription.id == sub_id,
            WebhookSubscription.deleted_at.is_(None),
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self,
        workspace_id: uuid.UUID,
        *,
        team_id: uuid.UUID | None,
        after_id: uuid.UUID | None,
        limit: int,
    ) -> Sequence[WebhookSubscription]:
        stmt = select(WebhookSubscription).where(
            WebhookSubscription.workspace_id == workspace_id,
            WebhookSubscription.deleted_at.is_(None),
        )
        if team_id is not None:
            stmt = stmt.where(WebhookSubscription.team_id == team_id)
        if after_id is not None:
            stmt = stmt.where(WebhookSubscription.id > after_id)
        stmt = stmt.order_by(WebhookSubscription.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def lock_subscriptions(self, workspace_id: uuid.UUID) -> None:
        """Serialise subscription changes of a workspace until the transaction ends, so
        the limit and duplicate checks cannot race (SQLite's BEGIN IMMEDIATE already
        does; on PostgreSQL a transaction-scoped advisory lock, which blocks nothing else).
        """
        if not on_postgresql(self.session):
            return
        digest = hashlib.sha256(b"accord.webhooks:" + workspace_id.bytes).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def count_live(self, workspace_id: uuid.UUID, *, team_id: uuid.UUID | None) -> int:
        """Subscriptions not deleted: of one team, or (``team_id=None``) of the workspace."""
        stmt = (
            select(func.count())
            .select_from(WebhookSubscription)
            .where(
                WebhookSubscription.workspace_id == workspace_id,
                WebhookSubscription.deleted_at.is_(None),
            )
        )
        if team_id is not None:
            stmt = stmt.where(WebhookSubscription.team_id == team_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def live_with_url(
        self, workspace_id: uuid.UUID, team_id: uuid.UUID | None, url: str
    ) -> Sequence[WebhookSubscription]:
        """The owner's (a team, or the workspace itself) live subscriptions to ``url``."""
        owner = (
            WebhookSubscription.team_id.is_(None)
            if team_id is None
            else WebhookSubscription.team_id == team_id
        )
        stmt = select(WebhookSubscription).where(
            WebhookSubscription.workspace_id == workspace_id,
            WebhookSubscription.deleted_at.is_(None),
            WebhookSubscription.url == url,
            owner,
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def add(self, sub: WebhookSubscription) -> WebhookSubscription:
        self.session.add(sub)
        await self.session.flush()
        return sub

    async def flush(self) -> None:
        await self.session.flush()

    def add_event(self, event: Event, delivery: Delivery) -> None:
        """An outbox event with its one delivery (a ping, for one subscription only)."""
        self.session.add(event)
        self.session.add(delivery)

    async def deliveries(
        self,
        workspace_id: uuid.UUID,
        *,
        subscription_ids: Sequence[uuid.UUID] | None,
        status: str | None,
        event_type: str | None = None,
        since: datetime | None = None,
        after_id: uuid.UUID | None,
        limit: int,
    ) -> list[tuple[Delivery, str]]:
        stmt = (
            select(Delivery, Event.type)
            .join(Event, Event.id == Delivery.event_id)
            .where(Delivery.workspace_id == workspace_id)
        )
        if subscription_ids is not None:
            stmt = stmt.where(Delivery.subscription_id.in_(subscription_ids))
        if status is not None:
            stmt = stmt.where(Delivery.status == status)
        if event_type is not None:
            stmt = stmt.where(Event.type == event_type)
        if since is not None:
            stmt = stmt.where(Delivery.created_at >= since)
        if after_id is not None:
            stmt = stmt.where(Delivery.id > after_id)
        stmt = stmt.order_by(Delivery.id).limit(limit)
        return [(row[0], row[1]) for row in await self.session.execute(stmt)]

    async def delivery(
        self, workspace_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> tuple[Delivery, str] | None:
        stmt = (
            select(Delivery, Event.type)
            .join(Event, Event.id == Delivery.event_id)
            .where(Delivery.workspace_id == workspace_id, Delivery.id == delivery_id)
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def attempts(self, delivery_ids: Sequence[uuid.UUID]) -> Sequence[DeliveryAttempt]:
        stmt = (
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_(delivery_ids))
            .order_by(DeliveryAttempt.delivery_id, DeliveryAttempt.attempt)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def requeue(self, delivery_ids: Sequence[uuid.UUID], now: datetime) -> int:
        """Dead letters back to pending, due now; the attempt count starts over."""
        result = await self.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == "dead")
            .values(
                status="pending",
                attempts=0,
                next_attempt_at=now,
                dead_at=None,
                lease_token=None,
                lease_expires_at=None,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
