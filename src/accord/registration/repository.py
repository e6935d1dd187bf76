"""All SQL for registrations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import Registration

# Built once: the publish path runs it on every request (issue 21); parameters by name.
_LIVE_FOR_ASSET = (
    select(Registration)
    .where(Registration.asset_id == bindparam("asset_id"), Registration.deleted_at.is_(None))
    .order_by(Registration.id)
)


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, workspace_id: uuid.UUID, reg_id: uuid.UUID) -> Registration | None:
        """The registration if still live, locked, re-read even if the session holds it
        (another transaction may have ended it meanwhile)."""
        stmt = (
            select(Registration)
            .where(
                Registration.workspace_id == workspace_id,
                Registration.id == reg_id,
                Registration.deleted_at.is_(None),
            )
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def live_for(self, asset_id: uuid.UUID, team_id: uuid.UUID) -> Registration | None:
        stmt = select(Registration).where(
            Registration.asset_id == asset_id,
            Registration.team_id == team_id,
            Registration.deleted_at.is_(None),
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def live_for_asset(self, asset_id: uuid.UUID) -> Sequence[Registration]:
        found = await self.session.execute(_LIVE_FOR_ASSET, {"asset_id": asset_id})
        return found.scalars().all()

    async def lock_live_for_team(
        self, workspace_id: uuid.UUID, team_id: uuid.UUID
    ) -> Sequence[Registration]:
        stmt = (
            select(Registration)
            .where(
                Registration.workspace_id == workspace_id,
                Registration.team_id == team_id,
                Registration.deleted_at.is_(None),
            )
            .order_by(Registration.id)
            # NO KEY UPDATE, as the update that ends them: acknowledgments being inserted
            # elsewhere (foreign keys to these rows) do not wait for it.
            .with_for_update(key_share=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def list(
        self,
        workspace_id: uuid.UUID,
        *,
        asset_id: uuid.UUID | None,
        team_id: uuid.UUID | None,
        after_id: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Registration]:
        stmt = select(Registration).where(
            Registration.workspace_id == workspace_id, Registration.deleted_at.is_(None)
        )
        if asset_id is not None:
            stmt = stmt.where(Registration.asset_id == asset_id)
        if team_id is not None:
            stmt = stmt.where(Registration.team_id == team_id)
        if after_id is not None:
            stmt = stmt.where(Registration.id > after_id)
        stmt = stmt.order_by(Registration.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def add(self, registration: Registration) -> Registration:
        self.session.add(registration)
        await self.session.flush()
        return registration

    async def flush(self) -> None:
        await self.session.flush()
