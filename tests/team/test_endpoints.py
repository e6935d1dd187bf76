from __future__ import annotations

import httpx

from tests.conftest import Actors


async def test_create_list_get_update_delete(client: httpx.AsyncClient, actors: Actors) -> None:
    r = await client.post(
        "/api/v1/teams", json={"name": "finance", "description": "money"}, headers=actors.admin
    )
    assert r.status_code == 201
    team = r.json()
    assert team["name"] == "finance"

    r = await client.get("/api/v1/teams", headers=actors.producer_read)
    names = [t["name"] for t in r.json()["items"]]
    assert names == ["orders-producer", "analytics", "finance"]

    r = await client.patch(
        f"/api/v1/teams/{team['id']}", json={"description": "m"}, headers=actors.admin
    )
    assert r.status_code == 200
    assert r.json()["description"] == "m"

    r = await client.delete(f"/api/v1/teams/{team['id']}", headers=actors.admin)
    assert r.status_code == 204
    r = await client.get(f"/api/v1/teams/{team['id']}", headers=actors.admin)
    assert r.status_code == 404
    # The name is free again once the team is deleted.
    r = await client.post("/api/v1/teams", json={"name": "finance"}, headers=actors.admin)
    assert r.status_code == 201


async def test_duplicate_name_is_409(client: httpx.AsyncClient, actors: Actors) -> None:
    r = await client.post("/api/v1/teams", json={"name": "analytics"}, headers=actors.admin)
    assert r.status_code == 409
    assert r.json()["code"] == "team_name_taken"


async def test_pagination_is_stable(client: httpx.AsyncClient, actors: Actors) -> None:
    for i in range(5):
        await client.post("/api/v1/teams", json={"name": f"t{i}"}, headers=actors.admin)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/teams", params=params, headers=actors.admin)
        body = r.json()
        seen += [t["name"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["orders-producer", "analytics", "t0", "t1", "t2", "t3", "t4"]


async def test_team_key_edits_own_description_not_name(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    url = f"/api/v1/teams/{actors.producer_team}"
    r = await client.patch(
        url, json={"description": "we make orders"}, headers=actors.producer_write
    )
    assert r.status_code == 200
    r = await client.patch(url, json={"name": "renamed"}, headers=actors.producer_write)
    assert r.status_code == 403
    r = await client.patch(
        f"/api/v1/teams/{actors.consumer_team}",
        json={"description": "x"},
        headers=actors.producer_write,
    )
    assert r.status_code == 403


async def test_deleting_a_team_revokes_its_keys(client: httpx.AsyncClient, actors: Actors) -> None:
    assert (await client.get("/api/v1/me", headers=actors.producer_write)).status_code == 200
    r = await client.delete(f"/api/v1/teams/{actors.producer_team}", headers=actors.admin)
    assert r.status_code == 204
    r = await client.get("/api/v1/me", headers=actors.producer_write)
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_api_key"
    audit = await client.get(
        "/api/v1/audit-events", params={"action": "api_key.revoked"}, headers=actors.admin
    )
    assert len(audit.json()["items"]) == 2
