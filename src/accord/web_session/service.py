"""Web sessions: sign in with an API key or through the company's OpenID Connect
provider, resolve the cookie, sign out.

The cookie carries a random token (32 bytes); the database keeps its keyed hash, a CSRF
token, an expiry, and who the session acts as: the key the person signed in with (the
key itself is never stored; every request re-checks it with `api_key.service.principal_of`,
so revoking a key signs its browsers out at once), or the user with the team and scopes
the provider's claims granted at sign-in (a change of groups takes effect at the next
sign-in, within ``ACCORD_UI_SESSION_HOURS``)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from accord.api_key import service as api_key_service
from accord.api_key.rejection import KeyRejectedError
from accord.audit import service as audit
from accord.auth.principal import Principal, Scope, UserRef
from accord.kit.crypto import hash_api_key
from accord.models import WebSession
from accord.team import service as team_service
from accord.user import service as user_service
from accord.web_session.repository import WebSessionRepository


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session: who it acts as and the token its forms must echo."""

    id: uuid.UUID
    principal: Principal
    csrf_token: str
    expires_at: datetime


def _hash(token: str, pepper: str) -> str:
    return hash_api_key("web-session:" + token, pepper)


async def sign_in(
    session: AsyncSession,
    peppers: api_key_service.Peppers,
    raw_key: str,
    now: datetime,
    ttl: timedelta,
) -> tuple[str, SignedIn]:
    """Check the key like the API does (under every configured pepper; a key still under
    an older one moves to the issuing one, ADR 0035), open a session: (cookie token, the
    session). `KeyRejectedError` for a key the API would refuse."""
    pepper = peppers if isinstance(peppers, str) else peppers[0]
    principal, stale, _ = await api_key_service.verify(session, peppers, raw_key, now)
    if stale is not None:
        await api_key_service.migrate_hash(session, stale)
    assert principal.key_id is not None  # a real key, never the development bypass
    token = secrets.token_urlsafe(32)
    row = WebSession(
        workspace_id=principal.workspace_id,
        api_key_id=principal.key_id,
        token_hash=_hash(token, pepper),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + ttl,
    )
    WebSessionRepository(session).add(row)
    await session.flush()
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="web_session.signed_in",
        entity_type="api_key",
        entity_id=principal.key_id,
        after={"session_id": str(row.id), "expires_at": row.expires_at.isoformat()},
    )
    return token, SignedIn(row.id, principal, row.csrf_token, row.expires_at)


async def sign_in_person(
    session: AsyncSession, pepper: str, principal: Principal, now: datetime, ttl: timedelta
) -> tuple[str, SignedIn]:
    """Open a session for a person the provider vouched for (``principal.user``), with the
    access its claims granted: (cookie token, the session)."""
    assert principal.user is not None
    token = secrets.token_urlsafe(32)
    row = WebSession(
        workspace_id=principal.workspace_id,
        api_key_id=None,
        user_id=principal.user.id,
        team_id=principal.team_id,
        scopes=sorted(s.value for s in principal.scopes),
        token_hash=_hash(token, pepper),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + ttl,
    )
    WebSessionRepository(session).add(row)
    await session.flush()
    await audit.record(
        session,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="web_session.signed_in",
        entity_type="user",
        entity_id=principal.user.id,
        after={
            "session_id": str(row.id),
            "expires_at": row.expires_at.isoformat(),
            "team_id": str(principal.team_id) if principal.team_id else None,
            "scopes": row.scopes,
        },
    )
    return token, SignedIn(row.id, principal, row.csrf_token, row.expires_at)


async def _person(session: AsyncSession, row: WebSession) -> Principal | None:
    assert row.user_id is not None
    user: UserRef | None = await user_service.get(session, row.workspace_id, row.user_id)
    if user is None:
        return None
    if row.team_id is not None and not await team_service.exists(
        session, row.workspace_id, row.team_id
    ):
        return None  # the team was deleted: its people's sessions end with it
    scopes = frozenset(Scope(s) for s in row.scopes or ())
    return Principal(row.workspace_id, None, row.team_id, scopes, user=user)


async def resolve(session: AsyncSession, pepper: str, token: str, now: datetime) -> SignedIn | None:
    """The live session of a cookie token, or None (unknown, ended, expired, or its key
    is no longer valid)."""
    if not token or len(token) > 100:
        return None
    row = await WebSessionRepository(session).live_by_hash(_hash(token, pepper), now)
    if row is None:
        return None
    if row.api_key_id is None:  # a person's session
        person = await _person(session, row)
        return SignedIn(row.id, person, row.csrf_token, row.expires_at) if person else None
    try:
        principal = await api_key_service.principal_of(
            session, row.workspace_id, row.api_key_id, now
        )
    except KeyRejectedError:
        return None
    return SignedIn(row.id, principal, row.csrf_token, row.expires_at)


async def sign_out(session: AsyncSession, signed_in: SignedIn, now: datetime) -> None:
    await WebSessionRepository(session).end(signed_in.id, now)
    await audit.record(
        session,
        workspace_id=signed_in.principal.workspace_id,
        actor=signed_in.principal.actor,
        action="web_session.signed_out",
        entity_type="user" if signed_in.principal.user else "api_key",
        entity_id=(
            signed_in.principal.user.id
            if signed_in.principal.user
            else signed_in.principal.key_id or signed_in.id
        ),
        after={"session_id": str(signed_in.id)},
    )


async def purge(session: AsyncSession, now: datetime, keep: timedelta) -> int:
    """Forget sessions ended or expired longer than ``keep`` ago (maintenance)."""
    return await WebSessionRepository(session).purge_before(now - keep)
