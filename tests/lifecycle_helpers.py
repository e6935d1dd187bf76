"""Shared helpers for lifecycle tests: schemas and thin request wrappers."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actors

ORDERS_V1: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "status": {"type": "string", "enum": ["placed", "shipped"]},
    },
    "required": ["id", "email"],
}


def with_props(base: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {**base, "properties": {**base["properties"], **props}}


def without(base: dict[str, Any], name: str) -> dict[str, Any]:
    props = {k: v for k, v in base["properties"].items() if k != name}
    return {**base, "properties": props, "required": [r for r in base["required"] if r != name]}


async def make_asset(
    client: httpx.AsyncClient, actors: Actors, fqn: str = "warehouse.sales.orders", **extra: Any
) -> str:
    r = await client.post(
        "/api/v1/assets",
        json={"fqn": fqn, "owner_team_id": actors.producer_team, **extra},
        headers=actors.producer_write,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def publish(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    asset_id: str,
    schema: dict[str, Any],
    **extra: Any,
) -> httpx.Response:
    body = {"schema": schema, "format": extra.pop("format", "jsonschema"), **extra}
    return await client.post(f"/api/v1/assets/{asset_id}/versions", json=body, headers=headers)


async def register(
    client: httpx.AsyncClient, actors: Actors, asset_id: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/registrations",
        json={"asset_id": asset_id, "team_id": actors.consumer_team, **extra},
        headers=actors.consumer_write,
    )


async def ack(
    client: httpx.AsyncClient, actors: Actors, proposal_id: str, decision: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/proposals/{proposal_id}/acknowledgments",
        json={"team_id": actors.consumer_team, "decision": decision, "comment": decision},
        headers=actors.consumer_write,
    )
