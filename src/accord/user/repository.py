"""All SQL for users."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, workspace_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
        stmt = select(User).where(User.workspace_id == workspace_id, User.id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_subject(self, workspace_id: uuid.UUID, issuer: str, subject: str) -> User | None:
        stmt = select(User).where(
            User.workspace_id == workspace_id, User.issuer == issuer, User.subject == subject
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, user: User) -> None:
        self.session.add(user)
        await self.session.flush()
