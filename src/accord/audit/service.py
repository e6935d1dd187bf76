"""The audit ledger: every state change appends a link in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.audit.chain import GENESIS, ChainVerifier, Link
from accord.audit.repository import AuditRepository
from accord.audit.schemas import ChainProblem, VerifyResult
from accord.auth.principal import Actor
from accord.kit.clock import utcnow
from accord.kit.context import current_request_id
from accord.kit.ids import uuid7
from accord.models import AuditEvent, AuditHead

_VERIFY_BATCH = 2000
_HEADS_KEY = "accord.audit.heads"


async def init_chain(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    await AuditRepository(session).create_head(workspace_id, GENESIS)


async def record(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the workspace's chain, in the session's transaction.

    The chain head is locked once per transaction (the lock is held until commit anyway)
    and then advanced in memory; the new events and the head's final position are
    written by the transaction's flushes, batched."""
    repo = AuditRepository(session)
    heads: dict[uuid.UUID, AuditHead] = session.info.setdefault(_HEADS_KEY, {})
    head = heads.get(workspace_id)
    if head is None:
        head = heads[workspace_id] = await repo.lock_head(workspace_id)
    link = Link(
        workspace_id=str(workspace_id),
        seq=head.seq + 1,
        occurred_at=utcnow(),
        actor_type=actor.type,
        actor_id=actor.id,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
        request_id=current_request_id(),
        prev_hash=head.hash,
    )
    event = AuditEvent(
        id=uuid7(),
        workspace_id=workspace_id,
        seq=link.seq,
        occurred_at=link.occurred_at,
        actor_type=link.actor_type,
        actor_id=link.actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=link.entity_id,
        before=before,
        after=after,
        request_id=link.request_id,
        prev_hash=link.prev_hash,
        hash=link.digest(),
    )
    repo.append(event, head)
    return event


def _link(event: AuditEvent) -> Link:
    return Link(
        workspace_id=str(event.workspace_id),
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_type=event.actor_type,
        actor_id=event.actor_id,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        before=event.before,
        after=event.after,
        request_id=event.request_id,
        prev_hash=event.prev_hash,
    )


async def verify(session: AsyncSession, workspace_id: uuid.UUID) -> VerifyResult:
    """Walk the whole chain in seq order and report the first position that fails."""
    repo = AuditRepository(session)
    head = await repo.get_head(workspace_id)
    verifier = ChainVerifier()
    after_seq = 0
    while True:
        batch = await repo.chain_batch(workspace_id, after_seq, _VERIFY_BATCH)
        if not batch:
            break
        if not verifier.feed((str(e.id), _link(e), e.hash) for e in batch):
            break
        after_seq = batch[-1].seq
    problem = verifier.finish(head.seq if head else None, head.hash if head else None)
    return VerifyResult(
        ok=problem is None,
        checked=verifier.checked,
        head_seq=head.seq if head else 0,
        head_hash=head.hash if head else GENESIS,
        problem=ChainProblem(
            position=problem.position,
            event_id=problem.event_id,
            reason=problem.reason,
            detail=problem.detail,
        )
        if problem
        else None,
    )


async def list_events(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    actor_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_seq: int | None = None,
    limit: int,
) -> Sequence[AuditEvent]:
    return await AuditRepository(session).list(
        workspace_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor_id=actor_id,
        since=since,
        until=until,
        before_seq=before_seq,
        limit=limit,
    )
