"""The audit ledger: every state change appends a link in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from accord.audit.chain import GENESIS, ChainVerifier, Link
from accord.audit.repository import AuditRepository
from accord.audit.schemas import ChainProblem, VerifyResult
from accord.auth.principal import Actor
from accord.db import before_commit
from accord.kit.clock import utcnow
from accord.kit.context import current_request_id
from accord.kit.dialects import on_postgresql
from accord.kit.ids import uuid7
from accord.models import AuditEvent, AuditHead

_VERIFY_BATCH = 2000
_PENDING_KEY = "accord.audit.pending"
_EARLY_HEADS_KEY = "accord.audit.early_heads"


@dataclass
class _Pending:
    event: AuditEvent
    # The savepoint (if any) the change was made in: if it rolls back, so does this entry.
    savepoint: SessionTransaction | None


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back savepoint takes its audit entries with it; an outer rollback, all."""
    pending: list[_Pending] | None = session.info.get(_PENDING_KEY)
    if not pending:
        return
    if not previous.nested:
        pending.clear()
        return

    def inside(txn: SessionTransaction | None) -> bool:
        while txn is not None:
            if txn is previous:
                return True
            txn = txn.parent
        return False

    pending[:] = [p for p in pending if not inside(p.savepoint)]


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

    The event is held in the session and chained just before commit (`_seal`): the
    workspace's chain head is the LAST lock a transaction takes (docs/architecture.md,
    lock order), held only for the commit itself, so a long transaction never blocks
    the workspace's other writers on the head and no two transactions take the head and
    another row in opposite orders. Its sequence number and hash are set then."""
    entry = AuditEvent(
        id=uuid7(),
        workspace_id=workspace_id,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_detail=dict(actor.detail) if actor.detail is not None else None,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
        request_id=current_request_id(),
    )
    pending: list[_Pending] = session.info.setdefault(_PENDING_KEY, [])
    if not pending:
        before_commit(session, "audit", _seal)
    pending.append(_Pending(entry, session.sync_session.get_nested_transaction()))
    return entry


async def read_head_early(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """On SQLite, read the workspace's audit head now, for this write transaction's seal
    (a publish does it while the engine works: one statement less after the verdict).
    SQLite's BEGIN IMMEDIATE holds the whole database until the commit, so the head cannot
    move in between (a session is one transaction: `db.session_scope`). On PostgreSQL the
    head is a row lock, the last one a transaction takes (docs/architecture.md, lock
    order): there this reads nothing."""
    if on_postgresql(session):
        return
    early: dict[uuid.UUID, AuditHead] = session.info.setdefault(_EARLY_HEADS_KEY, {})
    if workspace_id not in early:
        early[workspace_id] = await AuditRepository(session).lock_head(workspace_id)


async def _seal(session: AsyncSession) -> None:
    """Chain the transaction's audit events: flush the rest of the transaction, lock each
    workspace's head (in a fixed order across workspaces), number and hash the events,
    insert them and move the head (`AuditRepository.append`, past the final flush)."""
    pending: list[_Pending] = session.info.pop(_PENDING_KEY, [])
    early: dict[uuid.UUID, AuditHead] = session.info.pop(_EARLY_HEADS_KEY, {})
    by_workspace: dict[uuid.UUID, list[AuditEvent]] = {}
    for p in pending:
        by_workspace.setdefault(p.event.workspace_id, []).append(p.event)
    repo = AuditRepository(session)
    # Everything else the transaction wrote goes out first, in one flush: its rows' locks
    # (foreign keys included) are taken before the head's, which is the last lock.
    await session.flush()
    for workspace_id in sorted(by_workspace):
        head = early.get(workspace_id) or await repo.lock_head(workspace_id)
        occurred_at = utcnow()
        seq, prev = head.seq, head.hash
        entries = by_workspace[workspace_id]
        for entry in entries:
            seq += 1
            entry.seq = seq
            entry.occurred_at = occurred_at
            entry.prev_hash = prev
            prev = entry.hash = _link(entry).digest()
        await repo.append(entries, head)


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
        actor_detail=event.actor_detail,
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
