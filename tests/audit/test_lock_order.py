"""Issue 15: the workspace's audit head is the LAST lock a transaction takes.

On a52fa47 the first audited change of a transaction locked the head until commit, so a
long transaction (a dbt import) blocked every audited write in the workspace for its whole
length, and transactions that took the head and an asset in opposite orders deadlocked.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.audit import service as audit
from accord.auth.principal import Actor
from accord.db import session_scope
from tests.conftest import BACKEND, Actors

ADMIN = Actor(type="api_key", id="test")


@pytest.mark.skipif(BACKEND != "postgresql", reason="row locks are PostgreSQL's")
async def test_an_audited_change_leaves_the_head_unlocked_until_commit(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine, actors: Actors
) -> None:
    async with session_scope(sessionmaker) as session:
        await audit.record(
            session,
            workspace_id=actors.workspace_id,
            actor=ADMIN,
            action="test.changed",
            entity_type="test",
            entity_id="1",
        )
        # Another writer of the workspace can still take the head at once.
        async with engine.connect() as other:
            await other.execute(text("SET lock_timeout = '100ms'"))
            row = await other.execute(
                text("SELECT seq FROM audit_heads WHERE workspace_id = :w FOR UPDATE NOWAIT"),
                {"w": actors.workspace_id},
            )
            assert row.scalar_one() >= 0
            await other.rollback()


async def test_a_rolled_back_savepoint_takes_its_audit_entries_with_it(
    sessionmaker: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, actors: Actors
) -> None:
    def entry(action: str) -> dict[str, object]:
        return {
            "workspace_id": actors.workspace_id,
            "actor": ADMIN,
            "action": action,
            "entity_type": "test",
            "entity_id": "1",
        }

    async with session_scope(sessionmaker) as session:
        await audit.record(session, **entry("test.kept"))  # type: ignore[arg-type]
        savepoint = await session.begin_nested()
        await audit.record(session, **entry("test.dropped"))  # type: ignore[arg-type]
        await savepoint.rollback()
        await audit.record(session, **entry("test.kept_too"))  # type: ignore[arg-type]
    r = await client.get("/api/v1/audit-events?limit=200", headers=actors.admin)
    assert r.status_code == 200, r.text
    actions = [e["action"] for e in r.json()["items"]]
    assert "test.dropped" not in actions
    assert {"test.kept", "test.kept_too"} <= set(actions)
    verified = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verified.json()["ok"] is True, verified.text


async def test_concurrent_audited_writes_chain_in_commit_order(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """Twenty teams created at once: every one audited, one unbroken chain."""
    results = await asyncio.gather(
        *(
            client.post("/api/v1/teams", json={"name": f"t{i}"}, headers=actors.admin)
            for i in range(20)
        )
    )
    assert [r.status_code for r in results] == [201] * 20
    verified = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verified.json()["ok"] is True, verified.text
