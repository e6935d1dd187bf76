"""Migrations: upgrade -> downgrade -> upgrade works, and models match the schema."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, insert, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.db import create_engine
from accord.migrate import (
    COMPAT_TABLE_NAME,
    autogenerate_include_name,
    autogenerate_include_object,
    downgrade,
    head_revisions,
    schema_status,
    upgrade,
)
from accord.models import Asset, Base, Team, Workspace
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


# SQLite cannot reflect an expression index (the lower(fqn) one of assets), so neither
# SQLAlchemy nor Alembic compares it there; PostgreSQL does.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
async def test_models_match_migrations(fresh_engine: AsyncEngine) -> None:
    await upgrade(fresh_engine)

    def _diff(conn: Connection) -> list[object]:
        opts = {
            "compare_type": True,
            "include_name": autogenerate_include_name,
            "include_object": autogenerate_include_object(conn.dialect.name),
        }
        ctx = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(ctx, Base.metadata))

    async with fresh_engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == [], "models and migrations differ: write a migration"


# --- issue 17: asset FQNs unique regardless of case ----------------------------------------

BEFORE_FQN_INDEX = "3f8a6c2e9d14"


async def _reset(engine: AsyncEngine) -> None:
    """Back to an empty database (on SQLite the file outlives one test): the rows these
    tests seed first, then every migration."""
    async with engine.begin() as conn:
        if "assets" in await conn.run_sync(_tables):
            for table in ("assets", "teams", "workspaces"):
                await conn.execute(text(f"DELETE FROM {table}"))
    await downgrade(engine, "base")


async def _seed_assets(engine: AsyncEngine, fqns: list[tuple[str, str, bool]]) -> None:
    """Live (or soft-deleted) assets in one new workspace (columns of the older schema)."""
    workspace, team = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(insert(Workspace).values(id=workspace, name=f"w{workspace.hex[:8]}"))
        await conn.execute(insert(Team).values(id=team, workspace_id=workspace, name="t"))
        for fqn, environment, deleted in fqns:
            await conn.execute(
                insert(Asset).values(
                    workspace_id=workspace,
                    fqn=fqn,
                    environment=environment,
                    kind="table",
                    owner_team_id=team,
                    compatibility="forward",
                    content_model="lenient",
                    deleted_at=now if deleted else None,
                )
            )


async def test_fqn_index_migration_stops_on_case_collisions_naming_them(
    fresh_engine: AsyncEngine,
) -> None:
    await _reset(fresh_engine)
    await upgrade(fresh_engine, BEFORE_FQN_INDEX)
    await _seed_assets(
        fresh_engine,
        [
            ("Warehouse.Sales.Orders", "prod", False),
            ("warehouse.sales.orders", "prod", False),
            ("warehouse.sales.orders", "dev", False),  # another environment: no collision
            ("Lake.Events", "prod", True),  # soft-deleted: never blocks a name
            ("lake.events", "prod", False),
        ],
    )
    with pytest.raises(RuntimeError) as raised:
        await upgrade(fresh_engine)
    message = str(raised.value)
    assert "differ only by case" in message
    assert "environment prod: Warehouse.Sales.Orders, warehouse.sales.orders" in message
    assert "dev" not in message
    assert "lake.events" not in message.lower()
    assert (await schema_status(fresh_engine)).current == (BEFORE_FQN_INDEX,), "nothing applied"
    async with fresh_engine.begin() as conn:
        await conn.execute(
            text("UPDATE assets SET deleted_at = :now WHERE fqn = 'Warehouse.Sales.Orders'"),
            {"now": datetime.now(UTC)},
        )
    await upgrade(fresh_engine)
    assert (await schema_status(fresh_engine)).up_to_date


async def test_fqn_index_refuses_a_case_variant_in_the_database(
    fresh_engine: AsyncEngine,
) -> None:
    await _reset(fresh_engine)
    await upgrade(fresh_engine)
    with pytest.raises(IntegrityError):
        await _seed_assets(
            fresh_engine,
            [("Warehouse.Sales.Orders", "prod", False), ("warehouse.sales.orders", "prod", False)],
        )
    await _seed_assets(
        fresh_engine,
        [("Warehouse.Sales.Orders", "prod", True), ("warehouse.sales.orders", "prod", False)],
    )
