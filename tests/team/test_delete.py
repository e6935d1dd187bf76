"""Issue 15, item 6: deleting a team stops it blocking proposals.

An admin deletes a consumer team. In the same transaction its registrations end, its
answers on open proposals are closed and those proposals are re-evaluated as when a
consumer answers; every step is audited and the asset owners are told through the
outbox. Afterwards an admin may answer for the deleted team; nobody answers for a live
team but its own keys.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.db import session_scope
from accord.models import Proposal
from tests.conftest import Actors, new_key, new_team
from tests.lifecycle_helpers import ORDERS_V1, ack, make_asset, publish, register, without

BREAKING = without(ORDERS_V1, "email")
PROBLEM = "application/problem+json"

Team = tuple[str, dict[str, str]]


async def _other_consumer(client: httpx.AsyncClient, actors: Actors) -> Team:
    team = await new_team(client, actors.admin, "billing")
    return team, await new_key(client, actors.admin, team, ["read", "write"])


async def _register(client: httpx.AsyncClient, asset: str, team: Team) -> str:
    r = await client.post(
        "/api/v1/registrations", json={"asset_id": asset, "team_id": team[0]}, headers=team[1]
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _open(
    client: httpx.AsyncClient, actors: Actors, *others: Team, fqn: str = "w.sales.orders"
) -> tuple[str, str, str]:
    """An asset read by the consumer team (B) and ``others``, with a breaking proposal
    waiting on all of them: (asset, B's registration, proposal)."""
    asset = await make_asset(client, actors, fqn)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    reg = await register(client, actors, asset)
    assert reg.status_code == 201, reg.text
    for team in others:
        await _register(client, asset, team)
    opened = await publish(client, actors.producer_write, asset, BREAKING)
    assert opened.status_code == 202, opened.text
    return asset, str(reg.json()["id"]), str(opened.json()["proposal"]["id"])


async def _delete_team(client: httpx.AsyncClient, actors: Actors, team: str) -> None:
    r = await client.delete(f"/api/v1/teams/{team}", headers=actors.admin)
    assert r.status_code == 204, r.text


async def _proposal(client: httpx.AsyncClient, actors: Actors, pid: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/proposals/{pid}", headers=actors.admin)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _awaited(proposal: dict[str, Any]) -> dict[str, str | None]:
    return {a["team_id"]: a["decision"] for a in proposal["awaiting"]}


async def _audit(client: httpx.AsyncClient, actors: Actors, **params: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/audit-events", params=params, headers=actors.admin)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def _admin_key_id(client: httpx.AsyncClient, actors: Actors) -> str:
    return str((await client.get("/api/v1/me", headers=actors.admin)).json()["key_id"])


async def _events(engine: AsyncEngine, type_: str) -> list[tuple[dict[str, Any], set[str]]]:
    """Each outbox event of a type with the teams it is addressed to."""
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


async def test_proposal_waiting_only_on_the_deleted_team_is_approved_and_publishable(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    _, _, pid = await _open(client, actors)
    assert (await _proposal(client, actors, pid))["status"] == "open"
    await _delete_team(client, actors, actors.consumer_team)
    proposal = await _proposal(client, actors, pid)
    assert proposal["status"] == "approved"
    assert proposal["awaiting"] == []
    approved = [d for d, _ in await _events(engine, "proposal.approved")]
    assert [d["proposal"]["id"] for d in approved] == [pid]
    r = await client.post(f"/api/v1/proposals/{pid}/publish", headers=actors.producer_write)
    assert r.status_code == 200, r.text
    assert r.json()["version"]["version"] == "2.0.0"


async def test_proposal_stops_waiting_on_the_deleted_team_only(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    billing = await _other_consumer(client, actors)
    _, _, pid = await _open(client, actors, billing)
    await _delete_team(client, actors, actors.consumer_team)
    proposal = await _proposal(client, actors, pid)
    assert proposal["status"] == "open"
    assert _awaited(proposal) == {billing[0]: None}
    to_act = await client.get(
        "/api/v1/proposals", params={"team_to_act": actors.consumer_team}, headers=actors.admin
    )
    assert to_act.json()["items"] == []
    r = await client.post(
        f"/api/v1/proposals/{pid}/acknowledgments",
        json={"team_id": billing[0], "decision": "approve"},
        headers=billing[1],
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"


async def test_a_block_by_the_deleted_team_no_longer_holds(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    billing = await _other_consumer(client, actors)
    _, _, pid = await _open(client, actors, billing)
    assert (await ack(client, actors, pid, "block")).json()["status"] == "blocked"
    r = await client.post(
        f"/api/v1/proposals/{pid}/acknowledgments",
        json={"team_id": billing[0], "decision": "approve"},
        headers=billing[1],
    )
    assert r.json()["status"] == "blocked"
    await _delete_team(client, actors, actors.consumer_team)
    proposal = await _proposal(client, actors, pid)
    assert proposal["status"] == "approved"
    assert _awaited(proposal) == {billing[0]: "approve"}
    [closed] = await _audit(client, actors, action="proposal.acknowledgment_closed")
    assert closed["entity_id"] == pid
    assert closed["actor_id"] == await _admin_key_id(client, actors)
    assert closed["after"]["team_id"] == actors.consumer_team
    assert closed["after"]["previous_decision"] == "block"
    assert closed["after"]["reason"] == "team_deleted"
    [(data, teams)] = await _events(engine, "proposal.acknowledgment_closed")
    assert data["proposal"]["team_id"] == actors.consumer_team
    assert actors.producer_team in teams
    assert [d["proposal"]["id"] for d, _ in await _events(engine, "proposal.approved")] == [pid]


async def test_a_block_by_the_deleted_team_reopens_a_proposal_others_still_owe(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    billing = await _other_consumer(client, actors)
    _, _, pid = await _open(client, actors, billing)
    assert (await ack(client, actors, pid, "block")).json()["status"] == "blocked"
    await _delete_team(client, actors, actors.consumer_team)
    proposal = await _proposal(client, actors, pid)
    assert proposal["status"] == "open"
    assert _awaited(proposal) == {billing[0]: None}
    assert [d["proposal"]["id"] for d, _ in await _events(engine, "proposal.reopened")] == [pid]


async def test_registrations_end_audited_and_the_owner_is_told(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    asset, reg, pid = await _open(client, actors)
    quiet = await make_asset(client, actors, "w.sales.refunds")
    other_reg = (await register(client, actors, quiet)).json()["id"]
    await _delete_team(client, actors, actors.consumer_team)
    live = await client.get(
        "/api/v1/registrations", params={"team_id": actors.consumer_team}, headers=actors.admin
    )
    assert live.json()["items"] == []
    admin_id = await _admin_key_id(client, actors)
    for reg_id in (reg, other_reg):
        [ended] = await _audit(client, actors, entity_id=reg_id, action="registration.deleted")
        assert ended["actor_id"] == admin_id
        assert ended["after"] == {"reason": "team deleted"}
    told = {
        d["registration"]["id"]: (d, t) for d, t in await _events(engine, "registration.deleted")
    }
    assert set(told) == {reg, other_reg}
    data, teams = told[reg]
    assert data["reason"] == "team deleted"
    assert data["asset"]["id"] == asset
    assert actors.producer_team in teams
    [deleted] = await _audit(client, actors, action="team.deleted")
    assert deleted["entity_id"] == actors.consumer_team
    assert deleted["after"]["closed_registration_ids"] == sorted([reg, other_reg])
    assert deleted["after"]["released_proposal_ids"] == [pid]


async def test_admin_may_answer_for_a_deleted_team(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    billing = await _other_consumer(client, actors)
    _, _, pid = await _open(client, actors, billing)
    await _delete_team(client, actors, actors.consumer_team)
    url = f"/api/v1/proposals/{pid}/acknowledgments"
    r = await client.post(
        url,
        json={"team_id": actors.consumer_team, "decision": "block", "comment": "kept: BI"},
        headers=actors.admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "blocked"
    assert _awaited(r.json()) == {actors.consumer_team: "block", billing[0]: None}
    [answered] = await _audit(client, actors, action="proposal.acknowledged")
    assert answered["actor_id"] == await _admin_key_id(client, actors)
    assert answered["after"]["team_id"] == actors.consumer_team
    assert answered["after"]["for_deleted_team"] is True
    r = await client.post(
        url, json={"team_id": actors.consumer_team, "decision": "approve"}, headers=actors.admin
    )
    assert r.json()["status"] == "open"
    r = await client.post(
        url, json={"team_id": billing[0], "decision": "approve"}, headers=billing[1]
    )
    assert r.json()["status"] == "approved"


async def test_nobody_answers_for_a_live_team_or_another_team(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    billing = await _other_consumer(client, actors)
    _, _, pid = await _open(client, actors, billing)
    url = f"/api/v1/proposals/{pid}/acknowledgments"
    for_live = await client.post(
        url, json={"team_id": billing[0], "decision": "approve"}, headers=actors.admin
    )
    assert for_live.status_code == 403
    assert for_live.json()["code"] == "not_own_team"
    await _delete_team(client, actors, actors.consumer_team)
    for_deleted = await client.post(
        url, json={"team_id": actors.consumer_team, "decision": "approve"}, headers=billing[1]
    )
    assert for_deleted.status_code == 403
    assert for_deleted.headers["content-type"].startswith(PROBLEM)
    assert for_deleted.json()["code"] == "not_own_team"
    assert _awaited(await _proposal(client, actors, pid)) == {billing[0]: None}


async def test_bad_requests_are_problems_and_change_nothing(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, reg, pid = await _open(client, actors)
    bad = await client.delete("/api/v1/teams/not-a-uuid", headers=actors.admin)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith(PROBLEM)
    unknown = await client.delete(
        "/api/v1/teams/00000000-0000-7000-8000-000000000000", headers=actors.admin
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "team_not_found"
    refused = await client.delete(
        f"/api/v1/teams/{actors.consumer_team}", headers=actors.consumer_write
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert (await _proposal(client, actors, pid))["status"] == "open"
    assert await _audit(client, actors, action="team.deleted") == []
    live = await client.get(
        "/api/v1/registrations", params={"team_id": actors.consumer_team}, headers=actors.admin
    )
    assert [r["id"] for r in live.json()["items"]] == [reg]
    await _delete_team(client, actors, actors.consumer_team)
    again = await client.delete(f"/api/v1/teams/{actors.consumer_team}", headers=actors.admin)
    assert again.status_code == 404
    nonsense = await client.post(
        f"/api/v1/proposals/{pid}/acknowledgments",
        json={"team_id": actors.consumer_team, "decision": "maybe"},
        headers=actors.admin,
    )
    assert nonsense.status_code == 422
    assert nonsense.headers["content-type"].startswith(PROBLEM)


async def test_a_past_due_proposal_expires_instead(
    client: httpx.AsyncClient,
    actors: Actors,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """As on any other touch of an open proposal past its deadline: it expires, and is
    not approved by the deletion."""
    _, _, pid = await _open(client, actors)
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(Proposal).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await _delete_team(client, actors, actors.consumer_team)
    assert (await _proposal(client, actors, pid))["status"] == "expired"
    assert await _events(engine, "proposal.approved") == []
    [deleted] = await _audit(client, actors, action="team.deleted")
    assert deleted["after"]["released_proposal_ids"] == []


async def test_concurrent_deletions_of_the_team_and_an_asset_it_reads(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """Both take the proposal before the registration: neither waits on the other in a
    cycle (on PostgreSQL a deadlock would be a 503); both succeed, whichever is first."""
    asset, reg, pid = await _open(client, actors)
    team, gone = await asyncio.gather(
        client.delete(f"/api/v1/teams/{actors.consumer_team}", headers=actors.admin),
        client.delete(
            f"/api/v1/assets/{asset}", params={"reason": "retired"}, headers=actors.admin
        ),
    )
    assert (team.status_code, gone.status_code) == (204, 204), (team.text, gone.text)
    assert (await _proposal(client, actors, pid))["status"] == "withdrawn"
    ended = await _audit(client, actors, entity_id=reg, action="registration.deleted")
    assert len(ended) == 1
    verified = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verified.json()["ok"] is True, verified.text


async def test_a_team_deleted_while_it_registers_keeps_no_registration(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    deleted, registered = await asyncio.gather(
        client.delete(f"/api/v1/teams/{actors.consumer_team}", headers=actors.admin),
        register(client, actors, asset),
    )
    assert deleted.status_code == 204, deleted.text
    assert registered.status_code in (201, 401, 404), registered.text
    live = await client.get(
        "/api/v1/registrations", params={"team_id": actors.consumer_team}, headers=actors.admin
    )
    assert live.json()["items"] == []


async def test_a_team_is_deleted_once(client: httpx.AsyncClient, actors: Actors) -> None:
    await _open(client, actors)
    url = f"/api/v1/teams/{actors.consumer_team}"
    results = await asyncio.gather(*(client.delete(url, headers=actors.admin) for _ in range(2)))
    assert sorted(r.status_code for r in results) == [204, 404]
    assert len(await _audit(client, actors, action="team.deleted")) == 1
    assert len(await _audit(client, actors, action="proposal.acknowledgment_closed")) == 1
