"""Proposal rules beyond the Tessera holes: who may act, when, and what waits on whom."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.app import run_maintenance
from accord.db import session_scope
from accord.models import Proposal
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, ack, make_asset, publish, register, without

BREAKING = without(ORDERS_V1, "email")


async def _open(client: httpx.AsyncClient, actors: Actors, **reg: object) -> tuple[str, str]:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset, **reg)
    r = await publish(client, actors.producer_write, asset, BREAKING)
    return asset, r.json()["proposal"]["id"]


async def test_field_scoped_registration_is_not_asked_about_other_fields(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset, fields=["status"])
    r = await publish(client, actors.producer_write, asset, BREAKING)
    assert r.status_code == 201, "waits on nobody: approved and published at once"
    assert r.json()["proposal"]["status"] == "published"
    assert r.json()["proposal"]["awaiting"] == []


async def test_field_scoped_registration_is_asked_about_its_field(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await _open(client, actors, fields=["email", "id"])
    r = await client.get(f"/api/v1/proposals/{pid}", headers=actors.consumer_write)
    assert [a["team_id"] for a in r.json()["awaiting"]] == [actors.consumer_team]


async def test_team_acks_only_for_itself_and_only_when_awaited(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await _open(client, actors)
    url = f"/api/v1/proposals/{pid}/acknowledgments"
    for_other = await client.post(
        url,
        json={"team_id": actors.consumer_team, "decision": "approve"},
        headers=actors.producer_write,
    )
    assert for_other.status_code == 403
    not_awaited = await client.post(
        url,
        json={"team_id": actors.producer_team, "decision": "approve"},
        headers=actors.producer_write,
    )
    assert not_awaited.status_code == 403
    assert not_awaited.json()["code"] == "not_awaited"


async def test_answer_can_change_while_open_but_not_after(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await _open(client, actors)
    assert (await ack(client, actors, pid, "approve")).json()["status"] == "approved"
    assert (await ack(client, actors, pid, "block")).json()["status"] == "blocked"
    assert (await ack(client, actors, pid, "approve")).json()["status"] == "approved"
    await client.post(f"/api/v1/proposals/{pid}/publish", headers=actors.producer_write)
    late = await ack(client, actors, pid, "block")
    assert late.status_code == 409
    assert late.json()["code"] == "proposal_closed"


async def test_withdraw_by_owner_only(client: httpx.AsyncClient, actors: Actors) -> None:
    _, pid = await _open(client, actors)
    url = f"/api/v1/proposals/{pid}/withdraw"
    assert (await client.post(url, headers=actors.consumer_write)).status_code == 403
    r = await client.post(url, json={"reason": "rethinking"}, headers=actors.producer_write)
    assert r.json()["status"] == "withdrawn"
    assert r.json()["close_reason"] == "rethinking"
    assert (await client.post(url, headers=actors.producer_write)).status_code == 409


async def test_replacement_is_explicit_and_recorded(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset, pid = await _open(client, actors)
    other = {**BREAKING, "properties": {**BREAKING["properties"], "id": {"type": "string"}}}
    r = await publish(client, actors.producer_write, asset, other, replace_open_proposal=True)
    new_id = r.json()["proposal"]["id"]
    old = (await client.get(f"/api/v1/proposals/{pid}", headers=actors.admin)).json()
    assert old["status"] == "superseded"
    assert old["superseded_by_id"] == new_id
    listed = await client.get(
        "/api/v1/proposals", params={"asset_id": asset, "status": "open"}, headers=actors.admin
    )
    assert [p["id"] for p in listed.json()["items"]] == [new_id]


async def test_team_to_act_filter(client: httpx.AsyncClient, actors: Actors) -> None:
    _, pid = await _open(client, actors)
    params = {"team_to_act": actors.consumer_team}
    todo = await client.get("/api/v1/proposals", params=params, headers=actors.consumer_write)
    assert [p["id"] for p in todo.json()["items"]] == [pid]
    await ack(client, actors, pid, "approve")
    todo = await client.get("/api/v1/proposals", params=params, headers=actors.consumer_write)
    assert todo.json()["items"] == []


async def test_stale_proposal_cannot_publish(client: httpx.AsyncClient, actors: Actors) -> None:
    asset, pid = await _open(client, actors)
    await ack(client, actors, pid, "approve")
    compatible = {**ORDERS_V1, "description": "orders"}
    assert (await publish(client, actors.producer_write, asset, compatible)).status_code == 201
    r = await client.post(f"/api/v1/proposals/{pid}/publish", headers=actors.producer_write)
    assert r.status_code == 409
    assert r.json()["code"] == "proposal_stale"


async def test_publish_with_explicit_version_rules(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await _open(client, actors)
    await ack(client, actors, pid, "approve")
    url = f"/api/v1/proposals/{pid}/publish"
    minor = await client.post(url, json={"version": "1.5.0"}, headers=actors.producer_write)
    assert minor.status_code == 409
    ok = await client.post(url, json={"version": "3.0.0"}, headers=actors.producer_write)
    assert ok.json()["version"]["version"] == "3.0.0"


async def test_proposals_expire(
    app: FastAPI,
    client: httpx.AsyncClient,
    actors: Actors,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, pid = await _open(client, actors)
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(Proposal).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    late = await ack(client, actors, pid, "approve")
    assert late.status_code == 409
    await run_maintenance(app.state.accord)
    r = await client.get(f"/api/v1/proposals/{pid}", headers=actors.admin)
    assert r.json()["status"] == "expired"
    events = await client.get(
        "/api/v1/audit-events", params={"action": "proposal.expired"}, headers=actors.admin
    )
    assert len(events.json()["items"]) == 1


async def test_a_block_needs_a_reason(client: httpx.AsyncClient, actors: Actors) -> None:
    """product.md: a block comes with its reason; a reasonless one is refused, unchanged."""
    _, pid = await _open(client, actors)
    for comment in ("", "   "):
        r = await client.post(
            f"/api/v1/proposals/{pid}/acknowledgments",
            json={"team_id": actors.consumer_team, "decision": "block", "comment": comment},
            headers=actors.consumer_write,
        )
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "block_needs_reason"
    after = (await client.get(f"/api/v1/proposals/{pid}", headers=actors.admin)).json()
    assert after["status"] == "open"
    assert [a["decision"] for a in after["awaiting"]] == [None]
    r = await client.post(
        f"/api/v1/proposals/{pid}/acknowledgments",
        json={"team_id": actors.consumer_team, "decision": "approve"},
        headers=actors.consumer_write,
    )
    assert r.status_code == 200, "approving needs no comment"
