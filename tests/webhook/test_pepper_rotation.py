"""Issue 19 part 4: webhook signing secrets survive a key-pepper rotation.

A subscription records the pepper its secret was derived under; the worker keeps signing
with it after the issuing pepper changes. Once that pepper is removed, deliveries fail
with the class `secret_unavailable` (never a crash) and the API says to rotate the secret.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.db import session_scope
from accord.kit.crypto import pepper_id
from accord.models import Delivery, WebhookSubscription
from accord.sdk.webhooks import WebhookVerificationError, verify_webhook
from accord.startup import stamp_pepper_ids
from tests.conftest import Actors
from tests.pepper_apps import P1, P2, pepper_settings, served, worker_with
from tests.receiver import Receiver
from tests.worker.conftest import subscribe


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


async def _ping(client: httpx.AsyncClient, actors: Actors, hook: dict[str, str]) -> None:
    r = await client.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=actors.consumer_write)
    assert r.status_code == 202, r.text


async def _deliver(
    database_url: str, peppers: list[str], sessionmaker: async_sessionmaker[AsyncSession]
) -> int:
    worker = worker_with(database_url, peppers, sessionmaker)
    async with worker.http() as http:
        return await worker.run_once(http)


async def _secret_pepper(sessionmaker: async_sessionmaker[AsyncSession], hook_id: str) -> str:
    async with session_scope(sessionmaker, write=False) as s:
        stmt = select(WebhookSubscription.secret_pepper).where(
            WebhookSubscription.id == uuid.UUID(hook_id)
        )
        return str((await s.execute(stmt)).scalar_one())


async def test_secret_survives_rotation_and_rotating_moves_it(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, actors, receiver.url)  # made under [P1]
    assert await _secret_pepper(sessionmaker, hook["id"]) == pepper_id(P1)

    async with served(database_url, [P2, P1]) as rotated:
        await _ping(rotated, actors, hook)
        assert await _deliver(database_url, [P2, P1], sessionmaker) == 1
        verify_webhook(receiver.received[-1].body, receiver.received[-1].headers, hook["secret"])
        r = await rotated.post(
            f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=actors.consumer_write
        )
        assert r.status_code == 200, r.text
        new_secret = r.json()["secret"]
        assert await _secret_pepper(sessionmaker, hook["id"]) == pepper_id(P2)

    async with served(database_url, [P2]) as retired:
        await _ping(retired, actors, hook)
        assert await _deliver(database_url, [P2], sessionmaker) == 1
    got = receiver.received[-1]
    assert verify_webhook(got.body, got.headers, new_secret)["type"] == "webhook.ping"
    with pytest.raises(WebhookVerificationError):
        verify_webhook(got.body, got.headers, hook["secret"])


async def test_secret_under_a_removed_pepper_fails_clearly(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, actors, receiver.url)  # under P1, never rotated
    await _ping(client, actors, hook)  # queued while P1 was still configured
    async with served(database_url, [P2, P1]) as rotated:  # the team's key moves to P2
        me = await rotated.get("/api/v1/me", headers=actors.consumer_write)
        assert me.status_code == 200
    async with served(database_url, [P2]) as retired:
        r = await retired.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=actors.consumer_write)
        assert r.status_code == 409
        assert r.json()["code"] == "webhook_secret_unavailable"
        assert "rotate" in r.json()["detail"]
        assert await _deliver(database_url, [P2], sessionmaker) == 1
        assert receiver.received == []  # nothing unsigned or wrongly signed went out
        listed = await retired.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries", headers=actors.consumer_write
        )
        [delivery] = listed.json()["items"]
        assert (delivery["status"], delivery["last_error_class"]) == ("dead", "secret_unavailable")
        # Rotating the secret (under the issuing pepper) and replaying recovers it.
        fresh = await retired.post(
            f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=actors.consumer_write
        )
        replay = await retired.post(
            f"/api/v1/dead-letters/{delivery['id']}/replay", headers=actors.consumer_write
        )
        assert replay.status_code == 200, replay.text
        assert await _deliver(database_url, [P2], sessionmaker) == 1
    got = receiver.received[-1]
    assert verify_webhook(got.body, got.headers, fresh.json()["secret"])["type"] == "webhook.ping"


async def test_subscriptions_from_before_pepper_ids_sign_with_the_stamped_pepper(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, actors, receiver.url)
    async with session_scope(sessionmaker) as s:  # as the migration leaves an old row
        await s.execute(update(WebhookSubscription).values(secret_pepper=None))
    await stamp_pepper_ids(pepper_settings(database_url, [P2, P1]), sessionmaker)
    assert await _secret_pepper(sessionmaker, hook["id"]) == pepper_id(P1)
    await _ping(client, actors, hook)
    assert await _deliver(database_url, [P2, P1], sessionmaker) == 1
    got = receiver.received[-1]
    assert verify_webhook(got.body, got.headers, hook["secret"])["type"] == "webhook.ping"
    async with session_scope(sessionmaker, write=False) as s:
        status = (await s.execute(select(Delivery.status))).scalar_one()
    assert status == "delivered"
