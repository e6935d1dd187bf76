"""All SQL for validation runs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import ValidationRun


class ValidationRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, run: ValidationRun) -> ValidationRun:
        self.session.add(run)
        await self.session.flush()
        return run

    async def get(self, asset_id: uuid.UUID, run_id: uuid.UUID) -> ValidationRun | None:
        stmt = select(ValidationRun).where(
            ValidationRun.asset_id == asset_id, ValidationRun.id == run_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self,
        asset_id: uuid.UUID,
        *,
        status: str | None,
        version: str | None,
        since: datetime | None,
        until: datetime | None,
        before_id: uuid.UUID | None,
        limit: int,
    ) -> Sequence[ValidationRun]:
        """Newest first."""
        stmt = select(ValidationRun).where(ValidationRun.asset_id == asset_id)
        if status is not None:
            stmt = stmt.where(ValidationRun.status == status)
        if version is not None:
            stmt = stmt.where(ValidationRun.version == version)
        if since is not None:
            stmt = stmt.where(ValidationRun.created_at >= since)
        if until is not None:
            stmt = stmt.where(ValidationRun.created_at < until)
        if before_id is not None:
            stmt = stmt.where(ValidationRun.id < before_id)
        stmt = stmt.order_by(ValidationRun.id.desc()).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()
