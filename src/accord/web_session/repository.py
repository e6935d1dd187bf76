"""All SQL for web sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import WebSession


class WebSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: WebSession) -> None:
        self.session.add(row)

    async def live_by_hash(self, token_hash: str, now: datetime) -> WebSession | None:
        stmt = select(WebSession).where(
            WebSession.token_hash == token_hash,
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def end(self, session_id: uuid.UUID, now: datetime) -> None:
        stmt = (
            update(WebSession)
            .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
            .values(ended_at=now)
        )
        await self.session.execute(stmt)

    async def purge_before(self, cutoff: datetime) -> int:
        """Forget sessions that expired or ended before ``cutoff``."""
        stmt = delete(WebSession).where(
            (WebSession.expires_at < cutoff) | (WebSession.ended_at < cutoff)
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
