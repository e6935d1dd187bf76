"""Issue 14, hole 1: one read-only request froze the whole server.

Reported: a 166-byte schema to `POST /api/v1/compat/check` or `/impact` (read scope) with
`"patternProperties": {"^(a+)+$": …}` and a property named 26 times `a` + `!` stalled
`/healthz` for 6 s, doubling with each character; a `$defs` chain whose every level
`allOf`s the previous one twice made `check` exponential. The patterns now run on a
linear-time engine, the walk is memoised, the engine runs on a bounded pool off the event
loop, and past its time budget the answer is `undecided` (503 for `/compat/check`).
These tests use sizes that would run for days on the old code.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.app import create_app
from accord.asset.policy import Compatibility
from accord.contract.evaluate import Candidate, Earlier, evaluate
from accord.models import Asset
from accord.spec import Guarantees
from tests.conftest import Actors, make_settings
from tests.lifecycle_helpers import make_asset, publish


def redos_pair(chars: int = 40) -> tuple[dict[str, Any], dict[str, Any]]:
    name = "a" * chars + "!"
    old = {
        "type": "object",
        "properties": {name: {"type": "string"}},
        "patternProperties": {"^(a+)+$": {"type": "integer"}},
    }
    new = {**old, "properties": {name: {"type": "integer"}}}
    return old, new


def ref_bomb(levels: int = 20) -> dict[str, Any]:
    defs: dict[str, Any] = {"d0": {"type": "string", "pattern": "^(a|aa)+$"}}
    for i in range(1, levels + 1):
        prev = {"$ref": f"#/$defs/d{i - 1}"}
        defs[f"d{i}"] = {"allOf": [prev, prev]}
    return {"$defs": defs, "$ref": f"#/$defs/d{levels}"}


async def test_redos_schema_to_compat_check_is_decided(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    old, new = redos_pair()
    r = await client.post(
        "/api/v1/compat/check",
        json={"old": old, "new": new, "mode": "backward", "content_model": "strict"},
        headers=actors.producer_read,
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdicts"]["backward"]["outcome"] == "incompatible"
    assert (await client.get("/healthz")).status_code == 200


async def test_redos_schema_to_impact_with_read_scope(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    old, new = redos_pair()
    asset = await make_asset(client, actors, compatibility="full")
    assert (await publish(client, actors.producer_write, asset, old)).status_code == 201
    r = await client.post(
        f"/api/v1/assets/{asset}/impact",
        json={"schema": new, "format": "jsonschema"},
        headers=actors.producer_read,
    )
    assert r.status_code == 200, r.text
    assert r.json()["breaking"] is True
    diff = await client.get(
        f"/api/v1/assets/{asset}/diff", params={"from": "1.0.0", "to": "1.0.0"},
        headers=actors.producer_read,
    )  # fmt: skip
    assert diff.status_code == 200


async def test_ref_bomb_is_decided(client: httpx.AsyncClient, actors: Actors) -> None:
    bomb = ref_bomb()
    r = await client.post(
        "/api/v1/compat/check",
        json={"old": bomb, "new": {**bomb, "maxLength": 10}, "mode": "backward"},
        headers=actors.producer_read,
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdicts"]["backward"]["outcome"] in ("incompatible", "undecided")
    asset = await make_asset(client, actors)
    stored = await publish(client, actors.producer_write, asset, bomb)
    assert stored.status_code == 201, stored.text


async def test_ecma_named_groups_are_accepted(client: httpx.AsyncClient, actors: Actors) -> None:
    old = {"type": "string", "pattern": "^(?<year>[0-9]{4})-(?<month>[0-9]{2})$"}
    new = {"type": "string", "pattern": "^(?<year>[0-9]{4})-(?<month>[0-9]{2})$", "maxLength": 7}
    r = await client.post(
        "/api/v1/compat/check", json={"old": old, "new": new}, headers=actors.producer_read
    )
    assert r.status_code == 200, r.text


def heavy_history(versions: int = 150, props: int = 100) -> list[dict[str, Any]]:
    """Valid, ordinary, and far more work than a 1 ms budget allows."""
    return [
        {
            "type": "object",
            "properties": {f"p{i}": {"type": "string", "maxLength": 100 + v} for i in range(props)},
        }
        for v in range(versions)
    ]


async def _tight(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose engine budget (1 ms) is too small for a real check."""
    app = create_app(make_settings(database_url, compat_timeout_s=1e-6), run_startup_checks=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


async def test_past_its_budget_compat_check_is_503(
    database_url: str, engine: object, actors: Actors
) -> None:
    history = heavy_history()
    body = {"history": history, "new": history[-1], "mode": "full_transitive"}
    async for c in _tight(database_url):
        r = await c.post("/api/v1/compat/check", json=body, headers=actors.producer_read)
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "engine_timeout"
        assert "ACCORD_COMPAT_TIMEOUT_S" in r.json()["detail"]


def test_past_its_budget_a_publish_decision_is_undecided_and_breaking() -> None:
    """What a publish gets from the engine past its budget: undecided, which the policy
    counts as breaking, so the change waits on its consumers as a proposal."""
    history = heavy_history()
    earlier = [Earlier(str(i), "jsonschema", s, {}) for i, s in enumerate(history)]
    candidate = Candidate("jsonschema", history[-1], Guarantees())
    result = evaluate(
        Compatibility.full_transitive, "lenient", earlier[-1], earlier, candidate, budget_s=1e-6
    )
    assert result.breaking
    assert result.verdict["exhausted"] is True
    assert "time budget" in result.verdict["verdicts"]["full_transitive"]["reason"]


async def test_checks_take_no_write_lock_while_the_engine_works(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    """Reported under load (bench.abuse): POST /compat/check and /impact opened a write
    transaction, so on SQLite concurrent checks queued on the write lock and ended in
    `500 database is locked`. They read only: a writer holding the lock does not stop them."""
    old, new = redos_pair(3)
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, old)).status_code == 201
    async with engine.connect() as writer:
        # A writer mid-transaction: on SQLite it holds the write lock (BEGIN IMMEDIATE, as
        # every write request begins); on PostgreSQL it holds the asset's row lock.
        await writer.begin()
        await writer.execute(select(Asset.id).where(Asset.id == uuid.UUID(asset)).with_for_update())
        check = await client.post(
            "/api/v1/compat/check", json={"old": old, "new": new}, headers=actors.producer_read
        )
        impact = await client.post(
            f"/api/v1/assets/{asset}/impact",
            json={"schema": new, "format": "jsonschema"},
            headers=actors.producer_read,
        )
        await writer.rollback()
    assert check.status_code == 200, check.text
    assert impact.status_code == 200, impact.text
