"""All SQL for API keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_hash(self, key_hash: str) -> ApiKey | None:
        result = await self.session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))
        return result.scalar_one_or_none()

    async def get(
        self, workspace_id: uuid.UUID, key_id: uuid.UUID, *, lock: bool = False
    ) -> ApiKey | None:
        stmt = select(ApiKey).where(ApiKey.workspace_id == workspace_id, ApiKey.id == key_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_many(
        self, workspace_id: uuid.UUID, key_ids: Sequence[uuid.UUID]
    ) -> Sequence[ApiKey]:
        if not key_ids:
            return []
        stmt = select(ApiKey).where(ApiKey.workspace_id == workspace_id, ApiKey.id.in_(key_ids))
        return (await self.session.execute(stmt)).scalars().all()

    async def ancestors(
        self, parent_id: uuid.UUID
    ) -> list[tuple[uuid.UUID, datetime | None, datetime | None]]:
        """``(id, revoked_at, expires_at)`` of ``parent_id`` and every key above it, in one
        recursive query over the primary key. UNION (not UNION ALL) ends any cycle."""
        chain = (
            select(ApiKey.id, ApiKey.parent_id, ApiKey.revoked_at, ApiKey.expires_at)
            .where(ApiKey.id == parent_id)
            .cte("key_ancestors", recursive=True)
        )
        chain = chain.union(
            select(ApiKey.id, ApiKey.parent_id, ApiKey.revoked_at, ApiKey.expires_at).where(
                ApiKey.id == chain.c.parent_id
            )
        )
        stmt = select(chain.c.id, chain.c.revoked_at, chain.c.expires_at)
        return [(r.id, r.revoked_at, r.expires_at) for r in await self.session.execute(stmt)]

    async def live_descendants(
        self, workspace_id: uuid.UUID, root_ids: Sequence[uuid.UUID]
    ) -> Sequence[ApiKey]:
        """Every unrevoked key minted, directly or down the line, by one of ``root_ids``
        (through revoked intermediates too), locked for the update that follows."""
        if not root_ids:
            return []
        tree = (
            select(ApiKey.id)
            .where(ApiKey.parent_id.in_(root_ids))
            .cte("key_descendants", recursive=True)
        )
        tree = tree.union(select(ApiKey.id).where(ApiKey.parent_id == tree.c.id))
        stmt = (
            select(ApiKey)
            .where(
                ApiKey.workspace_id == workspace_id,
                ApiKey.id.in_(select(tree.c.id)),
                ApiKey.revoked_at.is_(None),
            )
            .order_by(ApiKey.id)
            .with_for_update(of=ApiKey)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def list(
        self,
        workspace_id: uuid.UUID,
        *,
        team_id: uuid.UUID | None,
        after_id: uuid.UUID | None,
        limit: int,
        include_revoked: bool,
    ) -> Sequence[ApiKey]:
        stmt = select(ApiKey).where(ApiKey.workspace_id == workspace_id)
        if team_id is not None:
            stmt = stmt.where(ApiKey.team_id == team_id)
        if not include_revoked:
            stmt = stmt.where(ApiKey.revoked_at.is_(None))
        if after_id is not None:
            stmt = stmt.where(ApiKey.id > after_id)
        stmt = stmt.order_by(ApiKey.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def revoke_for_team(self, team_id: uuid.UUID, when: datetime) -> Sequence[uuid.UUID]:
        stmt = (
            update(ApiKey)
            .where(ApiKey.team_id == team_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=when)
            .returning(ApiKey.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def record_usage(self, usage: dict[uuid.UUID, datetime]) -> None:
        for key_id, when in usage.items():
            await self.session.execute(
                update(ApiKey)
                .where(
                    ApiKey.id == key_id,
                    or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < when),
                )
                .values(last_used_at=when)
            )
