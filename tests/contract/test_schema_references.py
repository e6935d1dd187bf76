"""Issue 16: a version may reference other registered schemas by asset and version; the
engine resolves `$ref`s through them, and changes in a referenced schema are judged where
they are used. Through HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset, publish, register

ADDRESS_URI = "https://schemas.example.com/address.json"
COUNTRY_URI = "https://schemas.example.com/country.json"
COUNTRY: dict[str, Any] = {"type": "string", "minLength": 2}
ADDRESS: dict[str, Any] = {
    "type": "object",
    "properties": {"street": {"type": "string"}, "country": {"$ref": COUNTRY_URI}},
    "required": ["street"],
}
ORDER: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "ship_to": {"$ref": ADDRESS_URI}},
    "required": ["id"],
}


def _ref(name: str, asset: str, version: str) -> dict[str, str]:
    return {"name": name, "asset": asset, "version": version}


async def _shared(client: httpx.AsyncClient, actors: Actors) -> None:
    """common.country 1.0.0; common.address 1.0.0 (street: string) and 1.1.0 (street: at
    most 8 characters), both referencing the country."""
    country = await make_asset(client, actors, "common.country")
    r = await publish(client, actors.producer_write, country, COUNTRY)
    assert r.status_code == 201, r.text
    address = await make_asset(client, actors, "common.address")
    country_ref = [_ref(COUNTRY_URI, "common.country", "1.0.0")]
    r = await publish(client, actors.producer_write, address, ADDRESS, references=country_ref)
    assert r.status_code == 201, r.text
    narrower = {**ADDRESS, "properties": {**ADDRESS["properties"], "street": {
        "type": "string", "maxLength": 8}}}  # fmt: skip
    r = await publish(client, actors.producer_write, address, narrower, references=country_ref)
    assert r.status_code == 201, r.text  # narrower: compatible under `forward`
    assert r.json()["version"]["version"] == "1.1.0"


async def test_a_version_resolves_remote_refs_through_registered_schemas(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await _shared(client, actors)
    orders = await make_asset(client, actors, "sales.orders", compatibility="full")
    refs = [_ref(ADDRESS_URI, "common.address", "1.0.0")]
    r = await publish(client, actors.producer_write, orders, ORDER, references=refs)
    assert r.status_code == 201, r.text
    stored = r.json()["version"]["references"]
    assert [(s["name"], s["fqn"], s["version"]) for s in stored] == [
        (ADDRESS_URI, "common.address", "1.0.0")
    ]
    again = await publish(client, actors.producer_write, orders, ORDER, references=refs)
    assert again.json()["outcome"] == "unchanged"

    # the same schema text on address 1.1.0: the street may no longer be long
    await register(client, actors, orders)
    bumped = [_ref(ADDRESS_URI, "common.address", "1.1.0")]
    r = await publish(client, actors.producer_write, orders, ORDER, references=bumped)
    assert r.status_code == 202, r.text
    proposal = r.json()["proposal"]
    assert proposal["references"][0]["version"] == "1.1.0"
    [witness] = proposal["witnesses"]
    assert witness["path"] == "/ship_to/street"
    assert witness["valid_under"] == "old"
    assert len(witness["document"]["ship_to"]["street"]) > 8

    pid = proposal["id"]
    r = await client.post(
        f"/api/v1/proposals/{pid}/acknowledgments",
        json={"team_id": actors.consumer_team, "decision": "approve", "comment": "ok"},
        headers=actors.consumer_write,
    )
    assert r.status_code in (200, 201), r.text
    r = await client.post(f"/api/v1/proposals/{pid}/publish", headers=actors.producer_write)
    assert r.status_code == 200, r.text
    version = await client.get(
        f"/api/v1/assets/{orders}/versions/2.0.0", headers=actors.producer_read
    )
    assert version.json()["references"][0]["version"] == "1.1.0"
    diff = await client.get(
        f"/api/v1/assets/{orders}/diff",
        params={"from": "1.0.0", "to": "2.0.0"},
        headers=actors.producer_read,
    )
    assert diff.status_code == 200, diff.text
    assert diff.json()["verdicts"]["backward"]["outcome"] == "incompatible"


async def test_an_unnamed_remote_ref_is_refused_with_how_to_name_it(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    orders = await make_asset(client, actors, "sales.orders_bare")
    r = await publish(client, actors.producer_write, orders, ORDER)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_schema"
    assert ADDRESS_URI in r.json()["detail"]
    assert "references" in r.json()["detail"]


async def test_references_must_name_a_json_schema_version_the_caller_can_see(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    await _shared(client, actors)
    orders = await make_asset(client, actors, "sales.orders_bad")
    table = await make_asset(client, actors, "common.table")
    table_schema = {"columns": [{"name": "id", "type": "int64"}]}
    r = await publish(client, actors.producer_write, table, table_schema, format="table")
    assert r.status_code == 201, r.text
    cases = {
        "no asset": [_ref(ADDRESS_URI, "common.nowhere", "1.0.0")],
        "no version": [_ref(ADDRESS_URI, "common.address", "9.0.0")],
        "table": [_ref(ADDRESS_URI, "common.table", "1.0.0")],
        "twice": [_ref(ADDRESS_URI, "common.address", "1.0.0")] * 2,
        "clash": [
            _ref(ADDRESS_URI, "common.address", "1.0.0"),
            _ref(COUNTRY_URI, "common.address", "1.1.0"),  # the country's name, wrongly
        ],
    }
    for case, refs in cases.items():
        r = await publish(client, actors.producer_write, orders, ORDER, references=refs)
        assert r.status_code == 422, (case, r.text)
        assert r.json()["code"] == "invalid_reference", (case, r.text)
    r = await publish(
        client, actors.producer_write, table, table_schema, format="table",
        references=[_ref(ADDRESS_URI, "common.address", "1.0.0")],
    )  # fmt: skip
    assert r.status_code == 422
