"""All SQL for the audit ledger. Rows are inserted, never updated or deleted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from accord.models import AuditEvent, AuditHead
from accord.models.base import row_values

# Built once: the publish path runs it on every request (issue 21); parameters by name.
_LOCK_HEAD = (
    select(AuditHead).where(AuditHead.workspace_id == bindparam("workspace_id")).with_for_update()
)


_MOVE_HEAD = (
    update(AuditHead.__table__)  # type: ignore[arg-type]
    .where(AuditHead.__table__.c.workspace_id == bindparam("b_workspace_id"))
    .values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
)
_INSERT_EVENTS = insert(AuditEvent.__table__)  # type: ignore[arg-type]


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

    async def append(self, events: Sequence[AuditEvent], head: AuditHead) -> None:
        """Insert the (numbered, hashed) events and move the locked head past the last,
        in two statements rather than through the session's unit of work: they are the
        last writes of their transaction, after its final flush (issue 21: a flush of its
        own cost a publish about a tenth of its time). The loaded head keeps the values
        it now has in the database, unchanged to the session."""
        rows = [row_values(e) for e in events]
        await self.session.execute(_INSERT_EVENTS, rows)
        last = events[-1]
        await self.session.execute(
            _MOVE_HEAD,
            {"b_workspace_id": head.workspace_id, "b_seq": last.seq, "b_hash": last.hash},
        )
        set_committed_value(head, "seq", last.seq)
        set_committed_value(head, "hash", last.hash)

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
