"""SQL about which pepper webhook secrets were derived under (ADR 0035).

Kept apart from `repository.py` (subscriptions, deliveries): only pepper rotation and
its operator view use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import WebhookSubscription


class WebhookSecretRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stamp_pepper(self, pepper: str) -> int:
        """Subscriptions from before pepper ids existed get ``pepper`` (startup.py)."""
        stmt = (
            update(WebhookSubscription)
            .where(WebhookSubscription.secret_pepper.is_(None))
            .values(secret_pepper=pepper)
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0))

    async def count_live_by_pepper(self) -> dict[str | None, int]:
        """Subscriptions not deleted, of every workspace, by the pepper id of their secret."""
        stmt = (
            select(WebhookSubscription.secret_pepper, func.count())
            .where(WebhookSubscription.deleted_at.is_(None))
            .group_by(WebhookSubscription.secret_pepper)
        )
        return {row[0]: int(row[1]) for row in await self.session.execute(stmt)}

    async def live_not_on(self, pepper: str) -> Sequence[WebhookSubscription]:
        """Subscriptions not deleted whose secret is not under ``pepper`` (the issuing one)."""
        stmt = (
            select(WebhookSubscription)
            .where(
                WebhookSubscription.deleted_at.is_(None),
                or_(
                    WebhookSubscription.secret_pepper.is_(None),
                    WebhookSubscription.secret_pepper != pepper,
                ),
            )
            .order_by(WebhookSubscription.workspace_id, WebhookSubscription.id)
        )
        return (await self.session.execute(stmt)).scalars().all()
