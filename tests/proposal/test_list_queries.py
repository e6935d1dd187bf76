"""Listing proposals runs the same statements for 3 rows as for 30 (no query per row)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, ack, make_asset, publish, register, without
from tests.statements import statements_run

BREAKING = without(ORDERS_V1, "email")
ROWS = 30


async def _proposals(client: httpx.AsyncClient, actors: Actors) -> dict[str, str]:
    """ROWS proposals, each on an asset of its own: a third published (a base and a
    published version, an approval), a third blocked, a third still waiting. Returns
    {proposal id: expected status}."""
    made: dict[str, str] = {}
    for i in range(ROWS):
        asset = await make_asset(client, actors, fqn=f"warehouse.sales.orders_{i}")
        assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
        assert (await register(client, actors, asset)).status_code == 201
        r = await publish(client, actors.producer_write, asset, BREAKING)
        assert r.status_code == 202, r.text
        pid = r.json()["proposal"]["id"]
        if i % 3 == 0:
            await ack(client, actors, pid, "approve")
            url = f"/api/v1/proposals/{pid}/publish"
            assert (await client.post(url, headers=actors.producer_write)).status_code == 200
            made[pid] = "published"
        elif i % 3 == 1:
            await ack(client, actors, pid, "block")
            made[pid] = "blocked"
        else:
            made[pid] = "open"
    return made


async def _list(client: httpx.AsyncClient, actors: Actors, limit: int) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/proposals", params={"limit": limit}, headers=actors.admin)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_list_statements_do_not_grow_with_rows(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors
) -> None:
    await _proposals(client, actors)
    await _list(client, actors, 1)  # the caller's key is verified (and cached) here
    with statements_run(app) as few:
        assert len(await _list(client, actors, 3)) == 3
    with statements_run(app) as many:
        assert len(await _list(client, actors, ROWS)) == ROWS
    assert len(many) == len(few), "\n".join(many)


async def test_list_shows_what_each_proposal_shows(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    made = await _proposals(client, actors)
    listed = await _list(client, actors, ROWS)
    assert {p["id"]: p["status"] for p in listed} == made
    for item in listed:
        one = await client.get(f"/api/v1/proposals/{item['id']}", headers=actors.admin)
        assert item == one.json()
        assert item["base_version"] == "1.0.0"
        assert item["published_version"] == ("2.0.0" if item["status"] == "published" else None)
        [awaited] = item["awaiting"]
        assert awaited["team_id"] == actors.consumer_team
        decision = {"published": "approve", "blocked": "block"}.get(item["status"])
        assert awaited["decision"] == decision
