"""Issue 17 item 1: a breaking change nobody registered can be hurt by is approved at
once and the publish that opened its proposal completes (product invariant 4)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.models import Event
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register, without

BREAKING = without(ORDERS_V1, "email")


async def _actions(client: httpx.AsyncClient, actors: Actors) -> list[str]:
    r = await client.get("/api/v1/audit-events", params={"limit": 100}, headers=actors.admin)
    actions = [e["action"] for e in reversed(r.json()["items"])]
    return actions[actions.index("asset.created") :]


async def _event_types(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        rows = (await session.execute(select(Event).order_by(Event.id))).scalars().all()
        return [e.type for e in rows]


async def test_breaking_publish_without_consumers_is_published_at_once(
    client: httpx.AsyncClient,
    actors: Actors,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    r = await publish(client, actors.producer_write, asset, BREAKING)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["outcome"] == "published"
    assert body["version"]["version"] == "2.0.0"
    assert body["auto_approved"] is True
    assert body["auto_approval_reason"] == "no registered consumers"
    proposal = body["proposal"]
    assert proposal["status"] == "published"
    assert proposal["published_version"] == "2.0.0"
    assert proposal["awaiting"] == []
    assert proposal["close_reason"] == "approved at once: no registered consumers"
    assert any("email" in c["path"] for c in proposal["breaking_changes"])
    assert body["version"]["proposal_id"] == proposal["id"]

    versions = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.admin)
    assert [v["version"] for v in versions.json()["items"]] == ["1.0.0", "2.0.0"]
    got = await client.get(f"/api/v1/proposals/{proposal['id']}", headers=actors.admin)
    assert got.json()["status"] == "published"

    verify = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verify.json()["ok"] is True
    assert await _actions(client, actors) == [
        "asset.created",
        "version.published",
        "proposal.opened",
        "proposal.approved",
        "version.published",
        "proposal.published",
    ]
    assert await _event_types(sessionmaker) == [
        "asset.created",
        "version.published",
        "proposal.opened",
        "proposal.approved",
        "version.published",
        "proposal.published",
    ]
    approved = await client.get(
        "/api/v1/audit-events", params={"action": "proposal.approved"}, headers=actors.admin
    )
    assert approved.json()["items"][0]["after"]["reason"] == "no registered consumers"


async def test_unaffected_field_scoped_consumer_does_not_hold_the_change(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset, fields=["status"])
    r = await publish(client, actors.producer_write, asset, BREAKING)
    assert r.status_code == 201, r.text
    assert r.json()["auto_approval_reason"] == (
        "no registered consumer reads what the change breaks"
    )
    assert r.json()["proposal"]["status"] == "published"


async def test_breaking_publish_with_an_affected_consumer_still_waits(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)
    r = await publish(client, actors.producer_write, asset, BREAKING)
    assert r.status_code == 202, r.text
    assert r.json()["outcome"] == "proposal"
    assert r.json()["proposal"]["status"] == "open"


async def test_auto_approval_does_not_skip_numbering_rules(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    r = await publish(client, actors.producer_write, asset, BREAKING, version="1.1.0")
    assert r.status_code == 409
    assert r.json()["code"] == "major_bump_required"
    r = await publish(client, actors.producer_write, asset, BREAKING, version="3.0.0")
    assert r.status_code == 201, r.text
    assert r.json()["version"]["version"] == "3.0.0"


async def _impact(
    client: httpx.AsyncClient, actors: Actors, asset: str, schema: dict[str, Any]
) -> dict[str, Any]:
    r = await client.post(
        f"/api/v1/assets/{asset}/impact",
        json={"schema": schema, "format": "jsonschema"},
        headers=actors.consumer_write,
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_impact_says_a_change_without_consumers_is_approved_at_once(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    body = await _impact(client, actors, asset, BREAKING)
    assert body["outcome"] == "published"
    assert body["breaking"] is True
    assert body["auto_approved"] is True
    assert body["auto_approval_reason"] == "no registered consumers"
    assert body["version"] == "2.0.0"
    assert any("email" in c["path"] for c in body["breaking_changes"])
    proposals = await client.get("/api/v1/proposals", headers=actors.admin)
    assert proposals.json()["items"] == [], "the dry run writes nothing"

    await register(client, actors, asset)
    body = await _impact(client, actors, asset, BREAKING)
    assert body["outcome"] == "proposal"
    assert body["auto_approved"] is False
    assert body["auto_approval_reason"] is None

    compatible = await _impact(client, actors, asset, ORDERS_V1)
    assert compatible["outcome"] == "unchanged"
    assert compatible["auto_approved"] is False
