"""Users: remembered when they sign in (or call the API with a token), named in the audit
ledger and the UI. What a person may do is never stored here: it comes from the
provider's claims each time (``accord.auth.oidc.roles``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accord.auth.principal import UserRef
from accord.models import User
from accord.user.repository import UserRepository

# last_seen_at moves at most this often: a token used for every CI call is no write storm.
SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says someone is (from a verified ID or access token)."""

    issuer: str
    subject: str
    name: str | None
    email: str | None


def ref(user: User) -> UserRef:
    return UserRef(user.id, user.issuer, user.subject, user.name, user.email)


async def remember(
    session: AsyncSession, workspace_id: uuid.UUID, who: Identity, now: datetime
) -> UserRef:
    """The workspace's user for this identity, created on first sight; name and email
    follow what the provider says now. Safe when two first requests race (the loser
    reads the winner's row)."""
    repo = UserRepository(session)
    user = await repo.by_subject(workspace_id, who.issuer, who.subject)
    if user is None:
        user = User(
            workspace_id=workspace_id,
            issuer=who.issuer,
            subject=who.subject,
            name=who.name,
            email=who.email,
            created_at=now,
            last_seen_at=now,
        )
        try:
            async with session.begin_nested():
                await repo.add(user)
        except IntegrityError:
            found = await repo.by_subject(workspace_id, who.issuer, who.subject)
            if found is None:  # not a race after all: let the caller see it
                raise
            user = found
        else:
            return ref(user)
    if (user.name, user.email) != (who.name, who.email):
        user.name, user.email = who.name, who.email
    if now - user.last_seen_at >= SEEN_RESOLUTION:
        user.last_seen_at = now
    await session.flush()
    return ref(user)


async def get(session: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID) -> UserRef | None:
    user = await UserRepository(session).get(workspace_id, user_id)
    return ref(user) if user is not None else None
