"""Web sessions: what is stored, expiry, the key's own validity, purging."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.db import session_scope
from accord.kit.clock import utcnow
from accord.models import AuditEvent, WebSession
from accord.web_session import service
from tests.conftest import PEPPER, Actors


def _raw(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def test_only_hashes_are_stored_and_the_session_resolves_to_the_keys_principal(
    actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    raw = _raw(actors.consumer_write)
    now = utcnow()
    async with session_scope(sessionmaker) as s:
        token, signed_in = await service.sign_in(s, PEPPER, raw, now, timedelta(hours=1))
    async with session_scope(sessionmaker, write=False) as s:
        rows = (await s.execute(select(WebSession))).scalars().all()
        assert len(rows) == 1
        assert token not in (rows[0].token_hash, rows[0].csrf_token)
        assert raw not in repr(vars(rows[0]))
        found = await service.resolve(s, PEPPER, token, now)
        assert found is not None
        assert found.principal == signed_in.principal
        assert str(found.principal.team_id) == actors.consumer_team
        actions = (await s.execute(select(AuditEvent.action))).scalars().all()
        assert "web_session.signed_in" in actions


async def test_an_expired_or_ended_session_or_a_bad_token_resolves_to_nothing(
    actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = utcnow()
    async with session_scope(sessionmaker) as s:
        token, signed_in = await service.sign_in(
            s, PEPPER, _raw(actors.consumer_write), now, timedelta(minutes=5)
        )
    async with session_scope(sessionmaker, write=False) as s:
        assert await service.resolve(s, PEPPER, token, now + timedelta(minutes=6)) is None
        assert await service.resolve(s, PEPPER, token + "x", now) is None
        assert await service.resolve(s, PEPPER, "", now) is None
        assert await service.resolve(s, PEPPER, "y" * 500, now) is None
    async with session_scope(sessionmaker) as s:
        await service.sign_out(s, signed_in, now)
    async with session_scope(sessionmaker, write=False) as s:
        assert await service.resolve(s, PEPPER, token, now) is None


async def test_purge_forgets_sessions_long_ended_or_expired_only(
    actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = utcnow()
    async with session_scope(sessionmaker) as s:
        _, _old = await service.sign_in(
            s, PEPPER, _raw(actors.consumer_write), now - timedelta(days=3), timedelta(hours=1)
        )
        live_token, _ = await service.sign_in(
            s, PEPPER, _raw(actors.consumer_write), now, timedelta(hours=1)
        )
    async with session_scope(sessionmaker) as s:
        assert await service.purge(s, now, timedelta(days=1)) == 1
    async with session_scope(sessionmaker, write=False) as s:
        assert await service.resolve(s, PEPPER, live_token, now) is not None
        assert len((await s.execute(select(WebSession))).scalars().all()) == 1


async def test_an_ancestor_keys_revocation_ends_the_session(
    client: httpx.AsyncClient, actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    parent = await client.post(
        "/api/v1/api-keys",
        json={"name": "parent", "team_id": actors.consumer_team, "scopes": ["read", "write"]},
        headers=actors.admin,
    )
    assert parent.status_code == 201, parent.text
    child = await client.post(
        "/api/v1/api-keys",
        json={"name": "child", "team_id": actors.consumer_team, "scopes": ["read"]},
        headers={"Authorization": f"Bearer {parent.json()['key']}"},
    )
    assert child.status_code == 201, child.text
    now = utcnow()
    async with session_scope(sessionmaker) as s:
        token, _ = await service.sign_in(s, PEPPER, child.json()["key"], now, timedelta(hours=1))
    r = await client.delete(f"/api/v1/api-keys/{parent.json()['id']}", headers=actors.admin)
    assert r.status_code == 204, r.text
    async with session_scope(sessionmaker, write=False) as s:
        assert await service.resolve(s, PEPPER, token, utcnow()) is None
