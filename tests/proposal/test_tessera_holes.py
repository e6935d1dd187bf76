"""Each hole reproduced on Tessera 0.2.0, as a named test of Accord's behaviour."""

from __future__ import annotations

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import (
    ORDERS_V1,
    ack,
    make_asset,
    publish,
    register,
    with_props,
    without,
)

BREAKING = without(ORDERS_V1, "email")


async def _versions(client: httpx.AsyncClient, actors: Actors, asset: str) -> list[str]:
    r = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.admin)
    return [v["version"] for v in r.json()["items"]]


async def test_request_cannot_override_policy_with_mode_none(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)
    for field in ("compatibility_mode", "compatibility", "mode"):
        r = await publish(client, actors.producer_write, asset, BREAKING, **{field: "none"})
        assert r.status_code == 422, r.text
    r = await client.post(
        f"/api/v1/assets/{asset}/versions",
        params={"compatibility_mode": "none"},
        json={"schema": BREAKING, "format": "jsonschema"},
        headers=actors.producer_write,
    )
    assert r.status_code == 202
    assert await _versions(client, actors, asset) == ["1.0.0"]


async def test_prerelease_then_release_cannot_bypass(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1, version="1.0.0")
    await register(client, actors, asset)
    rc = await publish(client, actors.producer_write, asset, BREAKING, version="2.0.0-rc.1")
    assert rc.status_code == 202
    release = await publish(client, actors.producer_write, asset, BREAKING, version="2.0.0")
    assert release.status_code == 409
    assert release.json()["code"] == "open_proposal_exists"
    replaced = await publish(
        client, actors.producer_write, asset, BREAKING, version="2.0.0", replace_open_proposal=True
    )
    assert replaced.status_code == 202
    assert await _versions(client, actors, asset) == ["1.0.0"]


async def test_prerelease_gets_no_free_pass_even_without_proposal_open(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1, version="1.0.0")
    await register(client, actors, asset)
    r = await publish(client, actors.producer_write, asset, BREAKING, version="1.1.0-rc.1")
    assert r.status_code == 409
    assert r.json()["code"] == "major_bump_required"


async def test_force_publish_needs_admin_and_reason(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)
    pid = (await publish(client, actors.producer_write, asset, BREAKING)).json()["proposal"]["id"]
    url = f"/api/v1/proposals/{pid}/force"
    by_producer = await client.post(
        url, json={"reason": "we must ship today"}, headers=actors.producer_write
    )
    assert by_producer.status_code == 403
    no_reason = await client.post(url, json={}, headers=actors.admin)
    assert no_reason.status_code == 422
    short = await client.post(url, json={"reason": "because"}, headers=actors.admin)
    assert short.status_code == 422
    forced = await client.post(
        url, json={"reason": "incident 42: upstream removed it"}, headers=actors.admin
    )
    assert forced.status_code == 200, forced.text
    assert forced.json()["proposal"]["status"] == "force_published"
    assert forced.json()["version"]["version"] == "2.0.0"
    events = await client.get(
        "/api/v1/audit-events", params={"action": "proposal.force_published"}, headers=actors.admin
    )
    after = events.json()["items"][0]["after"]
    assert after["reason"] == "incident 42: upstream removed it"
    assert after["notified_teams"] == [actors.consumer_team]


async def test_registration_survives_compatible_publish_and_consumer_can_ack(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)
    for i in range(3):
        r = await publish(
            client,
            actors.producer_write,
            asset,
            with_props(ORDERS_V1, **{f"f{i}": {"type": "string"}}),
        )
        assert r.status_code == 201
    proposal = (await publish(client, actors.producer_write, asset, BREAKING)).json()["proposal"]
    assert [a["team_id"] for a in proposal["awaiting"]] == [actors.consumer_team]
    assert (await ack(client, actors, proposal["id"], "approve")).json()["status"] == "approved"


async def test_migrating_is_not_approval(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)
    pid = (await publish(client, actors.producer_write, asset, BREAKING)).json()["proposal"]["id"]
    r = await ack(client, actors, pid, "migrating")
    assert r.json()["status"] == "open"
    assert r.json()["awaiting"][0]["decision"] == "migrating"
    pub = await client.post(f"/api/v1/proposals/{pid}/publish", headers=actors.producer_write)
    assert pub.status_code == 409


async def test_proposal_without_consumers_is_approved_at_once(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    r = await publish(client, actors.producer_write, asset, BREAKING)
    # Approved at once and published by the same request (issue 17; more in
    # tests/proposal/test_auto_approval.py).
    assert r.status_code == 201, r.text
    proposal = r.json()["proposal"]
    assert proposal["status"] == "published"
    assert proposal["awaiting"] == []
    assert r.json()["version"]["version"] == "2.0.0"


async def test_identical_schema_is_unchanged_not_bumped(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    first = await publish(client, actors.producer_write, asset, ORDERS_V1)
    again = await publish(client, actors.producer_write, asset, ORDERS_V1)
    assert again.status_code == 200
    assert again.json()["outcome"] == "unchanged"
    assert again.json()["version"]["id"] == first.json()["version"]["id"]
    reordered = dict(reversed(list(ORDERS_V1.items())))
    assert (await publish(client, actors.producer_write, asset, reordered)).status_code == 200
    assert await _versions(client, actors, asset) == ["1.0.0"]


async def test_version_banana_is_rejected(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    for bad in ("banana", "1.0", "v1.0.0", "01.0.0", "1.0.0+build.5", ""):
        r = await publish(client, actors.producer_write, asset, ORDERS_V1, version=bad)
        assert r.status_code == 422, (bad, r.text)  # bad input, not a conflict (issue 17)
        assert r.json()["code"] == "invalid_version"
    assert await _versions(client, actors, asset) == []


async def test_duplicate_registration_is_409(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    assert (await register(client, actors, asset)).status_code == 201
    dup = await register(client, actors, asset)
    assert dup.status_code == 409
    assert dup.json()["code"] == "registration_exists"
