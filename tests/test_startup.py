from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.db import create_engine, create_sessionmaker, session_scope
from accord.kit.crypto import generate_api_key
from accord.models import ApiKey, Workspace
from accord.startup import StartupError, ensure_bootstrap, prepare
from tests.conftest import make_settings


async def test_bootstrap_admin_key_is_idempotent(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], app: FastAPI
) -> None:
    key = generate_api_key()
    settings = make_settings(database_url, bootstrap_admin_key=key)
    await ensure_bootstrap(settings, sessionmaker)
    await ensure_bootstrap(settings, sessionmaker)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        headers = {"Authorization": f"Bearer {key}"}
        me = await client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["is_admin"] is True
        keys = (await client.get("/api/v1/api-keys", headers=headers)).json()["items"]
        assert len(keys) == 1


async def test_malformed_bootstrap_key_is_a_startup_error(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    settings = make_settings(database_url, bootstrap_admin_key="not-a-key")
    with pytest.raises(StartupError, match="not a well-formed"):
        await ensure_bootstrap(settings, sessionmaker)


async def test_prepare_passes_on_a_migrated_database(database_url: str) -> None:
    settings = make_settings(database_url)
    engine = create_engine(settings)
    try:
        await prepare(settings, engine, create_sessionmaker(engine))
    finally:
        await engine.dispose()


async def test_readyz_is_503_when_schema_is_behind(tmp_path: object) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    app = create_app(settings, run_startup_checks=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        r = await client.get("/readyz")
        assert r.status_code == 503
        assert "accord db upgrade" in r.json()["database"]


async def test_dev_auth_bypass_acts_as_default_admin(database_url: str) -> None:
    settings = make_settings(database_url, dev_auth_bypass=True)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        me = await client.get("/api/v1/me")
        assert me.status_code == 200
        assert me.json()["is_admin"] is True
        created = await client.post("/api/v1/teams", json={"name": "dev-team"})
        assert created.status_code == 201
        events = await client.get("/api/v1/audit-events", params={"action": "team.created"})
        assert events.json()["items"][0]["actor_type"] == "dev_bypass"


async def test_replicas_bootstrapping_together_both_start(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Issue 15 (found by the fault matrix): two `accord serve` started together with
    ACCORD_BOOTSTRAP_ADMIN_KEY raced to create the `default` workspace and one exited 1
    on its unique constraint. Each replica has its own engine, as processes would."""
    key = generate_api_key()
    settings = make_settings(database_url, bootstrap_admin_key=key)
    engines = [create_engine(settings) for _ in range(4)]
    try:
        await asyncio.gather(*(ensure_bootstrap(settings, create_sessionmaker(e)) for e in engines))
    finally:
        for e in engines:
            await e.dispose()
    async with session_scope(sessionmaker, write=False) as s:
        names = (await s.execute(select(Workspace.name))).scalars().all()
        keys = (await s.execute(select(func.count()).select_from(ApiKey))).scalar_one()
    assert names == ["default"]
    assert keys == 1
