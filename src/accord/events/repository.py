"""All SQL for outbox events and their fan-out into deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import Delivery, Event, WebhookSubscription


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_subscriptions(self, workspace_id: uuid.UUID) -> Sequence[WebhookSubscription]:
        stmt = select(WebhookSubscription).where(
            WebhookSubscription.workspace_id == workspace_id,
            WebhookSubscription.active.is_(True),
            WebhookSubscription.deleted_at.is_(None),
        )
        return (await self.session.execute(stmt)).scalars().all()

    def add(self, event: Event, deliveries: Sequence[Delivery]) -> None:
        # No flush: ids are made here, and the rows go out with the transaction's final
        # flush, batched with every other event of the request.
        self.session.add(event)
        self.session.add_all(deliveries)

    async def get(self, event_id: uuid.UUID) -> Event | None:
        return await self.session.get(Event, event_id)
