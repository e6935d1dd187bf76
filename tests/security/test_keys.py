"""Issue 14, hole 5: keys outlive their rights.

Reported: a team key that expired in 15 s minted a key with no expiry, which kept working
after the parent expired and after it was revoked. A team key now mints only keys within
its own scopes and expiry, the child records its parent and dies with it, and every
refused key gets the same 401 (the reason goes to the log and the audit ledger).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.api_key.rejection import RejectionThrottle
from accord.auth.cache import announce_revocation
from accord.db import session_scope
from accord.kit.crypto import generate_api_key
from accord.models import ApiKey
from tests.conftest import Actors, bearer

KEYS = "/api/v1/api-keys"


async def mint(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    team_id: str | None,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"name": f"k-{uuid.uuid4().hex[:6]}", "scopes": scopes}
    if team_id is not None:
        body["team_id"] = team_id
    if expires_at is not None:
        body["expires_at"] = expires_at.isoformat()
    return await client.post(KEYS, json=body, headers=headers)


async def minted(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    team_id: str,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    r = await mint(client, headers, team_id, ["read", "write"], expires_at)
    assert r.status_code == 201, r.text
    key: dict[str, Any] = r.json()
    return key


async def set_row(
    sessionmaker: async_sessionmaker[AsyncSession], key_id: str, **values: Any
) -> None:
    """Move time (or state) for one key by updating its row, as a clock would. Verified
    keys are remembered for a few seconds (auth/cache.py; its bound has tests of its own,
    tests/auth/test_credential_cache.py): forgetting them stands for waiting that out."""
    async with session_scope(sessionmaker) as session:
        await session.execute(update(ApiKey).where(ApiKey.id == uuid.UUID(key_id)).values(**values))
    announce_revocation()


def past() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=1)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def status_of(client: httpx.AsyncClient, key: dict[str, Any]) -> int:
    return (await client.get("/api/v1/me", headers=bearer(key["key"]))).status_code


async def audit(
    client: httpx.AsyncClient, actors: Actors, action: str, entity_id: str | None = None
) -> list[dict[str, Any]]:
    params = {"action": action, "limit": "200"}
    if entity_id is not None:
        params["entity_id"] = entity_id
    r = await client.get("/api/v1/audit-events", params=params, headers=actors.admin)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_reported_short_lived_team_key_cannot_mint_an_immortal_key(
    client: httpx.AsyncClient, actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The report, step by step: the child is clamped to the parent's expiry and dies
    when the parent expires, whatever the child's own row says."""
    parent = await minted(
        client, actors.admin, actors.producer_team, datetime.now(UTC) + timedelta(seconds=15)
    )
    child = await minted(client, bearer(parent["key"]), actors.producer_team)
    assert child["expires_at"] is not None, "no expiry would outlive the parent"
    assert at(child["expires_at"]) == at(parent["expires_at"])
    assert await status_of(client, child) == 200
    assert child["parent_id"] == parent["id"]
    assert parent["parent_id"] is None, "an admin's grant is not a delegation"

    # The parent expires; give the child a far expiry of its own to show the lineage,
    # not only the clamp, ends it.
    await set_row(sessionmaker, parent["id"], expires_at=past())
    await set_row(sessionmaker, child["id"], expires_at=datetime.now(UTC) + timedelta(days=1))
    assert await status_of(client, parent) == 401
    assert await status_of(client, child) == 401


async def test_child_dies_when_the_parent_is_revoked(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    parent = await minted(
        client, actors.admin, actors.producer_team, datetime.now(UTC) + timedelta(seconds=15)
    )
    child = await minted(client, bearer(parent["key"]), actors.producer_team)
    assert await status_of(client, child) == 200
    r = await client.delete(f"{KEYS}/{parent['id']}", headers=actors.producer_write)
    assert r.status_code == 204
    assert await status_of(client, child) == 401
    listed = await client.get(KEYS, params={"include_revoked": "true"}, headers=actors.admin)
    revoked = {k["id"]: k["revoked_at"] for k in listed.json()["items"]}
    assert revoked[child["id"]] is not None, "the child is revoked in its row, not only refused"


async def test_grandchildren_die_with_their_ancestor(
    client: httpx.AsyncClient, actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    parent = await minted(client, actors.admin, actors.producer_team)
    child = await minted(client, bearer(parent["key"]), actors.producer_team)
    grandchild = await minted(client, bearer(child["key"]), actors.producer_team)
    assert grandchild["expires_at"] is None, "no expiry only when every ancestor has none"

    r = await client.delete(f"{KEYS}/{parent['id']}", headers=actors.admin)
    assert r.status_code == 204
    assert [await status_of(client, k) for k in (parent, child, grandchild)] == [401] * 3
    assert grandchild["parent_id"] == child["id"]
    cascaded = {
        e["entity_id"]: e["after"]
        for e in await audit(client, actors, "api_key.revoked")
        if (e["after"] or {}).get("reason") == "parent revoked"
    }
    assert set(cascaded) == {child["id"], grandchild["id"]}
    assert cascaded[child["id"]]["parent_id"] == parent["id"]
    assert cascaded[grandchild["id"]]["parent_id"] == child["id"]
    # Revoking again is idempotent: no second round of events.
    assert (await client.delete(f"{KEYS}/{parent['id']}", headers=actors.admin)).status_code == 204
    assert len(await audit(client, actors, "api_key.revoked")) == 3


async def test_grandchild_dies_when_an_ancestor_expires(
    client: httpx.AsyncClient, actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    parent = await minted(
        client, actors.admin, actors.producer_team, datetime.now(UTC) + timedelta(hours=1)
    )
    child = await minted(client, bearer(parent["key"]), actors.producer_team)
    grandchild = await minted(client, bearer(child["key"]), actors.producer_team)
    assert at(grandchild["expires_at"]) == at(parent["expires_at"])
    await set_row(sessionmaker, parent["id"], expires_at=past())
    # Only the grandparent's row moved: the others are refused through their lineage.
    assert await status_of(client, child) == 401
    assert await status_of(client, grandchild) == 401


async def test_orphan_is_refused_even_if_its_own_row_is_live(
    client: httpx.AsyncClient, actors: Actors, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Defence in depth: a parent revoked without the cascade (a concurrent mint, an old
    row) still takes its descendants down at authentication."""
    parent = await minted(client, actors.admin, actors.producer_team)
    child = await minted(client, bearer(parent["key"]), actors.producer_team)
    grandchild = await minted(client, bearer(child["key"]), actors.producer_team)
    await set_row(sessionmaker, parent["id"], revoked_at=datetime.now(UTC))
    assert await status_of(client, grandchild) == 401
    assert await status_of(client, child) == 401


async def test_team_key_cannot_escalate_scopes(client: httpx.AsyncClient, actors: Actors) -> None:
    writer = actors.producer_write
    admin_key = await mint(client, writer, None, ["admin"])
    assert admin_key.status_code == 403
    team_admin = await mint(client, writer, actors.producer_team, ["admin"])
    assert team_admin.status_code == 422
    assert team_admin.json()["code"] == "invalid_key_scopes"
    other_team = await mint(client, writer, actors.consumer_team, ["read"])
    assert other_team.status_code == 403
    reader = await mint(client, actors.producer_read, actors.producer_team, ["read"])
    assert reader.status_code == 403, "a read key mints nothing"
    ok = await mint(client, writer, actors.producer_team, ["read"])
    assert ok.status_code == 201
    assert ok.json()["scopes"] == ["read"]


async def test_later_expiry_than_the_parent_is_refused(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    parent = await minted(
        client, actors.admin, actors.producer_team, datetime.now(UTC) + timedelta(hours=1)
    )
    before = len((await client.get(KEYS, headers=actors.admin)).json()["items"])
    later = await mint(
        client,
        bearer(parent["key"]),
        actors.producer_team,
        ["read"],
        at(parent["expires_at"]) + timedelta(seconds=1),
    )
    assert later.status_code == 403, later.text
    assert later.json()["code"] == "expiry_exceeds_parent"
    assert len((await client.get(KEYS, headers=actors.admin)).json()["items"]) == before
    sooner = at(parent["expires_at"]) - timedelta(minutes=10)
    ok = await mint(client, bearer(parent["key"]), actors.producer_team, ["read"], sooner)
    assert ok.status_code == 201
    assert at(ok.json()["expires_at"]) == sooner


async def test_admin_issued_keys_have_no_parent(client: httpx.AsyncClient, actors: Actors) -> None:
    """An admin key grants the workspace's authority; what it issues does not die with it."""
    second_admin = await mint(client, actors.admin, None, ["admin"])
    assert second_admin.status_code == 201
    issued = await minted(client, bearer(second_admin.json()["key"]), actors.producer_team)
    assert issued["parent_id"] is None
    r = await client.delete(f"{KEYS}/{second_admin.json()['id']}", headers=actors.admin)
    assert r.status_code == 204
    assert await status_of(client, issued) == 200


async def test_every_refused_key_gets_the_same_401(
    client: httpx.AsyncClient,
    actors: Actors,
    sessionmaker: async_sessionmaker[AsyncSession],
    capfd: pytest.CaptureFixture[str],
) -> None:
    revoked = await minted(client, actors.admin, actors.producer_team)
    assert (await client.delete(f"{KEYS}/{revoked['id']}", headers=actors.admin)).status_code == 204
    expired = await minted(
        client, actors.admin, actors.producer_team, datetime.now(UTC) + timedelta(hours=1)
    )
    await set_row(sessionmaker, expired["id"], expires_at=past())
    parent = await minted(
        client, actors.admin, actors.producer_team, datetime.now(UTC) + timedelta(hours=1)
    )
    orphan = await minted(client, bearer(parent["key"]), actors.producer_team)
    await set_row(sessionmaker, parent["id"], expires_at=past())
    presented = {
        "malformed": "acd_not-a-key",
        "unknown": generate_api_key(),
        "revoked": revoked["key"],
        "expired": expired["key"],
        "orphaned": orphan["key"],
    }
    bodies = {}
    for kind, raw in presented.items():
        r = await client.get("/api/v1/me", headers=bearer(raw))
        assert r.status_code == 401, (kind, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body.pop("request_id")
        bodies[kind] = body
    assert bodies["unknown"]["code"] == "invalid_api_key"
    assert all(b == bodies["unknown"] for b in bodies.values()), bodies

    # The reasons are not lost: a warning line each, with the key when it is known ...
    lines = [x for x in capfd.readouterr().err.splitlines() if '"api_key_rejected"' in x]
    logged = {(x["reason"], x["key_id"]) for x in map(json.loads, lines)}
    assert logged == {
        ("malformed", None),
        ("unknown", None),
        ("revoked", revoked["id"]),
        ("expired", expired["id"]),
        ("ancestor_expired", orphan["id"]),
    }

    # ... and an audit event for the keys the ledger knows.
    reasons = {e["entity_id"]: e["after"] for e in await audit(client, actors, "api_key.rejected")}
    assert reasons == {
        revoked["id"]: {"reason": "revoked"},
        expired["id"]: {"reason": "expired"},
        orphan["id"]: {"reason": "ancestor_expired", "ancestor_id": parent["id"]},
    }


async def test_header_shape_errors_keep_their_codes(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/me")
    assert missing.json()["code"] == "missing_credentials"
    basic = await client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert basic.json()["code"] == "invalid_authorization"


async def test_revoked_key_attempts_are_audited_once_a_minute(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    key = await minted(client, actors.admin, actors.producer_team)
    assert (await client.delete(f"{KEYS}/{key['id']}", headers=actors.admin)).status_code == 204
    # A write request first: its own transaction is ended before the audit's is opened
    # (on SQLite the request holds the write lock).
    r = await client.post("/api/v1/teams", json={"name": "x"}, headers=bearer(key["key"]))
    assert r.status_code == 401
    for _ in range(5):
        assert await status_of(client, key) == 401
    events = await audit(client, actors, "api_key.rejected", key["id"])
    assert len(events) == 1, "a flood of a dead key is one event a minute"
    event = events[0]
    assert event["actor_type"] == "system"
    assert event["entity_type"] == "api_key"
    assert event["after"] == {"reason": "revoked"}
    assert event["request_id"] == r.headers["x-request-id"]
    teams = (await client.get("/api/v1/teams", headers=actors.admin)).json()["items"]
    assert "x" not in {t["name"] for t in teams}, "the refused write wrote nothing"
    verify = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verify.json()["ok"] is True


def test_rejection_throttle_window() -> None:
    throttle = RejectionThrottle(window_s=60, max_keys=2)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert throttle.allow(a, now=0)
    assert not throttle.allow(a, now=59.9)
    assert throttle.allow(a, now=60)
    assert throttle.allow(b, now=61)
    assert not throttle.allow(c, now=62), "full of live entries: log only, no audit"
    assert throttle.allow(c, now=125), "stale entries are pruned"


async def test_team_deletion_leaves_no_live_descendant(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    child = await minted(client, actors.producer_write, actors.producer_team)
    grandchild = await minted(client, bearer(child["key"]), actors.producer_team)
    r = await client.delete(f"/api/v1/teams/{actors.producer_team}", headers=actors.admin)
    assert r.status_code == 204
    assert await status_of(client, grandchild) == 401
    listed = await client.get(KEYS, params={"include_revoked": "true"}, headers=actors.admin)
    team_keys = [k for k in listed.json()["items"] if k["team_id"] == actors.producer_team]
    assert len(team_keys) == 4
    assert all(k["revoked_at"] for k in team_keys)
    revoked = [e["entity_id"] for e in await audit(client, actors, "api_key.revoked")]
    assert sorted(revoked) == sorted(k["id"] for k in team_keys), "each audited once"
