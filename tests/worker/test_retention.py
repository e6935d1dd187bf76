"""Issue 15: delivered deliveries, their attempts and spent events are purged after the
retention; dead letters and the audit log stay (on a52fa47 nothing was ever purged)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.db import session_scope
from accord.models import AuditEvent, Delivery, DeliveryAttempt, Event, ImportJob
from accord.worker.runner import Worker
from accord.worker.tasks import default_tasks
from tests.conftest import Actors
from tests.dbt.manifests import jaffle, raw
from tests.imports.helpers import get_job, import_and_wait
from tests.lifecycle_helpers import make_asset
from tests.receiver import Receiver
from tests.worker.conftest import subscribe


async def _count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with session_scope(sessionmaker, write=False) as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_retention_purges_what_was_delivered_and_keeps_dead_letters_and_audit(
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    worker: Worker,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    receiver.respond = lambda got: (410, {}) if "dead" in got.path else (200, {})
    await subscribe(client, actors, receiver.url, scope="all")
    await subscribe(client, actors, receiver.url + "/dead", scope="all")
    await make_asset(client, actors)  # asset.created: one delivered, one dead letter
    await make_asset(client, actors, fqn="warehouse.sales.returns")
    async with worker.http() as http:
        while await worker.run_once(http):
            pass
    assert await _count(sessionmaker, Delivery) == 4
    audit_before = await _count(sessionmaker, AuditEvent)
    # Everything happened 31 days ago; an event without deliveries too.
    old = datetime.now(UTC) - timedelta(days=31)
    async with engine.begin() as conn:
        await conn.execute(update(Delivery).values(delivered_at=old, dead_at=old))
        await conn.execute(update(Event).values(created_at=old))
    async with session_scope(sessionmaker) as s:
        purge = default_tasks(worker.settings)["purge_retained"][1]
        assert await purge(s) == 2 + 0  # two delivered deliveries; their events keep a dead one

    async with session_scope(sessionmaker, write=False) as s:
        left = (await s.execute(select(Delivery.status))).scalars().all()
        attempts = await s.execute(select(func.count()).select_from(DeliveryAttempt))
        events = await s.execute(select(func.count()).select_from(Event))
    assert sorted(left) == ["dead", "dead"]
    assert attempts.scalar_one() == 2  # the dead letters' attempts stay
    assert events.scalar_one() == 2  # each still has a dead letter
    assert await _count(sessionmaker, AuditEvent) == audit_before

    # Once the dead letters are gone (replayed and delivered), the events go too.
    receiver.respond = lambda _: (200, {})
    dead = await client.get("/api/v1/dead-letters", headers=actors.consumer_write)
    for letter in dead.json()["items"]:
        replay = f"/api/v1/dead-letters/{letter['id']}/replay"
        assert (await client.post(replay, headers=actors.consumer_write)).status_code == 200
    async with worker.http() as http:
        while await worker.run_once(http):
            pass
    async with engine.begin() as conn:
        await conn.execute(update(Delivery).values(delivered_at=old))
    async with session_scope(sessionmaker) as s:
        assert await purge(s) == 4  # two deliveries, then their two events
    assert await _count(sessionmaker, Event) == 0
    assert await _count(sessionmaker, Delivery) == 0
    assert await _count(sessionmaker, AuditEvent) > audit_before  # the replays, audited


async def test_recent_deliveries_are_kept(
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    worker: Worker,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await subscribe(client, actors, receiver.url, scope="all")
    await make_asset(client, actors)
    async with worker.http() as http:
        await worker.run_once(http)
    async with session_scope(sessionmaker) as s:
        assert await default_tasks(worker.settings)["purge_retained"][1](s) == 0
    assert await _count(sessionmaker, Delivery) == 1


async def test_ended_import_jobs_are_forgotten_after_the_retention(
    client: httpx.AsyncClient,
    actors: Actors,
    worker: Worker,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    job = await import_and_wait(client, actors.producer_write, raw(jaffle()))
    assert job["status"] == "succeeded"
    purge = default_tasks(worker.settings)["purge_retained"][1]
    async with session_scope(sessionmaker) as s:
        await purge(s)
    assert (await get_job(client, actors.producer_write, job["id"]))["status"] == "succeeded"
    async with engine.begin() as conn:
        await conn.execute(
            update(ImportJob).values(finished_at=datetime.now(UTC) - timedelta(days=31))
        )
    async with session_scope(sessionmaker) as s:
        purged = await purge(s)
    assert isinstance(purged, int)
    assert purged >= 1
    gone = await client.get(f"/api/v1/imports/jobs/{job['id']}", headers=actors.producer_write)
    assert gone.status_code == 404
    assets = await client.get("/api/v1/assets", headers=actors.producer_write)
    assert len(assets.json()["items"]) == 8  # what the import did stays
