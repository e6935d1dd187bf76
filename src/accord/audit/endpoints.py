"""HTTP: /api/v1/audit-events."""

from __future__ import annotations

from fastapi import APIRouter, Query

from accord.audit import service
from accord.audit.schemas import AuditEventOut, VerifyResult
from accord.auth.dependencies import AdminPrincipal, ReadPrincipal
from accord.deps import SessionDep
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    Instant,
    LimitQuery,
    Page,
    encode_cursor,
    int_after,
)
from accord.problems import STANDARD_ERRORS

router = APIRouter(prefix="/api/v1/audit-events", tags=["audit"], responses=STANDARD_ERRORS)


@router.get("")
async def list_audit_events(
    principal: ReadPrincipal,
    session: SessionDep,
    entity_type: str | None = Query(None, max_length=64),
    entity_id: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=64, examples=["team.created"]),
    actor_id: str | None = Query(None, max_length=64),
    since: Instant | None = Query(None, description="Inclusive lower bound."),
    until: Instant | None = Query(None, description="Exclusive upper bound."),
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AuditEventOut]:
    """The workspace's audit events, newest first, with filters."""
    rows = await service.list_events(
        session,
        principal.workspace_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor_id=actor_id,
        since=since,
        until=until,
        before_seq=int_after(cursor),
        limit=limit + 1,
    )
    next_cursor = encode_cursor([rows[limit - 1].seq]) if len(rows) > limit else None
    return Page[AuditEventOut](
        items=[AuditEventOut.model_validate(r) for r in rows[:limit]], next_cursor=next_cursor
    )


@router.get("/verify")
async def verify_audit_chain(principal: AdminPrincipal, session: SessionDep) -> VerifyResult:
    """Recompute the workspace's hash chain (admin). `ok` is false at the first position
    that was modified, deleted, inserted or reordered, and `problem` names it."""
    return await service.verify(session, principal.workspace_id)
