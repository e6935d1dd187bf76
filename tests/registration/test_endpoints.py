from __future__ import annotations

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset, register


async def test_register_list_delete(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    r = await register(
        client, actors, asset, fields=["b", "a", "a"], version_range="^1.0.0", note="dashboards"
    )
    assert r.status_code == 201, r.text
    reg = r.json()
    assert reg["fields"] == ["a", "b"]
    listed = await client.get(
        "/api/v1/registrations", params={"team_id": actors.consumer_team}, headers=actors.admin
    )
    assert [x["id"] for x in listed.json()["items"]] == [reg["id"]]
    url = f"/api/v1/registrations/{reg['id']}"
    assert (await client.delete(url, headers=actors.producer_write)).status_code == 403
    assert (await client.delete(url, headers=actors.consumer_write)).status_code == 204
    assert (await client.delete(url, headers=actors.consumer_write)).status_code == 404
    assert (await register(client, actors, asset)).status_code == 201


async def test_team_registers_only_itself(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    r = await client.post(
        "/api/v1/registrations",
        json={"asset_id": asset, "team_id": actors.consumer_team},
        headers=actors.producer_write,
    )
    assert r.status_code == 403
    by_admin = await client.post(
        "/api/v1/registrations",
        json={"asset_id": asset, "team_id": actors.consumer_team},
        headers=actors.admin,
    )
    assert by_admin.status_code == 201


async def test_bad_version_range_is_422(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    for bad in ("^banana", "", ">=1.0", "1 2 3 4 5 6 7 8 9"):
        r = await register(client, actors, asset, version_range=bad)
        assert r.status_code == 422, bad
