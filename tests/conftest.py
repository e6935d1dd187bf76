"""Shared fixtures: a migrated database (SQLite or PostgreSQL), the app, clients, actors.

ACCORD_TEST_DATABASE=sqlite (default) or postgresql selects the backend; PostgreSQL
comes from ACCORD_TEST_POSTGRES_URL. Every test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.config import Settings
from accord.db import create_engine, create_sessionmaker
from accord.migrate import upgrade
from accord.models import Base

BACKEND = os.environ.get("ACCORD_TEST_DATABASE", "sqlite")
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/accord_test"
PEPPER = "test-pepper-0123456789abcdef0123456789"
# The server data-checks tests read (a plain libpq URL without a database name).
PG_BASE = os.environ.get("ACCORD_CHECKS_PG", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session", autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test (nor any `accord` process it starts) reads or writes the user's real data,
    config or log folders: the default data dir, saved profiles and the CLI's crash log
    all live under a temporary home for the session."""
    home = tmp_path_factory.mktemp("home")
    wanted = {f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("DATA", "CONFIG", "STATE")}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


async def _pg_admin(url: str, *, create: bool) -> None:
    """Drop the database of ``url`` and, with ``create``, make it anew (empty)."""
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        if create:
            await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG_BASE}/postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A scratch database ``accord_checks_test_<pid>``."""
    name = f"accord_checks_test_{os.getpid()}"
    try:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable at {PG_BASE}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_BASE}: {exc}")
    yield f"{PG_BASE}/{name}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _recreate_pg_database(url: str) -> None:
    await _pg_admin(url, create=True)


async def _drop_pg_database(url: str) -> None:
    await _pg_admin(url, create=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if BACKEND == "postgresql":
        base = os.environ.get("ACCORD_TEST_POSTGRES_URL", DEFAULT_PG)
        # A database of its own per run, so concurrent runs never meet.
        return f"{base}_{os.getpid()}"
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'accord.db'}"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "environment": "test",
        "key_pepper": PEPPER,
        "log_level": "warning",
        "auto_migrate": False,
        "worker_in_process": False,
        # Test receivers listen on loopback; the SSRF guard has tests of its own.
        "webhook_allow_private": True,
        # Every test request comes from one address: limits that never trip here, so the
        # middleware still runs; tests/security/test_rate_limits.py sets its own.
        "rate_limit_per_client": "1000000/minute",
        "rate_limit_per_key": "1000000/minute",
        "rate_limit_expensive": "1000000/minute",
        "rate_limit_auth_failures": "1000000/minute",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
async def engine(settings: Settings, database_url: str) -> AsyncIterator[AsyncEngine]:
    if BACKEND == "postgresql":
        await _recreate_pg_database(database_url)
    eng = create_engine(settings)
    await upgrade(eng)
    yield eng
    await eng.dispose()
    if BACKEND == "postgresql":
        await _drop_pg_database(database_url)


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


async def truncate_all(engine: AsyncEngine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            # SQLite checks ON DELETE RESTRICT row by row: a key minted by another key
            # would stop `DELETE FROM api_keys`; unlink the lineage first.
            await conn.execute(text("UPDATE api_keys SET parent_id = NULL"))
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
async def _clean(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "engine" in request.fixturenames:
        await truncate_all(request.getfixturevalue("engine"))


@pytest.fixture(scope="session")
async def app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    # The engine's processes start with the app, as under `accord serve`: otherwise the
    # first check of the session pays the forkserver's start-up (slow under coverage on a
    # busy machine) inside its 2 s budget and answers 503 engine_timeout.
    application = create_app(settings, run_startup_checks=False, warm_engine=True)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@dataclass
class Actors:
    """A small workspace: an admin, two teams with read/write keys, and a stranger."""

    workspace_id: uuid.UUID
    admin: dict[str, str]
    producer_team: str
    consumer_team: str
    producer_write: dict[str, str]
    producer_read: dict[str, str]
    consumer_write: dict[str, str]
    other_admin: dict[str, str]
    other_workspace_id: uuid.UUID
    extra: dict[str, str] = field(default_factory=dict)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def admin_key_for(
    sessionmaker: async_sessionmaker[AsyncSession], name: str
) -> tuple[uuid.UUID, str]:
    from accord.api_key import service as api_key_service
    from accord.auth.principal import SYSTEM_ACTOR
    from accord.db import session_scope
    from accord.kit.crypto import generate_api_key
    from accord.workspace import service as workspace_service

    raw = generate_api_key()
    async with session_scope(sessionmaker) as session:
        ws, _ = await workspace_service.get_or_create(session, name)
        await api_key_service.insert_key(
            session,
            workspace_id=ws.id,
            actor=SYSTEM_ACTOR,
            raw_key=raw,
            pepper=PEPPER,
            name="test-admin",
            team_id=None,
            scopes=["admin"],
        )
    return ws.id, raw


async def new_team(client: httpx.AsyncClient, admin: dict[str, str], name: str) -> str:
    r = await client.post("/api/v1/teams", json={"name": name}, headers=admin)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def new_key(
    client: httpx.AsyncClient, admin: dict[str, str], team_id: str | None, scopes: list[str]
) -> dict[str, str]:
    body: dict[str, Any] = {"name": f"k-{uuid.uuid4().hex[:6]}", "scopes": scopes}
    if team_id is not None:
        body["team_id"] = team_id
    r = await client.post("/api/v1/api-keys", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return bearer(r.json()["key"])


@pytest.fixture
async def actors(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> Actors:
    return await make_actors(client, sessionmaker)


async def make_actors(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> Actors:
    """`actors`, through any client (an app with settings of its own)."""
    ws_id, admin_raw = await admin_key_for(sessionmaker, "acme")
    other_ws_id, other_raw = await admin_key_for(sessionmaker, "globex")
    admin = bearer(admin_raw)
    producer = await new_team(client, admin, "orders-producer")
    consumer = await new_team(client, admin, "analytics")
    return Actors(
        workspace_id=ws_id,
        admin=admin,
        producer_team=producer,
        consumer_team=consumer,
        producer_write=await new_key(client, admin, producer, ["read", "write"]),
        producer_read=await new_key(client, admin, producer, ["read"]),
        consumer_write=await new_key(client, admin, consumer, ["read", "write"]),
        other_admin=bearer(other_raw),
        other_workspace_id=other_ws_id,
    )


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
