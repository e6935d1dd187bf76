"""Issue 19 part 4: rotating the key pepper without a flag day, through HTTP.

[P1] -> [P2, P1]: every key keeps working, a key used is moved to P2, new keys are
issued under P2. -> [P2]: keys used since work, keys never used since are refused (401),
as `accord admin peppers` said beforehand (tests/cli/test_admin_peppers.py).
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.api_key import service as api_key_service
from accord.config import Settings
from accord.db import session_scope
from accord.kit.crypto import hash_api_key, pepper_id
from accord.models import ApiKey
from accord.startup import ensure_bootstrap, stamp_pepper_ids
from tests.conftest import admin_key_for, bearer, new_team
from tests.pepper_apps import P1, P2, P3, pepper_settings, served


@pytest.fixture
async def admin_headers(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    _, raw = await admin_key_for(sessionmaker, "acme")
    return bearer(raw)


async def _row(
    sessionmaker: async_sessionmaker[AsyncSession], raw: str
) -> tuple[str, str | None] | None:
    """``(key_hash, pepper_id)`` of the key, whichever test pepper it is stored under."""
    hashes = [hash_api_key(raw, p) for p in (P1, P2, P3)]
    stmt = select(ApiKey.key_hash, ApiKey.pepper_id).where(ApiKey.key_hash.in_(hashes))
    async with session_scope(sessionmaker, write=False) as s:
        row = (await s.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1])


async def _issue(client: httpx.AsyncClient, admin: dict[str, str], team: str) -> str:
    r = await client.post(
        "/api/v1/api-keys",
        json={"name": f"k-{uuid.uuid4().hex[:6]}", "scopes": ["read"], "team_id": team},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["key"])


async def _status(client: httpx.AsyncClient, raw: str) -> int:
    return (await client.get("/api/v1/me", headers=bearer(raw))).status_code


async def test_rotation_keeps_keys_working_and_moves_the_ones_used(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
) -> None:
    team = await new_team(client, admin_headers, "rotation")
    used, unused = (
        await _issue(client, admin_headers, team),
        await _issue(client, admin_headers, team),
    )
    for raw in (used, unused):
        assert await _row(sessionmaker, raw) == (hash_api_key(raw, P1), pepper_id(P1))

    async with served(database_url, [P2, P1]) as rotated:
        assert await _status(rotated, used) == 200
        assert await _row(sessionmaker, used) == (hash_api_key(used, P2), pepper_id(P2))
        assert await _row(sessionmaker, unused) == (hash_api_key(unused, P1), pepper_id(P1))
        assert await _status(rotated, used) == 200  # and again, under P2 now
        fresh = await _issue(rotated, admin_headers, team)  # the admin key moves too
        assert await _row(sessionmaker, fresh) == (hash_api_key(fresh, P2), pepper_id(P2))

    async with served(database_url, [P2]) as retired:
        assert await _status(retired, used) == 200
        assert await _status(retired, fresh) == 200
        assert await _status(retired, admin_headers["Authorization"].split()[1]) == 200
        r = await retired.get("/api/v1/me", headers=bearer(unused))
        assert r.status_code == 401
        assert r.json()["code"] == "invalid_api_key"


async def test_without_a_rotation_nothing_is_rewritten(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
) -> None:
    raw = admin_headers["Authorization"].split()[1]
    assert await _status(client, raw) == 200
    assert await _row(sessionmaker, raw) == (hash_api_key(raw, P1), pepper_id(P1))


async def test_a_third_pepper_still_verifies_keys_two_rotations_old(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    admin_headers: dict[str, str],
) -> None:
    raw = admin_headers["Authorization"].split()[1]
    async with served(database_url, [P3, P2, P1]) as rotated:
        assert await _status(rotated, raw) == 200
    assert await _row(sessionmaker, raw) == (hash_api_key(raw, P3), pepper_id(P3))


async def test_bootstrap_key_is_moved_not_duplicated_after_a_rotation(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from accord.kit.crypto import generate_api_key

    raw = generate_api_key()
    await ensure_bootstrap(
        pepper_settings(database_url, [P1], bootstrap_admin_key=raw), sessionmaker
    )
    rotated = pepper_settings(database_url, [P2, P1], bootstrap_admin_key=raw)
    await ensure_bootstrap(rotated, sessionmaker)
    async with session_scope(sessionmaker, write=False) as s:
        rows = (await s.execute(select(ApiKey).where(ApiKey.name == "bootstrap-admin"))).all()
    assert len(rows) == 1
    assert await _row(sessionmaker, raw) == (hash_api_key(raw, P2), pepper_id(P2))


async def test_start_up_stamps_rows_from_before_pepper_ids_with_the_last_pepper(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    admin_headers: dict[str, str],
) -> None:
    async with session_scope(sessionmaker) as s:
        await s.execute(update(ApiKey).values(pepper_id=None))
    await stamp_pepper_ids(pepper_settings(database_url, [P2, P1]), sessionmaker)
    async with session_scope(sessionmaker, write=False) as s:
        ids = set((await s.execute(select(ApiKey.pepper_id))).scalars())
    assert ids == {pepper_id(P1)}


async def test_authenticate_refuses_a_key_under_no_configured_pepper(
    sessionmaker: async_sessionmaker[AsyncSession], admin_headers: dict[str, str]
) -> None:
    from accord.api_key.rejection import KeyRejectedError, RejectionReason
    from accord.kit.clock import utcnow

    raw = admin_headers["Authorization"].split()[1]
    async with session_scope(sessionmaker, write=False) as s:
        with pytest.raises(KeyRejectedError) as caught:
            await api_key_service.authenticate(s, [P2, P3], raw, utcnow())
    assert caught.value.reason is RejectionReason.unknown


def test_settings_name_the_issuing_pepper_first(settings: Settings) -> None:
    assert settings.all_peppers == (P1,)
    assert settings.issuing_pepper == P1
