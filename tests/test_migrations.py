"""Migrations: upgrade -> downgrade -> upgrade works, and models match the schema."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.db import create_engine
from accord.migrate import (
    COMPAT_TABLE_NAME,
    autogenerate_include_name,
    downgrade,
    head_revisions,
    schema_status,
    upgrade,
)
from accord.models import Base
from tests.conftest import (
    BACKEND,
    _drop_pg_database,
    _recreate_pg_database,
    make_settings,
)


@pytest.fixture
async def fresh_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    url = database_url.replace("accord.db", "migrations.db") + (
        "_mig" if BACKEND == "postgresql" else ""
    )
    if BACKEND == "postgresql":
        await _recreate_pg_database(url)
    eng = create_engine(make_settings(url))
    yield eng
    await eng.dispose()
    if BACKEND == "postgresql":
        await _drop_pg_database(url)


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def test_upgrade_downgrade_upgrade(fresh_engine: AsyncEngine) -> None:
    assert not (await schema_status(fresh_engine)).up_to_date
    await upgrade(fresh_engine)
    assert (await schema_status(fresh_engine)).current == head_revisions()
    await downgrade(fresh_engine, "base")
    async with fresh_engine.connect() as conn:
        assert _tables_left(await conn.run_sync(_tables)) == set()
    await upgrade(fresh_engine)
    assert (await schema_status(fresh_engine)).up_to_date


def _tables_left(tables: set[str]) -> set[str]:
    # The runner's own tables stay, as Alembic leaves alembic_version.
    return tables - {"alembic_version", COMPAT_TABLE_NAME}


async def test_models_match_migrations(fresh_engine: AsyncEngine) -> None:
    await upgrade(fresh_engine)

    def _diff(conn: Connection) -> list[object]:
        opts = {"compare_type": True, "include_name": autogenerate_include_name}
        ctx = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(ctx, Base.metadata))

    async with fresh_engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == [], "models and migrations differ: write a migration"
