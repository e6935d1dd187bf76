from __future__ import annotations

import httpx
import pytest

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset


async def test_create_get_list_filters(client: httpx.AsyncClient, actors: Actors) -> None:
    a = await make_asset(
        client, actors, "warehouse.sales.orders", description="All orders", tags=["pii", "core"]
    )
    b = await make_asset(client, actors, "warehouse.sales.orders", environment="dev", kind="model")
    c = await make_asset(client, actors, "lake.events.clicks", kind="topic")
    got = (await client.get(f"/api/v1/assets/{a}", headers=actors.consumer_write)).json()
    assert got["compatibility"] == "forward"
    assert got["content_model"] == "lenient"
    assert got["environment"] == "prod"
    assert got["tags"] == ["core", "pii"]

    async def ids(**params: str) -> list[str]:
        r = await client.get("/api/v1/assets", params=params, headers=actors.producer_read)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert await ids() == [a, b, c]
    assert await ids(q="ORDERS") == [a, b]
    assert await ids(q="all ord") == [a]
    assert await ids(q="%") == []
    assert await ids(environment="dev") == [b]
    assert await ids(kind="topic") == [c]
    assert await ids(tag="pii") == [a]
    assert await ids(owner_team_id=actors.producer_team) == [a, b, c]
    assert await ids(owner_team_id=actors.consumer_team) == []
    first = await client.get("/api/v1/assets", params={"limit": 2}, headers=actors.admin)
    rest = await client.get(
        "/api/v1/assets", params={"cursor": first.json()["next_cursor"]}, headers=actors.admin
    )
    assert [x["id"] for x in first.json()["items"] + rest.json()["items"]] == [a, b, c]


async def test_same_fqn_same_environment_is_409(client: httpx.AsyncClient, actors: Actors) -> None:
    await make_asset(client, actors)
    r = await client.post(
        "/api/v1/assets",
        json={"fqn": "warehouse.sales.orders", "owner_team_id": actors.producer_team},
        headers=actors.producer_write,
    )
    assert r.status_code == 409
    assert r.json()["code"] == "asset_exists"


@pytest.mark.parametrize(
    ("old", "new", "loosens"),
    [
        ("forward", "backward", True),
        ("forward", "none", True),
        ("forward", "full", False),
        ("full", "forward", True),
        ("forward", "forward_transitive", False),
        ("full_transitive", "full", True),
    ],
)
async def test_loosening_policy_needs_admin(
    client: httpx.AsyncClient, actors: Actors, old: str, new: str, loosens: bool
) -> None:
    asset = await make_asset(client, actors, compatibility=old)
    url = f"/api/v1/assets/{asset}"
    r = await client.patch(url, json={"compatibility": new}, headers=actors.producer_write)
    assert r.status_code == (403 if loosens else 200), r.text
    if loosens:
        assert r.json()["code"] == "policy_loosening_requires_admin"
        r = await client.patch(url, json={"compatibility": new}, headers=actors.admin)
        assert r.status_code == 200
        events = await client.get(
            "/api/v1/audit-events",
            params={"action": "asset.policy_loosened", "entity_id": asset},
            headers=actors.admin,
        )
        item = events.json()["items"][0]
        assert item["before"]["compatibility"] == old
        assert item["after"]["compatibility"] == new


async def test_content_model_strict_to_lenient_needs_admin(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors, content_model="strict")
    url = f"/api/v1/assets/{asset}"
    r = await client.patch(url, json={"content_model": "lenient"}, headers=actors.producer_write)
    assert r.status_code == 403
    r = await client.patch(url, json={"content_model": "lenient"}, headers=actors.admin)
    assert r.status_code == 200


async def test_owner_transfer_needs_admin(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    url = f"/api/v1/assets/{asset}"
    body = {"owner_team_id": actors.consumer_team}
    assert (await client.patch(url, json=body, headers=actors.producer_write)).status_code == 403
    r = await client.patch(url, json=body, headers=actors.admin)
    assert r.json()["owner_team_id"] == actors.consumer_team


async def test_soft_delete_and_restore(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    url = f"/api/v1/assets/{asset}"
    assert (await client.delete(url, headers=actors.producer_write)).status_code == 204
    assert (await client.get(url, headers=actors.admin)).status_code == 404
    assert (await client.get(f"{url}/versions", headers=actors.admin)).status_code == 404
    again = await make_asset(client, actors)
    conflict = await client.post(f"{url}/restore", headers=actors.admin)
    assert conflict.status_code == 409
    await client.delete(f"/api/v1/assets/{again}", headers=actors.admin)
    restored = await client.post(f"{url}/restore", headers=actors.admin)
    assert restored.status_code == 200
    assert (await client.get(url, headers=actors.admin)).status_code == 200


async def test_metadata_is_size_limited(client: httpx.AsyncClient, actors: Actors) -> None:
    r = await client.post(
        "/api/v1/assets",
        json={
            "fqn": "a.b",
            "owner_team_id": actors.producer_team,
            "metadata": {"blob": "x" * 20_000},
        },
        headers=actors.producer_write,
    )
    assert r.status_code == 422
