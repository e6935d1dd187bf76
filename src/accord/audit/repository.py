"""All SQL for the audit ledger. Rows are inserted, never updated or deleted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.models import AuditEvent, AuditHead

# Built once: the publish path runs it on every request (issue 21); parameters by name.
_LOCK_HEAD = (
    select(AuditHead).where(AuditHead.workspace_id == bindparam("workspace_id")).with_for_update()
)


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create_head(self, workspace_id: uuid.UUID, genesis: str) -> None:
        self.session.add(AuditHead(workspace_id=workspace_id, seq=0, hash=genesis))
        await self.session.flush()

    async def lock_head(self, workspace_id: uuid.UUID) -> AuditHead:
        # FOR UPDATE serialises appends per workspace on PostgreSQL; SQLite's
        # BEGIN IMMEDIATE already serialises every writer.
        return (await self.session.execute(_LOCK_HEAD, {"workspace_id": workspace_id})).scalar_one()

    async def get_head(self, workspace_id: uuid.UUID) -> AuditHead | None:
        stmt = select(AuditHead).where(AuditHead.workspace_id == workspace_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def append(self, event: AuditEvent, head: AuditHead) -> None:
        """Queue the event and move the (locked, session-managed) head past it."""
        self.session.add(event)
        head.seq = event.seq
        head.hash = event.hash

    async def chain_batch(
        self, workspace_id: uuid.UUID, after_seq: int, limit: int
    ) -> Sequence[AuditEvent]:
        stmt = (
            select(AuditEvent)
            .where(AuditEvent.workspace_id == workspace_id, AuditEvent.seq > after_seq)
            .order_by(AuditEvent.seq)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def list(
        self,
        workspace_id: uuid.UUID,
        *,
        entity_type: str | None,
        entity_id: str | None,
        action: str | None,
        actor_id: str | None,
        since: datetime | None,
        until: datetime | None,
        before_seq: int | None,
        limit: int,
    ) -> Sequence[AuditEvent]:
        stmt = select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)
        if entity_type is not None:
            stmt = stmt.where(AuditEvent.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == entity_id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        if actor_id is not None:
            stmt = stmt.where(AuditEvent.actor_id == actor_id)
        if since is not None:
            stmt = stmt.where(AuditEvent.occurred_at >= since)
        if until is not None:
            stmt = stmt.where(AuditEvent.occurred_at < until)
        if before_seq is not None:
            stmt = stmt.where(AuditEvent.seq < before_seq)
        stmt = stmt.order_by(AuditEvent.seq.desc()).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()
