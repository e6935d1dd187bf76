"""Issue 14, holes 2 and 4: a consumer's consent cannot be bypassed or reset.

Hole 2: the owner team blocked by its consumer deleted the asset, re-created the same FQN
with `compatibility: none` and published the breaking schema; the registration vanished and
the blocked proposal stayed open on the dead asset.
Hole 4: re-proposing identical content reset every answer (a block went back to pending).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, ack, make_asset, publish, register, without

BREAKING = without(ORDERS_V1, "email")


async def _blocked_asset(client: httpx.AsyncClient, actors: Actors) -> tuple[str, str, str]:
    """An asset whose consumer blocked a breaking proposal: (asset, registration, proposal)."""
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    reg = await register(client, actors, asset)
    assert reg.status_code == 201, reg.text
    opened = await publish(client, actors.producer_write, asset, BREAKING)
    assert opened.status_code == 202, opened.text
    proposal = opened.json()["proposal"]["id"]
    assert (await ack(client, actors, proposal, "block")).status_code == 200
    return asset, reg.json()["id"], proposal


async def test_owner_cannot_delete_an_asset_with_consumers_or_an_open_proposal(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset, reg, proposal = await _blocked_asset(client, actors)
    r = await client.delete(f"/api/v1/assets/{asset}", headers=actors.producer_write)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "asset_in_use"
    assert body["registration_ids"] == [reg]
    assert body["team_ids"] == [actors.consumer_team]
    assert body["proposal_ids"] == [proposal]
    assert reg in body["detail"]
    assert proposal in body["detail"]
    # Nothing changed: the asset, the registration and the blocked proposal stand.
    assert (await client.get(f"/api/v1/assets/{asset}", headers=actors.admin)).status_code == 200
    p = await client.get(f"/api/v1/proposals/{proposal}", headers=actors.admin)
    assert p.json()["status"] == "blocked"


async def test_delete_and_recreate_cannot_ship_a_blocked_change(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """The reported bypass, step by step: every step after the block is refused."""
    asset, _, _ = await _blocked_asset(client, actors)
    deleted = await client.delete(f"/api/v1/assets/{asset}", headers=actors.producer_write)
    assert deleted.status_code == 409
    again = await client.post(
        "/api/v1/assets",
        json={
            "fqn": "warehouse.sales.orders",
            "owner_team_id": actors.producer_team,
            "compatibility": "none",
        },
        headers=actors.producer_write,
    )
    assert again.status_code == 403  # looser than the workspace default: admin only
    assert again.json()["code"] == "policy_loosening_requires_admin"
    same_policy = await client.post(
        "/api/v1/assets",
        json={"fqn": "warehouse.sales.orders", "owner_team_id": actors.producer_team},
        headers=actors.producer_write,
    )
    assert same_policy.status_code == 409  # the live asset still holds the FQN
    assert same_policy.json()["code"] == "asset_exists"
    r = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.admin)
    assert [v["version"] for v in r.json()["items"]] == ["1.0.0"]


async def test_team_key_cannot_create_an_asset_looser_than_the_workspace_default(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    for policy in ("none", "backward", "backward_transitive"):
        r = await client.post(
            "/api/v1/assets",
            json={"fqn": f"w.s.{policy}", "owner_team_id": actors.producer_team,
                  "compatibility": policy},
            headers=actors.producer_write,
        )  # fmt: skip
        assert r.status_code == 403, (policy, r.text)
        assert r.json()["code"] == "policy_loosening_requires_admin"
    strict_default = await client.patch(
        "/api/v1/workspace", json={"default_content_model": "strict"}, headers=actors.admin
    )
    assert strict_default.status_code == 200, strict_default.text
    lenient = await client.post(
        "/api/v1/assets",
        json={"fqn": "w.s.lenient", "owner_team_id": actors.producer_team,
              "content_model": "lenient"},
        headers=actors.producer_write,
    )  # fmt: skip
    assert lenient.status_code == 403
    # As strict as the default, or stricter: fine for a team key.
    for policy in ("forward", "full", "full_transitive"):
        r = await client.post(
            "/api/v1/assets",
            json={"fqn": f"w.s.{policy}", "owner_team_id": actors.producer_team,
                  "compatibility": policy},
            headers=actors.producer_write,
        )  # fmt: skip
        assert r.status_code == 201, (policy, r.text)
        assert r.json()["content_model"] == "strict"  # the workspace default


async def test_admin_may_create_a_looser_asset_and_it_is_audited(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    r = await client.post(
        "/api/v1/assets",
        json={"fqn": "w.s.loose", "owner_team_id": actors.producer_team, "compatibility": "none"},
        headers=actors.admin,
    )
    assert r.status_code == 201, r.text
    audit = await client.get(
        "/api/v1/audit-events", params={"entity_id": r.json()["id"]}, headers=actors.admin
    )
    [event] = [e for e in audit.json()["items"] if e["action"] == "asset.created"]
    assert event["after"]["looser_than_workspace_default"] is True


async def test_workspace_defaults_apply_and_loosening_them_needs_admin(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    got = await client.get("/api/v1/workspace", headers=actors.producer_read)
    assert got.status_code == 200
    assert got.json()["default_compatibility"] == "forward"
    assert got.json()["default_content_model"] == "lenient"
    refused = await client.patch(
        "/api/v1/workspace", json={"default_compatibility": "full"}, headers=actors.producer_write
    )
    assert refused.status_code == 403
    changed = await client.patch(
        "/api/v1/workspace", json={"default_compatibility": "full"}, headers=actors.admin
    )
    assert changed.status_code == 200
    created = await client.post(
        "/api/v1/assets",
        json={"fqn": "w.s.defaulted", "owner_team_id": actors.producer_team},
        headers=actors.producer_write,
    )
    assert created.json()["compatibility"] == "full"
    forward = await client.post(
        "/api/v1/assets",
        json={"fqn": "w.s.fwd", "owner_team_id": actors.producer_team, "compatibility": "forward"},
        headers=actors.producer_write,
    )
    assert forward.status_code == 403  # forward drops the backward protection of `full`


async def test_admin_delete_needs_a_reason_and_closes_everything_it_touches(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    asset, reg, proposal = await _blocked_asset(client, actors)
    no_reason = await client.delete(f"/api/v1/assets/{asset}", headers=actors.admin)
    assert no_reason.status_code == 409
    assert no_reason.json()["code"] == "asset_in_use"
    blank = await client.delete(
        f"/api/v1/assets/{asset}", params={"reason": "  "}, headers=actors.admin
    )
    assert blank.status_code == 422
    reason = "dataset retired: replaced by warehouse.sales.orders_v2"
    r = await client.delete(
        f"/api/v1/assets/{asset}", params={"reason": reason}, headers=actors.admin
    )
    assert r.status_code == 204, r.text
    p = (await client.get(f"/api/v1/proposals/{proposal}", headers=actors.admin)).json()
    assert p["status"] == "withdrawn"
    assert reason in p["close_reason"]
    regs = await client.get(
        "/api/v1/registrations", params={"asset_id": asset}, headers=actors.admin
    )
    assert regs.json()["items"] == []
    events = await _events(engine, "asset.deleted")
    assert events, "no asset.deleted event"
    data, teams = events[-1]
    assert data["reason"] == reason
    assert data["closed_registration_ids"] == [reg]
    assert data["closed_proposal_ids"] == [proposal]
    assert {actors.producer_team, actors.consumer_team} <= teams
    audit = await client.get(
        "/api/v1/audit-events", params={"entity_id": asset}, headers=actors.admin
    )
    deleted = [e for e in audit.json()["items"] if e["action"] == "asset.deleted"]
    assert deleted
    assert deleted[0]["after"]["reason"] == reason
    reg_audit = await client.get(
        "/api/v1/audit-events", params={"entity_id": reg}, headers=actors.admin
    )
    assert "registration.deleted" in [e["action"] for e in reg_audit.json()["items"]]


async def _events(engine: AsyncEngine, type_: str) -> list[tuple[dict[str, Any], set[str]]]:
    """Each event of a type with the teams it was addressed to (read from the outbox)."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT data, team_ids FROM events WHERE type = :t ORDER BY created_at"),
                {"t": type_},
            )
        ).all()
    out: list[tuple[dict[str, Any], set[str]]] = []
    for data, teams in rows:
        data = data if isinstance(data, dict) else json.loads(data)
        teams = teams if isinstance(teams, list) else json.loads(teams)
        out.append((data, {str(t) for t in teams}))
    return out


async def test_owner_may_delete_an_asset_nobody_reads(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    r = await client.delete(f"/api/v1/assets/{asset}", headers=actors.producer_write)
    assert r.status_code == 204


async def test_identical_reproposal_keeps_every_answer(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset, _, proposal = await _blocked_asset(client, actors)
    again = await publish(
        client, actors.producer_write, asset, BREAKING, replace_open_proposal=True
    )
    assert again.status_code == 202, again.text
    body = again.json()["proposal"]
    assert body["id"] == proposal
    assert body["status"] == "blocked"
    assert [a["decision"] for a in body["awaiting"]] == ["block"]
    plain = await publish(client, actors.producer_write, asset, BREAKING)
    assert plain.status_code == 202, plain.text
    assert plain.json()["proposal"]["id"] == proposal
    p = (await client.get(f"/api/v1/proposals/{proposal}", headers=actors.admin)).json()
    assert p["status"] == "blocked"
