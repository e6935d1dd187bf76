"""Acceptance 1 of issue 4: the whole producer/consumer workflow over HTTP."""

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


async def test_end_to_end_workflow(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)

    r = await publish(client, actors.producer_write, asset, ORDERS_V1, version="1.0.0")
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "published"
    assert r.json()["version"]["version"] == "1.0.0"

    reg = await register(client, actors, asset)
    assert reg.status_code == 201, reg.text
    reg_id = reg.json()["id"]

    compatible = with_props(ORDERS_V1, note={"type": "string"})
    r = await publish(client, actors.producer_write, asset, compatible)
    assert r.status_code == 201, r.text
    assert r.json()["version"]["version"] == "1.1.0"
    regs = await client.get(
        "/api/v1/registrations", params={"asset_id": asset}, headers=actors.admin
    )
    assert [x["id"] for x in regs.json()["items"]] == [reg_id], "registration survives"

    breaking = without(compatible, "email")
    r = await publish(client, actors.producer_write, asset, breaking)
    assert r.status_code == 202, r.text
    proposal = r.json()["proposal"]
    assert proposal["status"] == "open"
    assert proposal["base_version"] == "1.1.0"
    assert [a["team_id"] for a in proposal["awaiting"]] == [actors.consumer_team]
    assert any("email" in c["path"] for c in proposal["breaking_changes"])
    assert proposal["witnesses"], "every incompatibility carries a witness"
    pid = proposal["id"]

    r = await ack(client, actors, pid, "block")
    assert r.json()["status"] == "blocked"
    r = await client.post(f"/api/v1/proposals/{pid}/publish", headers=actors.producer_write)
    assert r.status_code == 409
    assert r.json()["code"] == "proposal_not_approved"

    r = await ack(client, actors, pid, "approve")
    assert r.json()["status"] == "approved"

    r = await client.post(f"/api/v1/proposals/{pid}/publish", headers=actors.producer_write)
    assert r.status_code == 200, r.text
    assert r.json()["version"]["version"] == "2.0.0"
    assert r.json()["proposal"]["status"] == "published"
    assert r.json()["proposal"]["published_version"] == "2.0.0"

    versions = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.consumer_write)
    assert [v["version"] for v in versions.json()["items"]] == ["1.0.0", "1.1.0", "2.0.0"]

    verify = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verify.json()["ok"] is True
    events = await client.get("/api/v1/audit-events", params={"limit": 100}, headers=actors.admin)
    actions = [e["action"] for e in reversed(events.json()["items"])]
    expected = [
        "asset.created",
        "version.published",
        "registration.created",
        "version.published",
        "proposal.opened",
        "proposal.acknowledged",
        "proposal.blocked",
        "proposal.acknowledged",
        "proposal.approved",
        "version.published",
        "proposal.published",
    ]
    tail = actions[-len(expected) :]
    assert tail == expected, actions


async def test_get_version_and_diff(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await publish(client, actors.producer_write, asset, with_props(ORDERS_V1, n={"type": "number"}))
    one = await client.get(f"/api/v1/assets/{asset}/versions/1.0.0", headers=actors.producer_read)
    assert one.status_code == 200
    assert one.json()["schema"] == ORDERS_V1
    missing = await client.get(
        f"/api/v1/assets/{asset}/versions/9.9.9", headers=actors.producer_read
    )
    assert missing.status_code == 404
    diff = await client.get(
        f"/api/v1/assets/{asset}/diff",
        params={"from": "1.0.0", "to": "1.1.0"},
        headers=actors.producer_read,
    )
    assert diff.status_code == 200, diff.text
    body = diff.json()
    assert body["compatible"] is True
    assert any(c["path"].endswith("/n") for c in body["changes"])
    back = await client.get(
        f"/api/v1/assets/{asset}/diff",
        params={"from": "1.1.0", "to": "1.0.0"},
        headers=actors.producer_read,
    )
    # Lenient content model: dropping an optional field is safe both ways.
    assert back.json()["compatible"] is True
    assert back.json()["verdicts"]["forward"]["outcome"] == "compatible"
