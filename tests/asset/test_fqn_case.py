"""Issue 17 item 4: an FQN names one asset per workspace and environment regardless of
case (`Warehouse.Sales.Orders` is `warehouse.sales.orders`)."""

from __future__ import annotations

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset, publish


async def _create(
    client: httpx.AsyncClient, actors: Actors, fqn: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/assets",
        json={"fqn": fqn, "owner_team_id": actors.producer_team, **extra},
        headers=actors.producer_write,
    )


async def test_an_fqn_differing_only_by_case_is_409_naming_the_existing_one(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await make_asset(client, actors, "Warehouse.Sales.Orders")
    r = await _create(client, actors, "warehouse.sales.orders")
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "asset_exists"
    assert "Warehouse.Sales.Orders" in r.json()["detail"]
    assert r.json()["existing_fqn"] == "Warehouse.Sales.Orders"
    # Another environment is another asset.
    assert (
        await _create(client, actors, "warehouse.sales.orders", environment="dev")
    ).status_code == 201
    listed = await client.get(
        "/api/v1/assets", params={"environment": "prod"}, headers=actors.admin
    )
    assert [a["fqn"] for a in listed.json()["items"]] == ["Warehouse.Sales.Orders"]


async def test_a_soft_deleted_asset_does_not_hold_its_name_in_any_case(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    old = await make_asset(client, actors, "Warehouse.Sales.Orders")
    r = await client.delete(f"/api/v1/assets/{old}", headers=actors.producer_write)
    assert r.status_code == 204, r.text
    new = await _create(client, actors, "warehouse.sales.orders")
    assert new.status_code == 201, new.text
    # Restoring the old one now would give two live assets of one name: 409 naming it.
    r = await client.post(f"/api/v1/assets/{old}/restore", headers=actors.admin)
    assert r.status_code == 409, r.text
    assert "warehouse.sales.orders" in r.json()["detail"]


async def test_look_ups_by_fqn_ignore_case(client: httpx.AsyncClient, actors: Actors) -> None:
    country = await make_asset(client, actors, "Common.Country")
    r = await publish(client, actors.producer_write, country, {"type": "string"})
    assert r.status_code == 201, r.text
    orders = await make_asset(client, actors, "sales.orders")
    uri = "https://schemas.example.com/country.json"
    schema = {"type": "object", "properties": {"country": {"$ref": uri}}}
    refs = [{"name": uri, "asset": "common.country", "version": "1.0.0"}]
    r = await publish(client, actors.producer_write, orders, schema, references=refs)
    assert r.status_code == 201, r.text
    assert r.json()["version"]["references"][0]["fqn"] == "Common.Country"
