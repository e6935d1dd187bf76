"""All SQL for assets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, bindparam, exists, func, or_, select, text, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from accord.kit.dialects import on_postgresql
from accord.models import Asset

# Built once: the publish path runs it on every request (issue 21); parameters by name.
_LOCK = (
    select(Asset)
    .where(
        Asset.workspace_id == bindparam("workspace_id"),
        Asset.id == bindparam("asset_id"),
        Asset.deleted_at.is_(None),
    )
    .with_for_update()
)


class AssetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, workspace_id: uuid.UUID, asset_id: uuid.UUID, *, include_deleted: bool = False
    ) -> Asset | None:
        stmt = select(Asset).where(Asset.workspace_id == workspace_id, Asset.id == asset_id)
        if not include_deleted:
            stmt = stmt.where(Asset.deleted_at.is_(None))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_many(
        self, workspace_id: uuid.UUID, asset_ids: Sequence[uuid.UUID]
    ) -> Sequence[Asset]:
        """These assets of the workspace, deleted ones included, in one query."""
        if not asset_ids:
            return []
        stmt = select(Asset).where(Asset.workspace_id == workspace_id, Asset.id.in_(asset_ids))
        return (await self.session.execute(stmt)).scalars().all()

    async def lock(self, workspace_id: uuid.UUID, asset_id: uuid.UUID) -> Asset | None:
        """The live asset, row-locked on PostgreSQL: serialises publishes to one asset."""
        params = {"workspace_id": workspace_id, "asset_id": asset_id}
        return (await self.session.execute(_LOCK, params)).scalar_one_or_none()

    async def get_live_by_fqn(
        self, workspace_id: uuid.UUID, fqn: str, environment: str
    ) -> Asset | None:
        """The live asset of this FQN in any case (FQNs are ASCII, so SQL's `lower` and
        Python's agree; the unique index `uq_assets_workspace_lower_fqn_env_live` is on
        `lower(fqn)` too)."""
        stmt = select(Asset).where(
            Asset.workspace_id == workspace_id,
            func.lower(Asset.fqn) == fqn.lower(),
            Asset.environment == environment,
            Asset.deleted_at.is_(None),
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def _tag_filter(self, stmt: Select[Asset], tag: str) -> Select[Asset]:
        if on_postgresql(self.session):
            return stmt.where(type_coerce(Asset.tags, JSONB).contains([tag]))
        each = func.json_each(Asset.tags).table_valued("value")
        return stmt.where(exists(select(each.c.value).where(each.c.value == tag)))

    async def list(
        self,
        workspace_id: uuid.UUID,
        *,
        q: str | None,
        owner_team_id: uuid.UUID | None,
        environment: str | None,
        tag: str | None,
        kind: str | None,
        after_id: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Asset]:
        stmt = select(Asset).where(Asset.workspace_id == workspace_id, Asset.deleted_at.is_(None))
        if q:
            pattern = (
                "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            stmt = stmt.where(
                or_(
                    func.lower(Asset.fqn).like(pattern, escape="\\"),
                    func.lower(Asset.description).like(pattern, escape="\\"),
                )
            )
        if owner_team_id is not None:
            stmt = stmt.where(Asset.owner_team_id == owner_team_id)
        if environment is not None:
            stmt = stmt.where(Asset.environment == environment)
        if kind is not None:
            stmt = stmt.where(Asset.kind == kind)
        if tag is not None:
            stmt = self._tag_filter(stmt, tag)
        if after_id is not None:
            stmt = stmt.where(Asset.id > after_id)
        stmt = stmt.order_by(Asset.id).limit(limit)
        if (q or tag is not None) and on_postgresql(self.session):
            # Whether the trigram or tags index beats walking ids depends on the pattern
            # (a rare name or tag: the index; a common one: ids, stopping at `limit`). A
            # prepared statement's generic plan cannot see it and walks ids, reading every
            # asset for a rare name (issue 21): plan with the values.
            await self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        return (await self.session.execute(stmt)).scalars().all()

    async def add(self, asset: Asset) -> Asset:
        self.session.add(asset)
        await self.session.flush()
        return asset

    async def flush(self) -> None:
        await self.session.flush()
