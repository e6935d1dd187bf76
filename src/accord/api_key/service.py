"""API key rules: issuing, authenticating, revoking."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.api_key.repository import ApiKeyRepository
from accord.api_key.schemas import ApiKey as ApiKeyOut
from accord.api_key.schemas import ApiKeyCreate
from accord.audit import service as audit
from accord.auth.principal import SYSTEM_ACTOR, Actor, Principal, Scope, effective_scopes
from accord.exceptions import (
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    ValidationFailedError,
)
from accord.kit.clock import utcnow
from accord.kit.crypto import display_prefix, generate_api_key, hash_api_key, is_well_formed_key
from accord.models import ApiKey


def _snapshot(key: ApiKey) -> dict[str, Any]:
    return ApiKeyOut.model_validate(key).model_dump(mode="json")


async def authenticate(
    session: AsyncSession, pepper: str, raw_key: str, now: datetime
) -> Principal:
    """Resolve a bearer key to its principal; every failure is the same kind of 401."""
    if not is_well_formed_key(raw_key):
        raise UnauthenticatedError("the API key is malformed", code="invalid_api_key")
    key = await ApiKeyRepository(session).get_by_hash(hash_api_key(raw_key, pepper))
    if key is None:
        raise UnauthenticatedError("the API key is not known", code="invalid_api_key")
    if key.revoked_at is not None:
        raise UnauthenticatedError("the API key has been revoked", code="api_key_revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise UnauthenticatedError("the API key has expired", code="api_key_expired")
    return Principal(
        workspace_id=key.workspace_id,
        key_id=key.id,
        team_id=key.team_id,
        scopes=effective_scopes(frozenset(Scope(s) for s in key.scopes)),
    )


def _check_issuable(principal: Principal, data: ApiKeyCreate) -> None:
    wanted = frozenset(data.scopes)
    if data.team_id is None:
        if Scope.admin not in wanted:
            raise ValidationFailedError(
                "a key without team_id is a workspace-admin key and needs the admin scope",
                code="invalid_key_scopes",
            )
    elif Scope.admin in wanted:
        raise ValidationFailedError(
            "team keys cannot hold the admin scope; omit team_id for an admin key",
            code="invalid_key_scopes",
        )
    if principal.is_admin:
        return
    # A team's write key may mint keys for its own team, never beyond its own rights.
    if data.team_id is None or data.team_id != principal.team_id:
        raise PermissionDeniedError("a team key can only create keys for its own team")
    if not effective_scopes(wanted) <= principal.scopes:
        raise PermissionDeniedError("a key cannot grant scopes its creator does not hold")


async def create(
    session: AsyncSession,
    principal: Principal,
    data: ApiKeyCreate,
    pepper: str,
    *,
    team_exists: bool,
) -> tuple[ApiKey, str]:
    if not principal.has(Scope.write):
        raise PermissionDeniedError("creating keys needs the write scope")
    _check_issuable(principal, data)
    if data.team_id is not None and not team_exists:
        raise NotFoundError.of("team", data.team_id)
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise ValidationFailedError("expires_at is in the past", code="invalid_expiry")
    raw = generate_api_key()
    key = await insert_key(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        raw_key=raw,
        pepper=pepper,
        name=data.name,
        team_id=data.team_id,
        scopes=sorted({s.value for s in data.scopes}),
        expires_at=data.expires_at,
    )
    return key, raw


async def insert_key(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    actor: Actor,
    raw_key: str,
    pepper: str,
    name: str,
    team_id: uuid.UUID | None,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> ApiKey:
    key = await ApiKeyRepository(session).add(
        ApiKey(
            workspace_id=workspace_id,
            team_id=team_id,
            name=name,
            key_hash=hash_api_key(raw_key, pepper),
            prefix=display_prefix(raw_key),
            scopes=scopes,
            expires_at=expires_at,
        )
    )
    await audit.record(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="api_key.created",
        entity_type="api_key",
        entity_id=key.id,
        after=_snapshot(key),
    )
    return key


async def ensure_admin_key(
    session: AsyncSession, workspace_id: uuid.UUID, raw_key: str, pepper: str
) -> bool:
    """Make sure this exact admin key exists (for automation); True when it was created."""
    if not is_well_formed_key(raw_key):
        raise ValidationFailedError(
            "ACCORD_BOOTSTRAP_ADMIN_KEY is not a well-formed Accord key; "
            "generate one with `accord admin bootstrap` or `accord admin new-key`",
            code="invalid_bootstrap_key",
        )
    existing = await ApiKeyRepository(session).get_by_hash(hash_api_key(raw_key, pepper))
    if existing is not None:
        if existing.workspace_id != workspace_id:
            raise ValidationFailedError(
                "ACCORD_BOOTSTRAP_ADMIN_KEY already belongs to another workspace",
                code="invalid_bootstrap_key",
            )
        return False
    await insert_key(
        session,
        workspace_id=workspace_id,
        actor=SYSTEM_ACTOR,
        raw_key=raw_key,
        pepper=pepper,
        name="bootstrap-admin",
        team_id=None,
        scopes=[Scope.admin.value],
    )
    return True


async def list_keys(
    session: AsyncSession,
    principal: Principal,
    *,
    after_id: uuid.UUID | None,
    limit: int,
    include_revoked: bool,
) -> Sequence[ApiKey]:
    """Admins see every key of the workspace; a team key sees its own team's keys."""
    team_filter = None if principal.is_admin else principal.team_id
    return await ApiKeyRepository(session).list(
        principal.workspace_id,
        team_id=team_filter,
        after_id=after_id,
        limit=limit,
        include_revoked=include_revoked,
    )


async def revoke(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> None:
    key = await ApiKeyRepository(session).get(principal.workspace_id, key_id)
    if key is None:
        raise NotFoundError.of("api_key", key_id)
    if not principal.is_admin and (
        key.team_id is None or key.team_id != principal.team_id or not principal.has(Scope.write)
    ):
        raise PermissionDeniedError("only an admin or the key's own team may revoke it")
    if key.revoked_at is not None:
        return
    before = _snapshot(key)
    key.revoked_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="api_key.revoked",
        entity_type="api_key",
        entity_id=key.id,
        before=before,
        after=_snapshot(key),
    )


async def revoke_all_for_team(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID
) -> None:
    now = utcnow()
    for key_id in await ApiKeyRepository(session).revoke_for_team(team_id, now):
        await audit.record(
            session,
            workspace_id=principal.workspace_id,
            actor=principal.actor,
            action="api_key.revoked",
            entity_type="api_key",
            entity_id=key_id,
            after={"revoked_at": now.isoformat(), "reason": "team deleted"},
        )


async def flush_usage(session: AsyncSession, usage: dict[uuid.UUID, datetime]) -> None:
    await ApiKeyRepository(session).record_usage(usage)
