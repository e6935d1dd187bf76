"""Issue 17 item 7: `POST /api/v1/webhooks/{id}/ping` queues a signed `webhook.ping` to
that webhook only, through the outbox and the worker like any event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.config import Settings
from accord.sdk.webhooks import verify_webhook
from accord.worker.runner import Worker
from tests.conftest import Actors
from tests.receiver import Receiver
from tests.worker.conftest import subscribe


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


@pytest.fixture
def worker(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Worker:
    return Worker(settings, sessionmaker, {})


async def test_ping_reaches_only_that_webhook_signed(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, worker: Worker
) -> None:
    # A filter that names no ping: the ping goes to the webhook it was asked for anyway.
    hook = await subscribe(client, actors, receiver.url, event_types=["proposal.*"])
    other = await subscribe(client, actors, receiver.url, scope="all")
    r = await client.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=actors.consumer_write)
    assert r.status_code == 202, r.text
    body = r.json()
    assert set(body) == {"delivery_id", "webhook_id", "event_type"}
    assert body["webhook_id"] == hook["id"]
    assert body["event_type"] == "webhook.ping"
    uuid.UUID(body["delivery_id"])

    async with worker.http() as http:
        assert await worker.run_once(http) == 1
    [got] = receiver.received
    event = verify_webhook(got.body, got.headers, hook["secret"])
    assert event["type"] == "webhook.ping"
    assert event["data"]["webhook"]["id"] == hook["id"]
    assert got.headers["webhook-id"] == event["id"]

    listed = await client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries", headers=actors.consumer_write
    )
    [d] = listed.json()["items"]
    assert d["id"] == body["delivery_id"]
    assert d["event_type"] == "webhook.ping"
    assert d["status"] == "delivered"
    none = await client.get(
        f"/api/v1/webhooks/{other['id']}/deliveries", headers=actors.consumer_write
    )
    assert none.json()["items"] == []
    audit = await client.get(
        "/api/v1/audit-events", params={"action": "webhook.pinged"}, headers=actors.admin
    )
    assert audit.json()["items"][0]["after"]["delivery_id"] == body["delivery_id"]


async def test_ping_follows_the_webhook_write_rules(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver
) -> None:
    hook = await subscribe(client, actors, receiver.url)
    url = f"/api/v1/webhooks/{hook['id']}/ping"
    assert (await client.post(url)).status_code == 401
    assert (await client.post(url, headers=actors.producer_write)).status_code == 403
    assert (await client.post(url, headers=actors.producer_read)).status_code == 403
    assert (await client.post(url, headers=actors.other_admin)).status_code == 404
    missing = await client.post(f"/api/v1/webhooks/{uuid.uuid4()}/ping", headers=actors.admin)
    assert missing.status_code == 404
    assert missing.json()["code"] == "webhook_not_found"
    assert (await client.post(url, headers=actors.admin)).status_code == 202


async def test_ping_to_an_inactive_webhook_is_409(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver
) -> None:
    hook = await subscribe(client, actors, receiver.url, active=False)
    r = await client.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=actors.consumer_write)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "webhook_inactive"
    listed = await client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries", headers=actors.consumer_write
    )
    assert listed.json()["items"] == []
