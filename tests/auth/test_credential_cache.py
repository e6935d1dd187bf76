"""The credential cache (auth/cache.py) and its bound on revocation, through HTTP.

A verified key is remembered for ``ACCORD_AUTH_CACHE_TTL_S`` seconds per process. What
these tests hold to: a revocation made through this process refuses the key at once
(its own, an ancestor's, its team's deletion); one made elsewhere (another process: here
a direct write to the database) within the TTL; a key's expiry, its own or an
ancestor's, at once whatever the TTL; a refusal is never remembered.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.auth.cache import CredentialCache, announce_revocation, generation
from accord.auth.principal import Principal, Scope
from accord.db import session_scope
from accord.models import ApiKey
from tests.conftest import admin_key_for, bearer, make_settings, new_team


@pytest.fixture
async def cached_client(
    request: pytest.FixtureRequest, database_url: str, engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app of its own whose cache keeps keys ``request.param`` seconds."""
    settings = make_settings(database_url, auth_cache_ttl_s=request.param)
    app: FastAPI = create_app(settings, run_startup_checks=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def _key(
    client: httpx.AsyncClient, admin: dict[str, str], team_id: str | None, **extra: object
) -> dict[str, str]:
    body = {"name": f"k-{uuid.uuid4().hex[:6]}", "scopes": ["read", "write"], **extra}
    if team_id is not None:
        body["team_id"] = team_id
    r = await client.post("/api/v1/api-keys", json=body, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    return {"id": created["id"], **bearer(created["key"])}


def _headers(key: dict[str, str]) -> dict[str, str]:
    return {"Authorization": key["Authorization"]}


async def _me(client: httpx.AsyncClient, key: dict[str, str]) -> int:
    return (await client.get("/api/v1/me", headers=_headers(key))).status_code


async def _setup(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], team_name: str
) -> tuple[dict[str, str], str]:
    """A workspace admin's headers and a new team's id."""
    _, raw = await admin_key_for(sessionmaker, "acme")
    admin = bearer(raw)
    return admin, await new_team(client, admin, team_name)


async def _revoke_elsewhere(sessionmaker: async_sessionmaker[AsyncSession], key_id: str) -> None:
    """What another process does: the row changes, this process is not told."""
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == uuid.UUID(key_id))
            .values(revoked_at=datetime.now(UTC))
        )


@pytest.mark.parametrize("cached_client", [60.0], indirect=True)
async def test_a_key_revoked_here_is_refused_at_once(
    cached_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, team = await _setup(cached_client, sessionmaker, "producers")
    key = await _key(cached_client, admin, team)
    assert await _me(cached_client, key) == 200  # now remembered, for a minute
    r = await cached_client.delete(f"/api/v1/api-keys/{key['id']}", headers=admin)
    assert r.status_code == 204
    assert await _me(cached_client, key) == 401


@pytest.mark.parametrize("cached_client", [60.0], indirect=True)
async def test_a_child_key_dies_at_once_with_its_revoked_parent(
    cached_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, team = await _setup(cached_client, sessionmaker, "producers")
    parent = await _key(cached_client, admin, team)
    child = await _key(cached_client, _headers(parent), team)
    assert await _me(cached_client, child) == 200
    r = await cached_client.delete(f"/api/v1/api-keys/{parent['id']}", headers=admin)
    assert r.status_code == 204
    assert await _me(cached_client, child) == 401


@pytest.mark.parametrize("cached_client", [60.0], indirect=True)
async def test_deleting_a_team_refuses_its_keys_at_once(
    cached_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, team = await _setup(cached_client, sessionmaker, "leaving")
    key = await _key(cached_client, admin, team)
    assert await _me(cached_client, key) == 200
    r = await cached_client.delete(f"/api/v1/teams/{team}", headers=admin)
    assert r.status_code == 204, r.text
    assert await _me(cached_client, key) == 401


@pytest.mark.parametrize("cached_client", [1.0], indirect=True)
async def test_a_revocation_elsewhere_takes_effect_within_the_ttl(
    cached_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, team = await _setup(cached_client, sessionmaker, "producers")
    key = await _key(cached_client, admin, team)
    assert await _me(cached_client, key) == 200
    await _revoke_elsewhere(sessionmaker, key["id"])
    revoked = time.monotonic()
    # Still remembered: the bound is real, and it is the TTL, not zero...
    assert await _me(cached_client, key) == 200
    while await _me(cached_client, key) == 200:
        assert time.monotonic() - revoked < 1.0 + 0.5, "still accepted past the TTL"
        await asyncio.sleep(0.05)
    # ...and once refused, it stays refused (refusals are looked up every time).
    assert await _me(cached_client, key) == 401


@pytest.mark.parametrize("cached_client", [0.0], indirect=True)
async def test_without_a_ttl_every_request_asks_the_database(
    cached_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, team = await _setup(cached_client, sessionmaker, "producers")
    key = await _key(cached_client, admin, team)
    assert await _me(cached_client, key) == 200
    await _revoke_elsewhere(sessionmaker, key["id"])
    assert await _me(cached_client, key) == 401


@pytest.mark.parametrize("cached_client", [60.0], indirect=True)
async def test_a_remembered_key_still_dies_at_its_expiry(
    cached_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, team = await _setup(cached_client, sessionmaker, "producers")
    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    parent = await _key(cached_client, admin, team, expires_at=soon.isoformat())
    # The child has no expiry of its own beyond its parent's: the parent's ends it.
    child = await _key(cached_client, _headers(parent), team)
    assert await _me(cached_client, parent) == 200
    assert await _me(cached_client, child) == 200
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    assert await _me(cached_client, parent) == 401
    assert await _me(cached_client, child) == 401


@pytest.mark.parametrize("cached_client", [60.0], indirect=True)
async def test_an_unknown_key_is_not_remembered_as_refused(
    cached_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A key made in another process a moment after a first, failed try works at once."""
    from accord.api_key import service as api_key_service
    from accord.auth.principal import SYSTEM_ACTOR
    from accord.kit.crypto import generate_api_key
    from tests.conftest import PEPPER

    ws_id, _ = await admin_key_for(sessionmaker, "acme")
    raw = generate_api_key()
    assert await _me(cached_client, bearer(raw)) == 401
    async with session_scope(sessionmaker) as session:
        await api_key_service.insert_key(
            session,
            workspace_id=ws_id,
            actor=SYSTEM_ACTOR,
            raw_key=raw,
            pepper=PEPPER,
            name="made-elsewhere",
            team_id=None,
            scopes=["read"],
        )
    assert await _me(cached_client, bearer(raw)) == 200


# The cache itself, on a clock the test moves.

_PRINCIPAL = Principal(uuid.uuid4(), uuid.uuid4(), None, frozenset({Scope.read}))


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_for_the_ttl_and_no_longer() -> None:
    clock = _Clock()
    cache = CredentialCache(5.0, clock=clock)
    digest = cache.digest("acd_x")
    now = datetime.now(UTC)
    cache.put(digest, _PRINCIPAL, None, seen_generation=generation())
    assert cache.get(digest, now) == _PRINCIPAL
    clock.now += 4.9
    assert cache.get(digest, now) == _PRINCIPAL
    clock.now += 0.1
    assert cache.get(digest, now) is None
    assert len(cache) == 0


def test_an_entry_never_outlives_the_credential() -> None:
    cache = CredentialCache(300.0, clock=_Clock())
    digest = cache.digest("acd_x")
    expiry = datetime.now(UTC) + timedelta(seconds=1)
    cache.put(digest, _PRINCIPAL, expiry, seen_generation=generation())
    assert cache.get(digest, expiry - timedelta(microseconds=1)) == _PRINCIPAL
    assert cache.get(digest, expiry) is None


def test_a_lookup_that_raced_a_revocation_is_not_kept() -> None:
    """Read before the revocation committed, stored after it was announced: dropped."""
    cache = CredentialCache(60.0, clock=_Clock())
    digest = cache.digest("acd_x")
    seen = generation()
    announce_revocation()
    cache.put(digest, _PRINCIPAL, None, seen_generation=seen)
    assert cache.get(digest, datetime.now(UTC)) is None


def test_an_announced_revocation_empties_every_cache() -> None:
    caches = [CredentialCache(60.0, clock=_Clock()) for _ in range(2)]
    digest = caches[0].digest("acd_x")
    for cache in caches:
        cache.put(digest, _PRINCIPAL, None, seen_generation=generation())
    announce_revocation()
    assert all(cache.get(digest, datetime.now(UTC)) is None for cache in caches)


def test_a_full_cache_starts_over_rather_than_grow() -> None:
    cache = CredentialCache(60.0, max_entries=3, clock=_Clock())
    for i in range(3):
        cache.put(cache.digest(f"acd_{i}"), _PRINCIPAL, None, seen_generation=generation())
    assert len(cache) == 3
    cache.put(cache.digest("acd_new"), _PRINCIPAL, None, seen_generation=generation())
    assert len(cache) == 1
    assert cache.get(cache.digest("acd_new"), datetime.now(UTC)) == _PRINCIPAL


def test_a_zero_ttl_keeps_nothing() -> None:
    cache = CredentialCache(0.0)
    digest = cache.digest("acd_x")
    cache.put(digest, _PRINCIPAL, None, seen_generation=generation())
    assert cache.get(digest, datetime.now(UTC)) is None
