"""Issue 14, hole 3: registrations and guarantees naming fields the schema lacks.

Reported: `--fields order_idd,totl_amount` and a guarantee on a missing column were
accepted; then dropping the real `order_id` said "no registered consumer is affected".
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset, publish, register

TABLE: dict[str, Any] = {
    "name": "orders",
    "columns": [
        {"name": "order_id", "type": "bigint", "nullable": False},
        {"name": "total_amount", "type": "decimal(12,2)"},
        {"name": "shipping", "type": "struct<city: string, zip: string>"},
        {"name": "attributes", "type": "json"},
    ],
}
NESTED: dict[str, Any] = {
    "type": "object",
    "$defs": {"address": {"type": "object", "properties": {"zip": {"type": "string"}}}},
    "properties": {
        "id": {"type": "integer"},
        "customer": {
            "type": "object",
            "properties": {"email": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
        },
        "lines": {"type": "array", "items": {"properties": {"sku": {"type": "string"}}}},
        "extra": {"type": "object"},
    },
}


async def _table_asset(client: httpx.AsyncClient, actors: Actors) -> str:
    asset = await make_asset(client, actors)
    r = await publish(client, actors.producer_write, asset, TABLE, format="table")
    assert r.status_code == 201, r.text
    return asset


async def test_registration_with_misspelt_fields_is_refused_with_hints(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await _table_asset(client, actors)
    r = await register(client, actors, asset, fields=["order_idd", "totl_amount", "order_id"])
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "unknown_fields"
    assert body["unknown_fields"] == [
        {"name": "order_idd", "did_you_mean": "order_id"},
        {"name": "totl_amount", "did_you_mean": "total_amount"},
    ]
    assert "order_idd (did you mean order_id?)" in body["detail"]
    listed = await client.get(
        "/api/v1/registrations", params={"asset_id": asset}, headers=actors.admin
    )
    assert listed.json()["items"] == []  # nothing stored


async def test_dropping_a_registered_column_then_waits_on_the_consumer(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """The reported consequence: with the typo refused and the real name registered,
    dropping `order_id` is a proposal that waits on the consumer."""
    asset = await _table_asset(client, actors)
    assert (await register(client, actors, asset, fields=["order_id"])).status_code == 201
    dropped = {**TABLE, "columns": TABLE["columns"][1:]}
    r = await publish(client, actors.producer_write, asset, dropped, format="table")
    assert r.status_code == 202, r.text
    assert [a["team_id"] for a in r.json()["proposal"]["awaiting"]] == [actors.consumer_team]


async def test_nested_struct_and_json_fields_are_known(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await _table_asset(client, actors)
    r = await register(client, actors, asset, fields=["shipping.zip", "attributes.anything.deep"])
    assert r.status_code == 201, r.text


async def test_json_schema_paths_through_refs_items_and_open_objects(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, NESTED)).status_code == 201
    bad = await register(client, actors, asset, fields=["customer.emial", "lines.skus"])
    assert bad.status_code == 422
    assert [u["did_you_mean"] for u in bad.json()["unknown_fields"]] == [
        "customer.email",
        "lines.sku",
    ]
    ok = await register(
        client,
        actors,
        asset,
        fields=["id", "customer.email", "customer.address.zip", "lines.sku", "extra.free"],
    )
    assert ok.status_code == 201, ok.text


async def test_guarantee_on_a_missing_column_is_refused(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    guarantees = {
        "columns": {"order_id": {"not_null": True}, "totl_amount": {"min": 0}},
        "unique_together": [["order_id", "shiping"]],
        "freshness": {"column": "updated_att", "max_age_seconds": 60},
    }
    r = await publish(
        client, actors.producer_write, asset, TABLE, format="table", guarantees=guarantees
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "unknown_fields"
    assert [u["name"] for u in body["unknown_fields"]] == ["totl_amount", "shiping", "updated_att"]
    assert body["unknown_fields"][0]["did_you_mean"] == "total_amount"
    assert body["unknown_fields"][1]["did_you_mean"] == "shipping"
    versions = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.admin)
    assert versions.json()["items"] == []
    # The same check runs in the dry run.
    impact = await client.post(
        f"/api/v1/assets/{asset}/impact",
        json={"schema": TABLE, "format": "table", "guarantees": guarantees},
        headers=actors.producer_read,
    )
    assert impact.status_code == 422
    assert impact.json()["code"] == "unknown_fields"


async def test_registration_before_the_first_version_is_not_checked(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """Nothing to check against yet: the names stand until the first publish."""
    asset = await make_asset(client, actors)
    assert (await register(client, actors, asset, fields=["order_id"])).status_code == 201
