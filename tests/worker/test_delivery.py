"""Worker deliveries against a real receiver on loopback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.asset import service as asset_service
from accord.asset.schemas import AssetCreate
from accord.auth.principal import Principal, Scope
from accord.db import session_scope
from accord.models import Delivery, Event
from accord.sdk.webhooks import WebhookVerificationError, verify_webhook
from accord.worker.repository import WorkerRepository
from accord.worker.runner import Worker
from accord.worker.sender import SendResult
from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset, register
from tests.receiver import Receiver
from tests.worker.conftest import subscribe


async def _deliveries(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with session_scope(sessionmaker) as s:  # commit keeps the objects loaded
        return list((await s.execute(select(Delivery).order_by(Delivery.id))).scalars())


async def _make_due(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(Delivery)
            .where(Delivery.status == "pending")
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def test_signed_delivery_reaches_receiver(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, actors, receiver.url)
    asset = await make_asset(client, actors)
    await register(client, actors, asset)
    async with worker.http() as http:
        assert await worker.run_once(http) == 1  # registration.created concerns the consumer
    [got] = receiver.received
    event = verify_webhook(got.body, got.headers, hook["secret"])
    assert event["type"] == "registration.created"
    assert event["version"] == 1
    assert event["data"]["asset"]["id"] == asset
    assert got.headers["webhook-id"] == event["id"]
    with pytest.raises(WebhookVerificationError):
        verify_webhook(got.body + b" ", got.headers, hook["secret"])
    listed = await client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries", headers=actors.consumer_write
    )
    [d] = listed.json()["items"]
    assert d["status"] == "delivered"
    assert d["attempt_log"][0]["status_code"] == 200


async def test_team_gets_only_what_concerns_it(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    await subscribe(client, actors, receiver.url)
    await make_asset(client, actors, "not.mine")  # the consumer is not registered
    assert await _deliveries(sessionmaker) == []
    everything = await subscribe(client, actors, receiver.url, scope="all")
    await make_asset(client, actors, "still.not.mine")
    [d] = await _deliveries(sessionmaker)
    assert str(d.subscription_id) == everything["id"]


async def test_event_type_filter(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    await subscribe(client, actors, receiver.url, scope="all", event_types=["version.*"])
    asset = await make_asset(client, actors)
    from tests.lifecycle_helpers import ORDERS_V1, publish

    await publish(client, actors.producer_write, asset, ORDERS_V1)
    deliveries = await _deliveries(sessionmaker)
    assert len(deliveries) == 1


async def test_receiver_down_retries_with_growing_delays(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker,
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    receiver.respond = lambda _: (503, {})
    await subscribe(client, actors, receiver.url, scope="all")
    await make_asset(client, actors)
    delays = []
    async with worker.http() as http:
        for _ in range(4):
            before = datetime.now(UTC)
            assert await worker.run_once(http) == 1
            [d] = await _deliveries(sessionmaker)
            assert d.status == "pending"
            delays.append((d.next_attempt_at - before).total_seconds())
            await _make_due(engine)
    assert delays == sorted(delays)
    assert delays[-1] > 3 * delays[0]
    assert len(receiver.received) == 4
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


async def test_retry_after_is_honoured(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    receiver.respond = lambda _: (429, {"retry-after": "600"})
    await subscribe(client, actors, receiver.url, scope="all")
    await make_asset(client, actors)
    async with worker.http() as http:
        await worker.run_once(http)
    [d] = await _deliveries(sessionmaker)
    assert d.next_attempt_at - datetime.now(UTC) > timedelta(seconds=590)


async def test_410_is_dead_at_once_and_replay_delivers_once(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker
) -> None:
    receiver.respond = lambda _: (410, {})
    hook = await subscribe(client, actors, receiver.url, scope="all")
    await make_asset(client, actors)
    async with worker.http() as http:
        await worker.run_once(http)
        dead = await client.get("/api/v1/dead-letters", headers=actors.consumer_write)
        [letter] = dead.json()["items"]
        assert letter["status"] == "dead"
        assert letter["last_status_code"] == 410
        receiver.respond = lambda _: (200, {})
        r = await client.post(
            f"/api/v1/dead-letters/{letter['id']}/replay", headers=actors.consumer_write
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "pending"
        assert await worker.run_once(http) == 1
        assert await worker.run_once(http) == 0
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    audit = await client.get(
        "/api/v1/audit-events", params={"action": "dead_letter.replayed"}, headers=actors.admin
    )
    assert len(audit.json()["items"]) == 1
    again = await client.post(
        f"/api/v1/dead-letters/{letter['id']}/replay", headers=actors.consumer_write
    )
    assert again.status_code == 404
    deliveries = await client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries", headers=actors.consumer_write
    )
    assert [a["outcome"] for a in deliveries.json()["items"][0]["attempt_log"]] == [
        "dead",
        "delivered",
    ]


async def test_bulk_replay_is_capped_and_audited(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker
) -> None:
    receiver.respond = lambda _: (400, {})
    await subscribe(client, actors, receiver.url, scope="all")
    for i in range(3):
        await make_asset(client, actors, f"bulk.a{i}")
    async with worker.http() as http:
        await worker.run_once(http)
    r = await client.post(
        "/api/v1/dead-letters/replay",
        json={"reason": "receiver fixed", "limit": 2},
        headers=actors.consumer_write,
    )
    assert r.json()["replayed"] == 2
    no_reason = await client.post(
        "/api/v1/dead-letters/replay", json={}, headers=actors.consumer_write
    )
    assert no_reason.status_code == 422
    audit = await client.get(
        "/api/v1/audit-events", params={"action": "dead_letter.bulk_replayed"}, headers=actors.admin
    )
    assert audit.json()["items"][0]["after"]["reason"] == "receiver fixed"


async def test_stale_lease_result_is_refused(
    client: httpx.AsyncClient, actors: Actors, worker: Worker,
    sessionmaker: async_sessionmaker[AsyncSession], receiver: Receiver,
) -> None:  # fmt: skip
    await subscribe(client, actors, receiver.url, scope="all")
    await make_asset(client, actors)
    now = datetime.now(UTC)
    async with session_scope(sessionmaker) as s:
        [first] = await WorkerRepository(s).claim("token-a", now, timedelta(seconds=1), 10)
    async with session_scope(sessionmaker) as s:
        assert await WorkerRepository(s).claim("token-b", now, timedelta(seconds=30), 10) == []
    # token-a's lease expires (PostgreSQL leases use its own clock, so time really passes;
    # SQLite's use the time given): the next claim recovers the delivery.
    await asyncio.sleep(1.2)
    later = now + timedelta(seconds=2)
    async with session_scope(sessionmaker) as s:
        [again] = await WorkerRepository(s).claim("token-b", later, timedelta(seconds=30), 10)
    assert again.id == first.id
    assert again.attempts == 2
    # The first worker comes back late with a result: refused, nothing overwritten.
    await worker._record([first], [SendResult(200, None, 1)], "token-a")
    assert worker.stats.stale == 1
    [row] = await _deliveries(sessionmaker)
    assert (row.status, row.lease_token) == ("in_flight", "token-b")
    await worker._record([again], [SendResult(200, None, 1)], "token-b")
    [row] = await _deliveries(sessionmaker)
    assert row.status == "delivered"


async def test_rolled_back_change_emits_nothing(
    actors: Actors, sessionmaker: async_sessionmaker[AsyncSession], client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:  # fmt: skip
    await subscribe(client, actors, receiver.url, scope="all")
    import uuid

    principal = Principal(actors.workspace_id, None, None, frozenset(Scope))
    body = AssetCreate(fqn="rolled.back", owner_team_id=uuid.UUID(actors.producer_team))

    async def failing_request() -> None:
        async with session_scope(sessionmaker) as session:
            await asset_service.create(session, principal, body)
            raise RuntimeError("the request failed after the change")

    with pytest.raises(RuntimeError):
        await failing_request()
    async with session_scope(sessionmaker, write=False) as s:
        events = (await s.execute(select(func.count()).select_from(Event))).scalar_one()
        deliveries = (await s.execute(select(func.count()).select_from(Delivery))).scalar_one()
    assert (events, deliveries) == (0, 0)


async def test_slack_format(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker
) -> None:
    await subscribe(client, actors, receiver.url, scope="all", payload_format="slack")
    await make_asset(client, actors, "slack.orders")
    async with worker.http() as http:
        await worker.run_once(http)
    body = json.loads(receiver.received[0].body)
    assert "slack.orders" in body["text"]
    assert body["blocks"][0]["type"] == "section"


async def test_deleted_subscription_dead_letters_pending(
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    worker: Worker,
    engine: AsyncEngine,
) -> None:
    hook = await subscribe(client, actors, receiver.url, scope="all")
    await make_asset(client, actors)
    await client.delete(f"/api/v1/webhooks/{hook['id']}", headers=actors.consumer_write)
    async with worker.http() as http:
        await worker.run_once(http)
    assert receiver.received == []
    async with engine.connect() as conn:
        status = (await conn.execute(text("SELECT status FROM deliveries"))).scalar_one()
    assert status == "dead"


async def test_downstream_owners_hear_about_proposals(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker
) -> None:
    from tests.lifecycle_helpers import ORDERS_V1, publish, without

    upstream = await make_asset(client, actors, "stg.orders")
    await publish(client, actors.producer_write, upstream, ORDERS_V1)
    downstream = await client.post(
        "/api/v1/assets",
        json={"fqn": "marts.orders", "owner_team_id": actors.consumer_team},
        headers=actors.consumer_write,
    )
    edge = await client.post(
        "/api/v1/lineage/edges",
        json={"upstream_asset_id": upstream, "downstream_asset_id": downstream.json()["id"]},
        headers=actors.consumer_write,
    )
    assert edge.status_code == 201, edge.text
    await subscribe(client, actors, receiver.url, event_types=["proposal.*"])
    r = await publish(client, actors.producer_write, upstream, without(ORDERS_V1, "email"))
    assert r.status_code == 201  # nobody to ask: approved at once, published
    assert r.json()["proposal"]["awaiting"] == []  # told, not asked
    async with worker.http() as http:
        await worker.run_once(http)
    types = [json.loads(got.body)["type"] for got in receiver.received]
    assert "proposal.opened" in types
