"""Issue 14, hole 6: anyone could post a failing validation run on anyone's asset, which
notified the owner and every consumer.

Now the owner team or an admin reports runs; a registered consumer may report too, but
its run is marked consumer-reported with its team and notifies the owner only; any other
team is refused and leaves nothing behind.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Actors, new_key, new_team
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register

FAILING = {
    "source": "s3://lake/orders/2026-12-03.parquet",
    "version": "1.0.0",
    "checks": [{"id": "not_null:id", "kind": "not_null", "status": "fail", "failed_rows": 3}],
}


async def _asset(client: httpx.AsyncClient, actors: Actors) -> str:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    return asset


async def _hook(client: httpx.AsyncClient, headers: dict[str, str], team_id: str) -> str:
    r = await client.post(
        "/api/v1/webhooks",
        json={
            "url": "http://127.0.0.1:9/hook",
            "team_id": team_id,
            "event_types": ["validation.*"],
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _notified(
    client: httpx.AsyncClient, actors: Actors, hooks: dict[str, str]
) -> dict[str, int]:
    """How many `validation.failed` deliveries each team's webhook got."""
    out = {}
    for name, hook in hooks.items():
        r = await client.get(f"/api/v1/webhooks/{hook}/deliveries", headers=actors.admin)
        assert r.status_code == 200, r.text
        out[name] = sum(d["event_type"] == "validation.failed" for d in r.json()["items"])
    return out


async def _failed_events(engine: AsyncEngine) -> list[list[str]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT team_ids FROM events WHERE type = 'validation.failed'"))
        ).all()
    return [sorted(r[0] if isinstance(r[0], list) else json.loads(r[0])) for r in rows]


async def _world(client: httpx.AsyncClient, actors: Actors) -> tuple[str, dict[str, Any]]:
    """An asset with two registered consumers and a stranger; each team subscribed."""
    asset = await _asset(client, actors)
    assert (await register(client, actors, asset)).status_code == 201
    bystander = await new_team(client, actors.admin, "bystander")
    bystander_write = await new_key(client, actors.admin, bystander, ["read", "write"])
    r = await client.post(
        "/api/v1/registrations",
        json={"asset_id": asset, "team_id": bystander},
        headers=bystander_write,
    )
    assert r.status_code == 201, r.text
    stranger = await new_team(client, actors.admin, "stranger")
    stranger_write = await new_key(client, actors.admin, stranger, ["read", "write"])
    hooks = {
        "owner": await _hook(client, actors.producer_write, actors.producer_team),
        "consumer": await _hook(client, actors.consumer_write, actors.consumer_team),
        "bystander": await _hook(client, bystander_write, bystander),
        "stranger": await _hook(client, stranger_write, stranger),
    }
    return asset, {"hooks": hooks, "bystander": bystander, "stranger_write": stranger_write}


async def test_stranger_team_cannot_report_runs(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    asset, world = await _world(client, actors)
    url = f"/api/v1/assets/{asset}/validation-runs"
    r = await client.post(url, json=FAILING, headers=world["stranger_write"])
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "not_owner_or_consumer"
    # Nothing stored, nothing audited, nobody notified.
    assert (await client.get(url, headers=actors.admin)).json()["items"] == []
    audit = await client.get(
        "/api/v1/audit-events",
        params={"action": "validation_run.reported"},
        headers=actors.admin,
    )
    assert audit.json()["items"] == []
    assert await _failed_events(engine) == []
    assert await _notified(client, actors, world["hooks"]) == {
        "owner": 0,
        "consumer": 0,
        "bystander": 0,
        "stranger": 0,
    }


async def test_unregistered_team_is_a_stranger(client: httpx.AsyncClient, actors: Actors) -> None:
    """Registration is what makes a consumer: before it (or after it is deleted), 403."""
    asset = await _asset(client, actors)
    url = f"/api/v1/assets/{asset}/validation-runs"
    assert (await client.post(url, json=FAILING, headers=actors.consumer_write)).status_code == 403
    reg = await register(client, actors, asset)
    assert (await client.post(url, json=FAILING, headers=actors.consumer_write)).status_code == 201
    deleted = await client.delete(
        f"/api/v1/registrations/{reg.json()['id']}", headers=actors.consumer_write
    )
    assert deleted.status_code == 204
    assert (await client.post(url, json=FAILING, headers=actors.consumer_write)).status_code == 403


async def test_registered_consumer_run_is_marked_and_notifies_only_the_owner(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    asset, world = await _world(client, actors)
    url = f"/api/v1/assets/{asset}/validation-runs"
    r = await client.post(url, json=FAILING, headers=actors.consumer_write)
    assert r.status_code == 201, r.text
    assert await _failed_events(engine) == [[actors.producer_team]]
    assert await _notified(client, actors, world["hooks"]) == {
        "owner": 1,
        "consumer": 0,
        "bystander": 0,
        "stranger": 0,
    }
    run = r.json()
    assert run["status"] == "failed"
    assert run["consumer_reported"] is True
    assert run["reporter_team_id"] == actors.consumer_team
    listed = (await client.get(url, headers=actors.producer_read)).json()["items"]
    assert [(x["id"], x["consumer_reported"], x["reporter_team_id"]) for x in listed] == [
        (run["id"], True, actors.consumer_team)
    ]


async def test_owner_and_admin_report_as_before(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    asset, world = await _world(client, actors)
    url = f"/api/v1/assets/{asset}/validation-runs"
    owner = await client.post(url, json=FAILING, headers=actors.producer_write)
    assert owner.status_code == 201, owner.text
    assert owner.json()["consumer_reported"] is False
    assert owner.json()["reporter_team_id"] == actors.producer_team
    admin = await client.post(url, json=FAILING, headers=actors.admin)
    assert admin.status_code == 201, admin.text
    assert admin.json()["consumer_reported"] is False
    assert admin.json()["reporter_team_id"] is None
    everyone = sorted([actors.producer_team, actors.consumer_team, world["bystander"]])
    assert await _failed_events(engine) == [everyone, everyone]
    assert await _notified(client, actors, world["hooks"]) == {
        "owner": 2,
        "consumer": 2,
        "bystander": 2,
        "stranger": 0,
    }
