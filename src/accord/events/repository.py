"""All SQL for outbox events and their fan-out into deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import Delivery, Event, WebhookSubscription

# Built once: the publish path runs it on every request (issue 21); parameters by name.
_ACTIVE = select(WebhookSubscription).where(
    WebhookSubscription.workspace_id == bindparam("workspace_id"),
    WebhookSubscription.active.is_(True),
    WebhookSubscription.deleted_at.is_(None),
)


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_subscriptions(self, workspace_id: uuid.UUID) -> Sequence[WebhookSubscription]:
        found = await self.session.execute(_ACTIVE, {"workspace_id": workspace_id})
        return found.scalars().all()

    def add(self, event: Event, deliveries: Sequence[Delivery]) -> None:
        # No flush: ids are made here, and the rows go out with the transaction's final
        # flush, batched with every other event of the request.
        self.session.add(event)
        self.session.add_all(deliveries)

    async def get(self, event_id: uuid.UUID) -> Event | None:
        return await self.session.get(Event, event_id)
