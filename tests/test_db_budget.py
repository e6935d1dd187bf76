"""The connection budget: the arithmetic, and the limits read from a real PostgreSQL.

The PostgreSQL tests make a database and a login role of their own (a CONNECTION LIMIT
on each), so they can show that the warning predicts the real refusal: a pool sized past
the role's limit is refused its extra connection by the server.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from structlog.testing import capture_logs

from accord.db import create_engine
from accord.db_budget import budget, check, read_limits, warn
from tests.conftest import DEFAULT_PG, make_settings

PG_URL = make_url(os.environ.get("ACCORD_TEST_POSTGRES_URL", DEFAULT_PG))
NAME = f"accord_budget_{os.getpid()}"


def test_pools_that_fit_give_no_warning() -> None:
    assert budget(4, 10, 10, 100, 3) == []
    assert budget(1, 10, 10, 20) == []  # exactly full still fits


def test_peak_past_the_usable_slots_warns_with_the_numbers() -> None:
    [warning] = budget(5, 10, 10, 100, 3)
    assert "5 processes x (ACCORD_DB_POOL_SIZE 10 + ACCORD_DB_MAX_OVERFLOW 10)" in warning
    assert "= 100 connections at peak" in warning
    assert "max_connections 100 - 3 reserved = 97" in warning
    assert "docs/runbooks/scaling.md" in warning


def test_reserved_slots_count_against_the_budget() -> None:
    assert budget(1, 10, 10, 20, 0) == []
    assert len(budget(1, 10, 10, 20, 1)) == 1


def test_role_and_database_limits_each_warn() -> None:
    warnings = budget(2, 5, 5, 100, 3, role_limit=15, database_limit=19)
    assert len(warnings) == 2
    assert "the role's CONNECTION LIMIT 15" in warnings[0]
    assert "the database's CONNECTION LIMIT 19" in warnings[1]
    assert budget(2, 5, 5, 100, 3, role_limit=20, database_limit=20) == []


def test_singular_process_wording() -> None:
    [warning] = budget(1, 30, 0, 20)
    assert warning.startswith("connection budget exceeded: 1 process x")


@pytest.mark.parametrize(
    "args", [(0, 10, 10, 100, 3), (1, 0, 10, 100, 3), (1, 10, -1, 100, 3), (1, 10, 10, 0, 3)]
)
def test_nonsense_is_refused(args: tuple[int, int, int, int, int]) -> None:
    with pytest.raises(ValueError, match="processes"):
        budget(*args)


async def test_sqlite_has_no_budget(tmp_path: Path) -> None:
    engine = create_engine(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"))
    try:
        assert await check(engine, processes=1000, pool_size=200, max_overflow=200) == []
    finally:
        await engine.dispose()


@dataclass
class Scratch:
    superuser_url: str  # the scratch database, as the test's own (superuser) role
    limited_url: str  # the same database, as a role with CONNECTION LIMIT 2


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(
        host=PG_URL.host, port=PG_URL.port or 5432, user=PG_URL.username, database="postgres"
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _drop() -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await _admin(f'DROP ROLE IF EXISTS "{NAME}"')


@pytest.fixture(scope="module")
def scratch() -> Iterator[Scratch]:
    try:
        asyncio.run(_drop())
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable at {PG_URL.host}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL.host}: {exc}")
    asyncio.run(_admin(f'CREATE DATABASE "{NAME}"'))
    asyncio.run(_admin(f'CREATE ROLE "{NAME}" LOGIN CONNECTION LIMIT 2'))
    base = PG_URL.set(database=NAME)
    try:
        yield Scratch(
            superuser_url=base.render_as_string(hide_password=False),
            limited_url=base.set(username=NAME, password=None).render_as_string(
                hide_password=False
            ),
        )
    finally:
        asyncio.run(_drop())


@pytest.fixture
async def superuser_engine(scratch: Scratch) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(scratch.superuser_url)
    yield engine
    await engine.dispose()


async def test_limits_read_from_the_server_match_its_settings(
    superuser_engine: AsyncEngine, scratch: Scratch
) -> None:
    async with superuser_engine.connect() as conn:
        max_connections = int((await conn.execute(text("SHOW max_connections"))).scalar_one())
        superuser = bool(
            (
                await conn.execute(
                    text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                )
            ).scalar_one()
        )
    limits = await read_limits(superuser_engine)
    assert limits.max_connections == max_connections
    assert superuser, "the test role is expected to be a superuser (trust auth, postgres)"
    assert limits.reserved == 0  # a superuser may use the reserved slots
    assert limits.role_limit is None


async def test_a_non_superuser_loses_the_reserved_slots(scratch: Scratch) -> None:
    engine = create_async_engine(scratch.limited_url, pool_size=1, max_overflow=0)
    try:
        limits = await read_limits(engine)
        async with engine.connect() as conn:
            reserved = int(
                (await conn.execute(text("SHOW superuser_reserved_connections"))).scalar_one()
            )
    finally:
        await engine.dispose()
    assert limits.reserved >= reserved > 0
    assert limits.role_limit == 2


async def test_the_database_connection_limit_is_read(
    superuser_engine: AsyncEngine, scratch: Scratch
) -> None:
    await _admin(f'ALTER DATABASE "{NAME}" CONNECTION LIMIT 7')
    try:
        limits = await read_limits(superuser_engine)
        warnings = await check(superuser_engine, processes=1, pool_size=5, max_overflow=5)
    finally:
        await _admin(f'ALTER DATABASE "{NAME}" CONNECTION LIMIT -1')
    assert limits.database_limit == 7
    assert len(warnings) == 1
    assert "the database's CONNECTION LIMIT 7" in warnings[0]


async def test_the_warning_predicts_the_servers_refusal(scratch: Scratch) -> None:
    """A pool of 2 + 1 overflow as a role limited to 2: `check` warns, and the third
    connection really is refused; 2 + 0 fits, and no warning is given."""
    settings = make_settings(scratch.limited_url, db_pool_size=2, db_max_overflow=1)
    engine = create_engine(settings)
    try:
        warnings = await check(engine, processes=1, pool_size=2, max_overflow=1)
        assert [w for w in warnings if "the role's CONNECTION LIMIT 2" in w] == warnings
        assert len(warnings) == 1
        held = [await engine.connect() for _ in range(2)]
        try:
            with pytest.raises(DBAPIError, match="too many connections for role"):
                await engine.connect()
        finally:
            for conn in held:
                await conn.close()
    finally:
        await engine.dispose()
    assert await _check_as(scratch, pool_size=2, max_overflow=0) == []


async def _check_as(scratch: Scratch, *, pool_size: int, max_overflow: int) -> list[str]:
    engine = create_async_engine(scratch.limited_url, pool_size=1, max_overflow=0)
    try:
        return await check(engine, processes=1, pool_size=pool_size, max_overflow=max_overflow)
    finally:
        await engine.dispose()


async def test_unreadable_limits_are_one_warning_not_a_failure(tmp_path: Path) -> None:
    """A server that went away between start-up's ping and this check."""
    url = PG_URL.set(port=_closed_port(), database="nowhere")
    settings = make_settings(url.render_as_string(hide_password=False), db_connect_timeout_s=2.0)
    engine = create_engine(settings)
    try:
        [warning] = await check(engine, processes=1, pool_size=1, max_overflow=0)
    finally:
        await engine.dispose()
    assert warning.startswith("connection budget not checked: ")


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_start_up_logs_each_warning(superuser_engine: AsyncEngine) -> None:
    """What start-up calls: the warnings logged as events an operator can alert on."""
    with capture_logs() as logs:
        warnings = await warn(superuser_engine, processes=10_000, pool_size=10, max_overflow=10)
        assert await warn(superuser_engine, processes=1, pool_size=1, max_overflow=0) == []
    assert len(warnings) == 1
    assert [(e["event"], e["log_level"], e["detail"]) for e in logs] == [
        ("connection_budget_exceeded", "warning", warnings[0])
    ]


async def test_unreadable_limits_log_their_own_event() -> None:
    url = PG_URL.set(port=_closed_port(), database="nowhere")
    engine = create_engine(make_settings(url.render_as_string(hide_password=False)))
    try:
        with capture_logs() as logs:
            await warn(engine, processes=1, pool_size=1, max_overflow=0)
    finally:
        await engine.dispose()
    assert [e["event"] for e in logs] == ["connection_budget_unchecked"]
