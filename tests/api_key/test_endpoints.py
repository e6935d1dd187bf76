from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.app import flush_usage
from accord.db import session_scope
from accord.models import ApiKey
from tests.conftest import Actors, bearer


async def test_key_is_shown_once_and_authenticates(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    r = await client.post(
        "/api/v1/api-keys",
        json={"name": "ci", "team_id": actors.producer_team, "scopes": ["read"]},
        headers=actors.admin,
    )
    assert r.status_code == 201
    created = r.json()
    assert created["key"].startswith("acd_")
    assert created["key"].startswith(created["prefix"])
    listed = (await client.get("/api/v1/api-keys", headers=actors.admin)).json()["items"]
    assert all("key" not in k for k in listed)
    assert created["id"] in {k["id"] for k in listed}
    me = (await client.get("/api/v1/me", headers=bearer(created["key"]))).json()
    assert me["team_id"] == actors.producer_team
    assert me["scopes"] == ["read"]


async def test_team_key_cannot_escalate(client: httpx.AsyncClient, actors: Actors) -> None:
    ok = await client.post(
        "/api/v1/api-keys",
        json={"name": "sub", "team_id": actors.producer_team, "scopes": ["read"]},
        headers=actors.producer_write,
    )
    assert ok.status_code == 201
    other_team = await client.post(
        "/api/v1/api-keys",
        json={"name": "x", "team_id": actors.consumer_team, "scopes": ["read"]},
        headers=actors.producer_write,
    )
    assert other_team.status_code == 403
    admin = await client.post(
        "/api/v1/api-keys", json={"name": "x", "scopes": ["admin"]}, headers=actors.producer_write
    )
    assert admin.status_code == 403


async def test_admin_scope_rules(client: httpx.AsyncClient, actors: Actors) -> None:
    team_admin = await client.post(
        "/api/v1/api-keys",
        json={"name": "x", "team_id": actors.producer_team, "scopes": ["admin"]},
        headers=actors.admin,
    )
    assert team_admin.status_code == 422
    assert team_admin.json()["code"] == "invalid_key_scopes"
    no_team_no_admin = await client.post(
        "/api/v1/api-keys", json={"name": "x", "scopes": ["read"]}, headers=actors.admin
    )
    assert no_team_no_admin.status_code == 422


async def test_revoked_and_expired_keys_are_refused(
    client: httpx.AsyncClient, actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    r = await client.post(
        "/api/v1/api-keys",
        json={
            "name": "short",
            "team_id": actors.producer_team,
            "scopes": ["read"],
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
        headers=actors.admin,
    )
    key = r.json()
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.prefix == key["prefix"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    expired = await client.get("/api/v1/me", headers=bearer(key["key"]))
    assert expired.status_code == 401
    assert expired.json()["code"] == "invalid_api_key"

    victim = await client.post(
        "/api/v1/api-keys",
        json={"name": "victim", "team_id": actors.producer_team, "scopes": ["read"]},
        headers=actors.admin,
    )
    vid, vkey = victim.json()["id"], victim.json()["key"]
    assert (
        await client.delete(f"/api/v1/api-keys/{vid}", headers=actors.consumer_write)
    ).status_code == 403
    assert (
        await client.delete(f"/api/v1/api-keys/{vid}", headers=actors.producer_write)
    ).status_code == 204
    assert (
        await client.delete(f"/api/v1/api-keys/{vid}", headers=actors.producer_write)
    ).status_code == 204
    refused = await client.get("/api/v1/me", headers=bearer(vkey))
    assert refused.json()["code"] == "invalid_api_key"
    listed = await client.get(
        "/api/v1/api-keys", params={"include_revoked": "true"}, headers=actors.admin
    )
    assert any(k["id"] == vid and k["revoked_at"] for k in listed.json()["items"])


async def test_last_used_at_is_flushed_in_the_background(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors
) -> None:
    r = await client.post(
        "/api/v1/api-keys",
        json={"name": "u", "team_id": actors.producer_team, "scopes": ["read"]},
        headers=actors.admin,
    )
    key = r.json()
    assert key["last_used_at"] is None
    await client.get("/api/v1/me", headers=bearer(key["key"]))
    listed = (await client.get("/api/v1/api-keys", headers=actors.admin)).json()["items"]
    assert next(k for k in listed if k["id"] == key["id"])["last_used_at"] is None
    await flush_usage(app.state.accord)
    listed = (await client.get("/api/v1/api-keys", headers=actors.admin)).json()["items"]
    assert next(k for k in listed if k["id"] == key["id"])["last_used_at"] is not None


async def test_team_key_lists_only_its_team(client: httpx.AsyncClient, actors: Actors) -> None:
    items = (await client.get("/api/v1/api-keys", headers=actors.producer_read)).json()["items"]
    assert items
    assert {k["team_id"] for k in items} == {actors.producer_team}
