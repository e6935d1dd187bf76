"""Transitive closures: shortest distances, cycles, depth bounds, paging, directions."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import register
from tests.lineage.helpers import assets, chain


async def _lineage(
    client: httpx.AsyncClient, actors: Actors, asset_id: str, **params: Any
) -> dict[str, Any]:
    r = await client.get(
        f"/api/v1/assets/{asset_id}/lineage", params=params, headers=actors.producer_read
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _distances(body: dict[str, Any], ids: dict[str, str]) -> dict[str, int]:
    names = {v: k for k, v in ids.items()}
    return {names[i["asset_id"]]: i["distance"] for i in body["items"]}


async def test_cycle_terminates_with_shortest_distances(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ids = await assets(client, actors, "a", "b", "c", "d", "e")
    # a -> b -> c -> a (cycle), a -> c (shortcut), c -> d -> e, e -> b (second cycle)
    await chain(client, actors, ids, "a>b", "b>c", "c>a", "a>c", "c>d", "d>e", "e>b")
    body = await _lineage(client, actors, ids["a"], depth=50)
    assert _distances(body, ids) == {"b": 1, "c": 1, "d": 2, "e": 3}
    assert body["total"] == 4
    up = await _lineage(client, actors, ids["a"], direction="upstream", depth=50)
    assert _distances(up, ids) == {"c": 1, "b": 2, "e": 3, "d": 4}


async def test_depth_bounds_the_walk(client: httpx.AsyncClient, actors: Actors) -> None:
    ids = await assets(client, actors, "a", "b", "c", "d")
    await chain(client, actors, ids, "a>b", "b>c", "c>d")
    assert _distances(await _lineage(client, actors, ids["a"], depth=2), ids) == {"b": 1, "c": 2}
    assert _distances(await _lineage(client, actors, ids["a"]), ids) == {"b": 1, "c": 2, "d": 3}
    assert (await _lineage(client, actors, ids["d"]))["items"] == []


async def test_pages_cover_every_asset_once(client: httpx.AsyncClient, actors: Actors) -> None:
    names = ["root"] + [f"n{i}" for i in range(7)]
    ids = await assets(client, actors, *names)
    await chain(client, actors, ids, *(f"root>n{i}" for i in range(4)))
    await chain(client, actors, ids, "n0>n4", "n1>n5", "n5>n6", "n6>n0")
    seen: list[tuple[int, str]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "depth": 10}
        if cursor:
            params["cursor"] = cursor
        body = await _lineage(client, actors, ids["root"], **params)
        assert body["total"] == 7
        seen += [(i["distance"], i["asset_id"]) for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len({s[1] for s in seen}) == len(seen) == 7


async def test_owner_and_registrations_reported(client: httpx.AsyncClient, actors: Actors) -> None:
    ids = await assets(client, actors, "src", "mart")
    await chain(client, actors, ids, "src>mart")
    assert (await register(client, actors, ids["mart"], fields=["id"])).status_code == 201
    item = (await _lineage(client, actors, ids["src"]))["items"][0]
    assert item["owner_team"] == {"id": actors.producer_team, "name": "orders-producer"}
    [reg] = item["registrations"]
    assert reg["team"] == {"id": actors.consumer_team, "name": "analytics"}
    assert reg["fields"] == ["id"]
    assert item["fqn"] == "wh.mart"


async def test_deleted_assets_are_hidden_but_paths_through_them_count(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ids = await assets(client, actors, "a", "b", "c")
    await chain(client, actors, ids, "a>b", "b>c")
    r = await client.delete(f"/api/v1/assets/{ids['b']}", headers=actors.producer_write)
    assert r.status_code == 204
    assert _distances(await _lineage(client, actors, ids["a"]), ids) == {"c": 2}


async def test_bad_cursor_is_422(client: httpx.AsyncClient, actors: Actors) -> None:
    ids = await assets(client, actors, "a")
    for cursor in ("WzEsMl0", "WyJ4IiwgIm5vdC1hLXV1aWQiXQ", "!!"):
        r = await client.get(
            f"/api/v1/assets/{ids['a']}/lineage",
            params={"cursor": cursor},
            headers=actors.producer_read,
        )
        assert r.status_code == 422, r.text
