"""API key rules: issuing, authenticating, revoking."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.api_key.rejection import KeyRejectedError, RejectionReason, invalid_api_key
from accord.api_key.repository import ApiKeyRepository
from accord.api_key.schemas import ApiKey as ApiKeyOut
from accord.api_key.schemas import ApiKeyCreate
from accord.audit import service as audit
from accord.auth.cache import announce_revocation
from accord.auth.principal import SYSTEM_ACTOR, Actor, Principal, Scope, effective_scopes
from accord.db import after_commit, session_scope
from accord.exceptions import (
    DatabaseTroubleError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailedError,
)
from accord.kit.clock import utcnow
from accord.kit.crypto import (
    display_prefix,
    generate_api_key,
    hash_api_key,
    is_well_formed_key,
    pepper_id,
)
from accord.models import ApiKey

log = structlog.get_logger("accord.api_key")

# One pepper (what most callers hold) or every configured one, the issuing one first.
Peppers = str | Sequence[str]


def _peppers(peppers: Peppers) -> tuple[str, ...]:
    return (peppers,) if isinstance(peppers, str) else tuple(peppers)


@dataclass(frozen=True, slots=True)
class StaleHash:
    """A key that verified under a pepper that no longer issues: its new hash, to be
    stored by `migrate_hash` so the old pepper can be retired (ADR 0035)."""

    key_id: uuid.UUID
    old_hash: str
    new_hash: str
    pepper_id: str


def _snapshot(key: ApiKey) -> dict[str, Any]:
    return ApiKeyOut.model_validate(key).model_dump(mode="json")


async def authenticate(
    session: AsyncSession, peppers: Peppers, raw_key: str, now: datetime
) -> Principal:
    """Resolve a bearer key to its principal. Every refusal is a `KeyRejectedError`
    (one uniform 401 to the caller; the reason is for the log and the audit ledger).

    A key minted by another key dies with it: one recursive query over the key's
    ancestors (only for keys that have a parent) refuses it when any of them is revoked
    or expired, whatever the key's own row says."""
    principal, _, _ = await verify(session, peppers, raw_key, now)
    return principal


async def verify(
    session: AsyncSession, peppers: Peppers, raw_key: str, now: datetime
) -> tuple[Principal, StaleHash | None, datetime | None]:
    """`authenticate`, also saying whether the key's hash is under an older pepper, and
    when the key dies by expiry (its own or the earliest of the keys above it; None if
    never): how long a verification may be remembered (auth/cache.py).

    One query looks the key up under every pepper (``key_hash IN (...)``); the first
    pepper that matches wins (a key stored twice, under two peppers, cannot happen
    through Accord but would not break this)."""
    if not is_well_formed_key(raw_key):
        raise KeyRejectedError(RejectionReason.malformed)
    order = _peppers(peppers)
    hashes = [hash_api_key(raw_key, p) for p in order]
    repo = ApiKeyRepository(session)
    found = {k.key_hash: k for k in await repo.get_by_hashes(hashes)}
    rank = next((i for i, h in enumerate(hashes) if h in found), None)
    if rank is None:
        raise KeyRejectedError(RejectionReason.unknown)
    key = found[hashes[rank]]
    expires_at = await _check_lineage(repo, key, now)
    stale = None
    if rank > 0 or key.pepper_id != pepper_id(order[0]):
        stale = StaleHash(key.id, key.key_hash, hashes[0], pepper_id(order[0]))
    return _principal(key), stale, expires_at


async def migrate_hash(session: AsyncSession, stale: StaleHash) -> bool:
    """Store a key's hash under the issuing pepper (True when this call moved it)."""
    return await ApiKeyRepository(session).rehash(
        stale.key_id, stale.old_hash, stale.new_hash, stale.pepper_id
    )


async def authenticate_in(
    sessionmaker: async_sessionmaker[AsyncSession],
    peppers: Peppers,
    raw_key: str,
    now: datetime,
) -> tuple[Principal, datetime | None]:
    """`authenticate` in a read transaction of its own (with the key's expiry, as
    `verify` gives it); a key found under an older
    pepper is then moved to the issuing one in one short write transaction, so after a
    rotation every key in use leaves the old pepper by itself.

    The move is best effort: if the database is busy the key still works and its next
    use tries again. (It cannot share the lookup's transaction: that one is read-only.)"""
    async with session_scope(sessionmaker, write=False) as session:
        principal, stale, expires_at = await verify(session, peppers, raw_key, now)
    if stale is not None:
        try:
            async with session_scope(sessionmaker) as session:
                moved = await migrate_hash(session, stale)
        except DatabaseTroubleError as exc:
            log.warning("api_key_rehash_deferred", key_id=str(stale.key_id), error=exc.detail)
        else:
            if moved:
                log.info("api_key_rehashed", key_id=str(stale.key_id), pepper_id=stale.pepper_id)
    return principal, expires_at


def _principal(key: ApiKey) -> Principal:
    return Principal(
        workspace_id=key.workspace_id,
        key_id=key.id,
        team_id=key.team_id,
        scopes=effective_scopes(frozenset(Scope(s) for s in key.scopes)),
    )


async def principal_of(
    session: AsyncSession, workspace_id: uuid.UUID, key_id: uuid.UUID, now: datetime
) -> Principal:
    """The principal of a key known by id (a web session's key), with the same checks as
    `authenticate`: `KeyRejectedError` once it or a key it was minted from is revoked or
    expired."""
    repo = ApiKeyRepository(session)
    key = await repo.get(workspace_id, key_id)
    if key is None:
        raise KeyRejectedError(RejectionReason.unknown)
    await _check_lineage(repo, key, now)
    return _principal(key)


@dataclass(frozen=True, slots=True)
class Holder:
    """Who acted with a key, as a person reading the record may see it: its team always,
    its name only if they may see the key itself (an admin, or its own team)."""

    team_id: uuid.UUID | None
    name: str | None


async def holders(
    session: AsyncSession, principal: Principal, key_ids: Iterable[str | None]
) -> dict[str, Holder]:
    """For the ids given (audit actors, `created_by`, `published_by`): one query."""
    ids: set[uuid.UUID] = set()
    for raw in key_ids:
        try:
            ids.add(uuid.UUID(str(raw)))
        except ValueError:
            continue
    rows = await ApiKeyRepository(session).get_many(principal.workspace_id, sorted(ids))
    return {
        str(k.id): Holder(
            k.team_id, k.name if principal.is_admin or principal.team_id == k.team_id else None
        )
        for k in rows
    }


async def ensure_alive(session: AsyncSession, principal: Principal, now: datetime) -> None:
    """Work that runs long after its request (a background import) re-checks the key it
    acts as: `PermissionDeniedError` once the key or an ancestor is revoked or expired."""
    if principal.key_id is None:
        return
    repo = ApiKeyRepository(session)
    key = await repo.get(principal.workspace_id, principal.key_id)
    try:
        if key is None:
            raise KeyRejectedError(RejectionReason.unknown)
        await _check_lineage(repo, key, now)
    except KeyRejectedError as rejection:
        raise PermissionDeniedError(
            f"the key this work acts as is no longer valid ({rejection.reason.value})",
            code="key_no_longer_valid",
        ) from None


async def _check_lineage(repo: ApiKeyRepository, key: ApiKey, now: datetime) -> datetime | None:
    """`KeyRejectedError` if the key or any key it was minted from is revoked or expired;
    otherwise the earliest expiry among them (None when none of them expires)."""
    _check_alive(key, key.revoked_at, key.expires_at, now, own=True)
    deadlines = [key.expires_at] if key.expires_at is not None else []
    if key.parent_id is not None:
        for ancestor_id, revoked_at, expires_at in await repo.ancestors(key.parent_id):
            _check_alive(key, revoked_at, expires_at, now, own=False, ancestor_id=ancestor_id)
            if expires_at is not None:
                deadlines.append(expires_at)
    return min(deadlines, default=None)


def _check_alive(
    key: ApiKey,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    now: datetime,
    *,
    own: bool,
    ancestor_id: uuid.UUID | None = None,
) -> None:
    reason: RejectionReason | None = None
    if revoked_at is not None:
        reason = RejectionReason.revoked if own else RejectionReason.ancestor_revoked
    elif expires_at is not None and expires_at <= now:
        reason = RejectionReason.expired if own else RejectionReason.ancestor_expired
    if reason is not None:
        raise KeyRejectedError(
            reason,
            key_id=key.id,
            workspace_id=key.workspace_id,
            prefix=key.prefix,
            ancestor_id=ancestor_id,
        )


async def record_rejection(session: AsyncSession, rejection: KeyRejectedError) -> None:
    """Write the `api_key.rejected` audit event of a known key (own short transaction:
    the caller opens it; throttling is the caller's job too)."""
    if rejection.key_id is None or rejection.workspace_id is None:
        return
    after: dict[str, Any] = {"reason": rejection.reason.value}
    if rejection.ancestor_id is not None:
        after["ancestor_id"] = str(rejection.ancestor_id)
    await audit.record(
        session,
        workspace_id=rejection.workspace_id,
        actor=SYSTEM_ACTOR,
        action="api_key.rejected",
        entity_type="api_key",
        entity_id=rejection.key_id,
        after=after,
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
        raise PermissionDeniedError(
            "a key cannot grant scopes its creator does not hold", code="scope_exceeds_parent"
        )


PERSON_KEY_MAX_DAYS = 90


def _person_expiry(wanted: datetime | None) -> datetime:
    latest = utcnow() + timedelta(days=PERSON_KEY_MAX_DAYS)
    if wanted is None or wanted > latest:
        raise ValidationFailedError(
            f"a key issued by a person who is not an admin must expire within "
            f"{PERSON_KEY_MAX_DAYS} days (set expires_at)",
            code="expiry_required",
        )
    return wanted


async def _delegated_expiry(
    session: AsyncSession, principal: Principal, wanted: datetime | None
) -> tuple[uuid.UUID, datetime | None]:
    """The minting (parent) key's id and the child's expiry: never later than the
    parent's; the parent's when none is asked and the parent has one.

    The parent row is locked, so a revocation running at the same time either sees the
    new child (and revokes it too) or commits first and the mint is refused here."""
    assert principal.key_id is not None  # only the dev bypass has none, and it is admin
    parent = await ApiKeyRepository(session).get(
        principal.workspace_id, principal.key_id, lock=True
    )
    if parent is None or parent.revoked_at is not None:
        raise invalid_api_key()
    if parent.expires_at is None:
        return parent.id, wanted
    if wanted is None:
        return parent.id, parent.expires_at
    if wanted > parent.expires_at:
        raise PermissionDeniedError(
            f"expires_at must not be later than the creating key's own expiry "
            f"({parent.expires_at.isoformat()})",
            code="expiry_exceeds_parent",
        )
    return parent.id, wanted


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
    # An admin key grants the workspace's authority: what it issues is not a delegation
    # of that key and has no parent (it outlives the admin key that typed it in). A team
    # key delegates its own rights: the child records it and cannot outlive it.
    # A person (signed in through OIDC) who is not an admin has no key to delegate: what
    # they issue has no parent and must expire within PERSON_KEY_MAX_DAYS, since it outlives
    # their membership in the provider's group.
    if principal.is_admin:
        parent_id, expires_at = None, data.expires_at
    elif principal.user is not None:
        parent_id, expires_at = None, _person_expiry(data.expires_at)
    else:
        parent_id, expires_at = await _delegated_expiry(session, principal, data.expires_at)
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
        expires_at=expires_at,
        parent_id=parent_id,
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
    parent_id: uuid.UUID | None = None,
) -> ApiKey:
    key = await ApiKeyRepository(session).add(
        ApiKey(
            workspace_id=workspace_id,
            team_id=team_id,
            parent_id=parent_id,
            name=name,
            key_hash=hash_api_key(raw_key, pepper),
            pepper_id=pepper_id(pepper),
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
    session: AsyncSession, workspace_id: uuid.UUID, raw_key: str, peppers: Peppers
) -> bool:
    """Make sure this exact admin key exists (for automation); True when it was created.

    Looked up under every pepper: after a rotation the key exists under the old one and
    is moved to the issuing one here, never inserted a second time."""
    if not is_well_formed_key(raw_key):
        raise ValidationFailedError(
            "ACCORD_BOOTSTRAP_ADMIN_KEY is not a well-formed Accord key; "
            "generate one with `accord admin bootstrap` or `accord admin new-key`",
            code="invalid_bootstrap_key",
        )
    order = _peppers(peppers)
    hashes = [hash_api_key(raw_key, p) for p in order]
    found = await ApiKeyRepository(session).get_by_hashes(hashes)
    if found:
        existing = min(found, key=lambda k: hashes.index(k.key_hash))
        if existing.workspace_id != workspace_id:
            raise ValidationFailedError(
                "ACCORD_BOOTSTRAP_ADMIN_KEY already belongs to another workspace",
                code="invalid_bootstrap_key",
            )
        if existing.key_hash != hashes[0]:
            await migrate_hash(
                session, StaleHash(existing.id, existing.key_hash, hashes[0], pepper_id(order[0]))
            )
        return False
    await insert_key(
        session,
        workspace_id=workspace_id,
        actor=SYSTEM_ACTOR,
        raw_key=raw_key,
        pepper=order[0],
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
    """Revoke a key and, recursively, every key it minted. Idempotent; repeating it also
    revokes a descendant that a concurrent mint left alive."""
    key = await ApiKeyRepository(session).get(principal.workspace_id, key_id)
    if key is None:
        raise NotFoundError.of("api_key", key_id)
    if not principal.is_admin and (
        key.team_id is None or key.team_id != principal.team_id or not principal.has(Scope.write)
    ):
        raise PermissionDeniedError("only an admin or the key's own team may revoke it")
    now = utcnow()
    if key.revoked_at is None:
        await _mark_revoked(session, principal, key, now, {})
    await _revoke_descendants(session, principal, [key.id], now)


async def _revoke_descendants(
    session: AsyncSession, principal: Principal, root_ids: Sequence[uuid.UUID], when: datetime
) -> None:
    children = await ApiKeyRepository(session).live_descendants(principal.workspace_id, root_ids)
    for child in children:
        await _mark_revoked(session, principal, child, when, {"reason": "parent revoked"})


async def _mark_revoked(
    session: AsyncSession,
    principal: Principal,
    key: ApiKey,
    when: datetime,
    why: dict[str, Any],
) -> None:
    before = _snapshot(key)
    key.revoked_at = when
    await session.flush()
    after_commit(session, "credential_cache", announce_revocation)
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="api_key.revoked",
        entity_type="api_key",
        entity_id=key.id,
        before=before,
        after={**_snapshot(key), **why},
    )


async def revoke_all_for_team(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID
) -> None:
    """Team deletion: every key of the team. A team key mints keys of its own team only,
    so its descendants are among them; the sweep after the bulk update is the proof."""
    now = utcnow()
    revoked = await ApiKeyRepository(session).revoke_for_team(team_id, now)
    after_commit(session, "credential_cache", announce_revocation)
    for key_id in revoked:
        await audit.record(
            session,
            workspace_id=principal.workspace_id,
            actor=principal.actor,
            action="api_key.revoked",
            entity_type="api_key",
            entity_id=key_id,
            after={"revoked_at": now.isoformat(), "reason": "team deleted"},
        )
    await _revoke_descendants(session, principal, revoked, now)


async def stamp_pepper(session: AsyncSession, pepper: str) -> int:
    """Give keys from before pepper ids the id of ``pepper`` (start-up; ADR 0035)."""
    return await ApiKeyRepository(session).stamp_pepper(pepper_id(pepper))


async def count_by_pepper(session: AsyncSession, now: datetime) -> dict[str | None, int]:
    """Live keys (all workspaces) by the pepper id of their hash."""
    return await ApiKeyRepository(session).count_live_by_pepper(now)


async def not_on_issuing(session: AsyncSession, issuing: str, now: datetime) -> Sequence[ApiKey]:
    """Live keys whose hash is not under the issuing pepper: used since the rotation they
    would have moved, so these must be used once or re-issued before the old pepper goes."""
    return await ApiKeyRepository(session).live_not_on(pepper_id(issuing), now)


async def flush_usage(session: AsyncSession, usage: dict[uuid.UUID, datetime]) -> None:
    await ApiKeyRepository(session).record_usage(usage)
