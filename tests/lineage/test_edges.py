"""Lineage edges: rules, permissions, workspace isolation, audit."""

from __future__ import annotations

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset
from tests.lineage.helpers import EDGES, assets, link


async def test_create_list_delete_is_audited(client: httpx.AsyncClient, actors: Actors) -> None:
    ids = await assets(client, actors, "a", "b")
    r = await link(client, actors, ids["a"], ids["b"], kind="reads")
    assert r.status_code == 201, r.text
    edge = r.json()
    assert (edge["kind"], edge["source"]) == ("reads", "api")
    listed = await client.get(EDGES, params={"asset_id": ids["b"]}, headers=actors.producer_read)
    assert [e["id"] for e in listed.json()["items"]] == [edge["id"]]
    r = await client.delete(f"{EDGES}/{edge['id']}", headers=actors.producer_write)
    assert r.status_code == 204
    events = (
        await client.get(
            "/api/v1/audit-events", params={"entity_type": "lineage_edge"}, headers=actors.admin
        )
    ).json()["items"]
    assert sorted(e["action"] for e in events) == ["lineage_edge.created", "lineage_edge.deleted"]
    r = await client.delete(f"{EDGES}/{edge['id']}", headers=actors.producer_write)
    assert r.status_code == 404


async def test_rules(client: httpx.AsyncClient, actors: Actors) -> None:
    ids = await assets(client, actors, "a", "b")
    assert (await link(client, actors, ids["a"], ids["b"])).status_code == 201
    dup = await link(client, actors, ids["a"], ids["b"])
    assert (dup.status_code, dup.json()["code"]) == (409, "lineage_edge_exists")
    assert (await link(client, actors, ids["a"], ids["b"], kind="reads")).status_code == 201
    self_edge = await link(client, actors, ids["a"], ids["a"])
    assert (self_edge.status_code, self_edge.json()["code"]) == (422, "lineage_self_edge")
    bad_kind = await link(client, actors, ids["a"], ids["b"], kind="Has Space")
    assert bad_kind.status_code == 422


async def test_only_the_downstream_owner_declares(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ours = await make_asset(client, actors, "wh.ours")
    r = await client.post(
        "/api/v1/assets",
        json={"fqn": "wh.theirs", "owner_team_id": actors.consumer_team},
        headers=actors.consumer_write,
    )
    theirs = r.json()["id"]
    # The consumer team may say its asset reads ours ...
    r = await client.post(
        EDGES,
        json={"upstream_asset_id": ours, "downstream_asset_id": theirs},
        headers=actors.consumer_write,
    )
    assert r.status_code == 201
    # ... but not that ours reads theirs, nor delete edges into ours.
    r = await client.post(
        EDGES,
        json={"upstream_asset_id": theirs, "downstream_asset_id": ours},
        headers=actors.consumer_write,
    )
    assert r.status_code == 403
    mine = await link(client, actors, theirs, ours)
    r = await client.delete(f"{EDGES}/{mine.json()['id']}", headers=actors.consumer_write)
    assert r.status_code == 403


async def test_other_workspaces_see_nothing(client: httpx.AsyncClient, actors: Actors) -> None:
    ids = await assets(client, actors, "a", "b")
    edge = (await link(client, actors, ids["a"], ids["b"])).json()
    foreign = await make_asset(client, actors, "wh.c")
    stranger = actors.other_admin
    assert (await client.get(EDGES, headers=stranger)).json()["items"] == []
    assert (await client.delete(f"{EDGES}/{edge['id']}", headers=stranger)).status_code == 404
    r = await client.get(f"/api/v1/assets/{ids['a']}/lineage", headers=stranger)
    assert r.status_code == 404
    r = await client.post(
        EDGES, json={"upstream_asset_id": ids["a"], "downstream_asset_id": foreign},
        headers=stranger,
    )  # fmt: skip
    assert r.status_code == 404


async def test_impact_lists_every_downstream_asset(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    ids = await assets(client, actors, "src", "mid", "leaf", "far")
    for up, down in (("src", "mid"), ("mid", "leaf"), ("leaf", "far"), ("far", "mid")):
        assert (await link(client, actors, ids[up], ids[down])).status_code == 201
    r = await client.post(
        "/api/v1/registrations",
        json={"asset_id": ids["leaf"], "team_id": actors.consumer_team},
        headers=actors.consumer_write,
    )
    assert r.status_code == 201
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    body = {"schema": schema, "format": "jsonschema"}
    url = f"/api/v1/assets/{ids['src']}/impact"
    impact = (await client.post(url, json=body, headers=actors.producer_read)).json()
    downstream = impact["downstream"]
    assert {a["fqn"]: a["distance"] for a in downstream["assets"]} == {
        "wh.mid": 1, "wh.leaf": 2, "wh.far": 3,
    }  # fmt: skip
    assert downstream["total"] == 3
    assert not downstream["truncated"]
    assert sorted(downstream["notify_team_ids"]) == sorted(
        [actors.producer_team, actors.consumer_team]
    )
    shallow = (
        await client.post(url, json=body, params={"depth": 1}, headers=actors.producer_read)
    ).json()
    assert [a["fqn"] for a in shallow["downstream"]["assets"]] == ["wh.mid"]
    r = await client.post(url, json=body, params={"depth": 51}, headers=actors.producer_read)
    assert r.status_code == 422
