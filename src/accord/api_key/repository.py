"""All SQL for API keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_hash(self, key_hash: str) -> ApiKey | None:
        result = await self.session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))
        return result.scalar_one_or_none()

    async def get_by_hashes(self, key_hashes: Sequence[str]) -> Sequence[ApiKey]:
        """The keys stored under any of ``key_hashes`` (one per configured pepper): one
        indexed query whatever the number of peppers."""
        stmt = select(ApiKey).where(ApiKey.key_hash.in_(key_hashes))
        return (await self.session.execute(stmt)).scalars().all()

    async def rehash(self, key_id: uuid.UUID, old_hash: str, new_hash: str, pepper: str) -> bool:
        """Move a key to another pepper's hash; False when another request did it first
        (or the row changed since): the condition makes concurrent moves harmless."""
        stmt = (
            update(ApiKey)
            .where(ApiKey.id == key_id, ApiKey.key_hash == old_hash)
            .values(key_hash=new_hash, pepper_id=pepper)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def stamp_pepper(self, pepper: str) -> int:
        """Rows from before pepper ids existed get ``pepper`` (see startup.py)."""
        stmt = update(ApiKey).where(ApiKey.pepper_id.is_(None)).values(pepper_id=pepper)
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0))

    @staticmethod
    def _live(now: datetime) -> ColumnElement[bool]:
        return and_(
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        )

    async def count_live_by_pepper(self, now: datetime) -> dict[str | None, int]:
        """Unrevoked, unexpired keys of every workspace, by pepper id (an operator view)."""
        stmt = (
            select(ApiKey.pepper_id, func.count()).where(self._live(now)).group_by(ApiKey.pepper_id)
        )
        return {row[0]: int(row[1]) for row in await self.session.execute(stmt)}

    async def live_not_on(self, pepper: str, now: datetime) -> Sequence[ApiKey]:
        """Live keys of every workspace whose hash is not under ``pepper`` (the issuing
        one): what still depends on an older pepper, by workspace."""
        stmt = (
            select(ApiKey)
            .where(self._live(now), or_(ApiKey.pepper_id.is_(None), ApiKey.pepper_id != pepper))
            .order_by(ApiKey.workspace_id, ApiKey.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

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
