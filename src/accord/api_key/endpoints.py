"""HTTP: /api/v1/api-keys."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from accord.api_key import service
from accord.api_key.schemas import ApiKey, ApiKeyCreate, ApiKeyCreated
from accord.auth.dependencies import ReadPrincipal, WritePrincipal
from accord.deps import SessionDep, StateDep
from accord.kit.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    next_id_cursor,
    uuid_after,
)
from accord.problems import STANDARD_ERRORS
from accord.team import service as team_service

router = APIRouter(prefix="/api/v1/api-keys", tags=["api-keys"], responses=STANDARD_ERRORS)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    body: ApiKeyCreate, principal: WritePrincipal, session: SessionDep, state: StateDep
) -> ApiKeyCreated:
    """Issue a key. The response holds the secret `key`, shown this once only.

    Admins issue any key (a workspace-admin key when `team_id` is omitted). Such a key is
    a grant of the workspace's authority, not a delegation: its `parent_id` is null and
    it does not depend on the admin key that issued it.

    A team's write key may issue keys for its own team, as delegations that never exceed
    it: scopes within its own (`403 scope_exceeds_parent`), and an `expires_at` no later
    than its own (`403 expiry_exceeds_parent`). When `expires_at` is omitted and the
    creating key expires, the new key gets the creating key's expiry; it has none only
    when the creating key has none. The new key records `parent_id`, and revoking or
    expiry of the parent (or any key above it) ends it too."""
    team_exists = body.team_id is not None and await team_service.exists(
        session, principal.workspace_id, body.team_id
    )
    key, raw = await service.create(session, principal, body, state.pepper, team_exists=team_exists)
    return ApiKeyCreated.model_validate({**ApiKey.model_validate(key).model_dump(), "key": raw})


@router.get("")
async def list_api_keys(
    principal: ReadPrincipal,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    include_revoked: bool = Query(False, description="Also list revoked keys."),
) -> Page[ApiKey]:
    """List keys: all of the workspace for admins, the caller's team's otherwise."""
    rows = await service.list_keys(
        session,
        principal,
        after_id=uuid_after(cursor),
        limit=limit + 1,
        include_revoked=include_revoked,
    )
    return Page[ApiKey](
        items=[ApiKey.model_validate(k) for k in rows[:limit]],
        next_cursor=next_id_cursor(rows, limit),
    )


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(
    key_id: uuid.UUID, principal: WritePrincipal, session: SessionDep
) -> Response:
    """Revoke a key at once (admin, or a write key of the key's own team), and every key
    it issued, down the line (each audited with reason `parent revoked`). Idempotent."""
    await service.revoke(session, principal, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
