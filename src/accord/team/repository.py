"""All SQL for teams."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import Team


class TeamRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, workspace_id: uuid.UUID, team_id: uuid.UUID) -> Team | None:
        stmt = select(Team).where(
            Team.workspace_id == workspace_id, Team.id == team_id, Team.deleted_at.is_(None)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def lock(
        self, workspace_id: uuid.UUID, team_id: uuid.UUID, *, shared: bool = False
    ) -> Team | None:
        """The live team, locked: to delete it (FOR NO KEY UPDATE, which foreign-key checks
        of rows being added elsewhere do not wait for) or shared (FOR SHARE: to add a row
        that must not outlive the team; it waits for a deletion in progress, then sees it)."""
        stmt = (
            select(Team)
            .where(Team.workspace_id == workspace_id, Team.id == team_id, Team.deleted_at.is_(None))
            .with_for_update(read=shared, key_share=not shared)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_by_name(self, workspace_id: uuid.UUID, name: str) -> Team | None:
        stmt = select(Team).where(
            Team.workspace_id == workspace_id, Team.name == name, Team.deleted_at.is_(None)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(
        self, workspace_id: uuid.UUID, *, after_id: uuid.UUID | None, limit: int
    ) -> Sequence[Team]:
        stmt = select(Team).where(Team.workspace_id == workspace_id, Team.deleted_at.is_(None))
        if after_id is not None:
            stmt = stmt.where(Team.id > after_id)
        stmt = stmt.order_by(Team.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def add(self, team: Team) -> Team:
        self.session.add(team)
        await self.session.flush()
        return team

    async def flush(self) -> None:
        await self.session.flush()
