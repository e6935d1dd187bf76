"""Managing webhooks, their deliveries and dead letters through the SDK (the real app)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.sdk import AsyncClient, Client, NotFoundError, PermissionDeniedError, WebhookPing
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, with_props

HOOK = "http://127.0.0.1:9/hook"  # never called: no worker runs in these tests


async def test_webhook_lifecycle(producer: AsyncClient, actors: Actors) -> None:
    created = await producer.create_webhook(
        HOOK,
        team_id=actors.producer_team,
        event_types=["proposal.opened"],
        description="ci",
        payload_format="slack",
    )
    assert created.secret.startswith("whsec_")
    assert (created.team_id, created.scope) == (uuid.UUID(actors.producer_team), "concerned")
    assert (created.payload_format, created.active) == ("slack", True)
    assert (await producer.get_webhook(created.id)).event_types == ["proposal.opened"]
    assert [w.id async for w in producer.paginate(producer.list_webhooks, limit=1)] == [created.id]

    updated = await producer.update_webhook(created.id, active=False, scope="all")
    assert (updated.active, updated.scope, updated.description) == (False, "all", "ci")
    rotated = await producer.rotate_webhook_secret(created.id)
    assert rotated.secret.startswith("whsec_")
    assert rotated.secret != created.secret
    assert (await producer.list_webhook_deliveries(created.id, status="dead")).items == []

    await producer.delete_webhook(created.id)
    with pytest.raises(NotFoundError):
        await producer.get_webhook(created.id)


async def _dead_letters(producer: AsyncClient, engine: AsyncEngine, actors: Actors) -> int:
    """A webhook for every event, three events delivered to it, all dead."""
    await producer.create_webhook(HOOK, team_id=actors.producer_team)
    asset = await producer.create_asset("wh.orders", actors.producer_team)
    await producer.publish(asset.id, ORDERS_V1)
    await producer.publish(asset.id, with_props(ORDERS_V1, a={"type": "string"}))
    await producer.publish(asset.id, with_props(ORDERS_V1, b={"type": "string"}))
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE deliveries SET status = 'dead'"))
        count = (await conn.execute(text("SELECT count(*) FROM deliveries"))).scalar_one()
    assert count >= 3
    return int(count)


async def test_dead_letters_list_dry_run_and_replay(
    producer: AsyncClient, engine: AsyncEngine, actors: Actors
) -> None:
    total = await _dead_letters(producer, engine, actors)
    dead = [d async for d in producer.paginate(producer.list_dead_letters, limit=1)]
    assert len(dead) == total
    assert {d.status for d in dead} == {"dead"}
    details = await producer.list_webhook_deliveries(dead[0].subscription_id, status="dead")
    assert [d.id for d in details.items] == [d.id for d in dead]

    plan = await producer.replay_dead_letters("dry", limit=2, dry_run=True)
    assert (plan.dry_run, plan.replayed, plan.delivery_ids) == (True, 2, [d.id for d in dead[:2]])
    by_type = await producer.replay_dead_letters("dry", event_type="nope", dry_run=True)
    assert by_type.delivery_ids == []
    assert len((await producer.list_dead_letters()).items) == total, "a dry run writes nothing"

    one = await producer.replay_dead_letter(dead[0].id)
    assert (one.id, one.status) == (dead[0].id, "pending")
    plan = await producer.replay_dead_letters("rest", dry_run=True)
    done = await producer.replay_dead_letters("rest")
    assert not done.dry_run
    assert done.delivery_ids == plan.delivery_ids == [d.id for d in dead[1:]]
    assert done.replayed == total - 1
    assert (await producer.list_dead_letters()).items == []


async def test_dry_run_refuses_another_teams_webhook_as_the_replay_does(
    producer: AsyncClient, consumer: AsyncClient, actors: Actors
) -> None:
    hook = await producer.create_webhook(HOOK, team_id=actors.producer_team)
    refusals = []
    for dry_run in (True, False):
        with pytest.raises(PermissionDeniedError) as info:
            await consumer.replay_dead_letters("why", subscription_id=hook.id, dry_run=dry_run)
        refusals.append((info.value.status, info.value.code))
    assert refusals[0] == refusals[1]


def _ping_answer(request: httpx.Request) -> httpx.Response:
    webhook_id = request.url.path.split("/")[-2]
    assert (request.method, request.url.path) == ("POST", f"/api/v1/webhooks/{webhook_id}/ping")
    body = {"delivery_id": str(uuid.UUID(int=7)), "webhook_id": webhook_id}
    return httpx.Response(202, json={**body, "event_type": "webhook.ping"})


async def test_ping_webhook_reads_the_queued_delivery() -> None:
    hook = uuid.uuid4()
    transport = httpx.MockTransport(_ping_answer)
    async with AsyncClient("http://accord.test", "k", transport=transport) as client:
        ping = await client.ping_webhook(hook)
    with Client("http://accord.test", "k", transport=transport) as blocking:
        assert blocking.ping_webhook(hook) == ping
    assert isinstance(ping, WebhookPing)
    assert (ping.webhook_id, ping.event_type) == (hook, "webhook.ping")
    assert ping.delivery_id == uuid.UUID(int=7)


def test_replay_body_names_the_filters() -> None:
    sent: list[dict[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"replayed": 0, "delivery_ids": []})

    hook = uuid.uuid4()
    with Client("http://accord.test", "k", transport=httpx.MockTransport(answer)) as client:
        client.replay_dead_letters("why", subscription_id=hook, event_type="e", limit=5)
        client.replay_dead_letters("why")
    assert sent == [
        {"reason": "why", "subscription_id": str(hook), "event_type": "e", "limit": 5},
        {"reason": "why"},
    ]
