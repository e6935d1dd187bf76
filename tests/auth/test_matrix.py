"""Every route of the app against four callers. A route without an entry fails.

Callers: no credential, a read key (producer team), a write key of another team
(consumer team, acting on producer-owned objects), an admin key of another workspace.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Route

from tests.conftest import Actors
from tests.imports.helpers import import_and_wait

PUBLIC = "public"


@dataclass(frozen=True)
class Expect:
    read: int | str
    other_team_write: int | str
    other_workspace_admin: int | str
    body: Callable[[Actors], dict[str, Any]] | None = None
    no_key: int | str = 401
    # Collection routes: a stranger may list, but must see nothing of ours.
    lists: bool = False
    params: dict[str, str] = field(default_factory=dict)


def _team_body(_: Actors) -> dict[str, Any]:
    return {"name": f"matrix-{uuid.uuid4().hex[:8]}"}


RUN = {
    "source": "orders.parquet",
    "checks": [{"id": "not_null:id", "kind": "not_null", "status": "pass"}],
}
SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
BREAKING = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}


MATRIX: dict[tuple[str, str], Expect] = {
    ("GET", "/healthz"): Expect(PUBLIC, PUBLIC, PUBLIC, no_key=PUBLIC),
    ("GET", "/metrics"): Expect(PUBLIC, PUBLIC, PUBLIC, no_key=PUBLIC),
    ("GET", "/readyz"): Expect(PUBLIC, PUBLIC, PUBLIC, no_key=PUBLIC),
    ("GET", "/openapi.json"): Expect(PUBLIC, PUBLIC, PUBLIC, no_key=PUBLIC),
    ("GET", "/docs"): Expect(PUBLIC, PUBLIC, PUBLIC, no_key=PUBLIC),
    ("GET", "/docs/oauth2-redirect"): Expect(PUBLIC, PUBLIC, PUBLIC, no_key=PUBLIC),
    ("GET", "/redoc"): Expect(PUBLIC, PUBLIC, PUBLIC, no_key=PUBLIC),
    ("GET", "/api/v1/me"): Expect(200, 200, 200),
    # The caller's own workspace: a stranger's admin sees and changes only its own.
    ("GET", "/api/v1/workspace"): Expect(200, 200, 200),
    ("PATCH", "/api/v1/workspace"): Expect(
        403, 403, 200, body=lambda a: {"default_content_model": "lenient"}
    ),
    ("POST", "/api/v1/teams"): Expect(403, 403, 201, body=_team_body),
    ("GET", "/api/v1/teams"): Expect(200, 200, 200, lists=True),
    ("GET", "/api/v1/teams/{team_id}"): Expect(200, 200, 404),
    ("PATCH", "/api/v1/teams/{team_id}"): Expect(
        403, 403, 404, body=lambda a: {"description": "x"}
    ),
    ("DELETE", "/api/v1/teams/{team_id}"): Expect(403, 403, 404),
    ("POST", "/api/v1/api-keys"): Expect(
        403,
        403,
        404,
        body=lambda a: {"name": "m", "team_id": a.producer_team, "scopes": ["read"]},
    ),
    ("GET", "/api/v1/api-keys"): Expect(200, 200, 200, lists=True),
    ("DELETE", "/api/v1/api-keys/{key_id}"): Expect(403, 403, 404),
    ("GET", "/api/v1/audit-events"): Expect(200, 200, 200, lists=True),
    ("GET", "/api/v1/audit-events/verify"): Expect(403, 403, 200),
    ("POST", "/api/v1/assets"): Expect(
        403, 403, 404, body=lambda a: {"fqn": "m.x", "owner_team_id": a.producer_team}
    ),
    ("GET", "/api/v1/assets"): Expect(200, 200, 200, lists=True),
    ("GET", "/api/v1/assets/{asset_id}"): Expect(200, 200, 404),
    ("PATCH", "/api/v1/assets/{asset_id}"): Expect(
        403, 403, 404, body=lambda a: {"description": "x"}
    ),
    ("DELETE", "/api/v1/assets/{asset_id}"): Expect(403, 403, 404),
    ("POST", "/api/v1/assets/{asset_id}/restore"): Expect(403, 403, 404),
    ("POST", "/api/v1/assets/{asset_id}/versions"): Expect(
        403, 403, 404, body=lambda a: {"schema": SCHEMA, "format": "jsonschema"}
    ),
    ("GET", "/api/v1/assets/{asset_id}/versions"): Expect(200, 200, 404),
    ("POST", "/api/v1/assets/{asset_id}/impact"): Expect(
        200, 200, 404, body=lambda a: {"schema": SCHEMA, "format": "jsonschema"}
    ),
    ("GET", "/api/v1/assets/{asset_id}/versions/{version}"): Expect(200, 200, 404),
    ("GET", "/api/v1/assets/{asset_id}/diff"): Expect(
        200, 200, 404, params={"from": "1.0.0", "to": "1.0.0"}
    ),
    ("POST", "/api/v1/registrations"): Expect(
        403,
        403,
        404,
        body=lambda a: {"asset_id": a.extra["asset_id"], "team_id": a.producer_team},
    ),
    ("GET", "/api/v1/registrations"): Expect(200, 200, 200, lists=True),
    ("DELETE", "/api/v1/registrations/{registration_id}"): Expect(403, 403, 404),
    ("GET", "/api/v1/proposals"): Expect(200, 200, 200, lists=True),
    ("GET", "/api/v1/proposals/{proposal_id}"): Expect(200, 200, 404),
    ("POST", "/api/v1/proposals/{proposal_id}/acknowledgments"): Expect(
        403, 403, 404, body=lambda a: {"team_id": a.producer_team, "decision": "approve"}
    ),
    ("POST", "/api/v1/proposals/{proposal_id}/publish"): Expect(403, 403, 404),
    ("POST", "/api/v1/proposals/{proposal_id}/withdraw"): Expect(403, 403, 404),
    ("POST", "/api/v1/assets/{asset_id}/validation-runs"): Expect(
        403, 201, 404, body=lambda a: RUN
    ),
    ("GET", "/api/v1/assets/{asset_id}/validation-runs"): Expect(200, 200, 404),
    ("GET", "/api/v1/assets/{asset_id}/validation-runs/trend"): Expect(200, 200, 404),
    ("GET", "/api/v1/assets/{asset_id}/validation-runs/{run_id}"): Expect(200, 200, 404),
    ("POST", "/api/v1/compat/check"): Expect(
        200, 200, 200, body=lambda a: {"old": {"type": "integer"}, "new": {"type": "number"}}
    ),
    ("POST", "/api/v1/webhooks"): Expect(
        403,
        403,
        404,
        body=lambda a: {"url": "http://127.0.0.1:9/hook", "team_id": a.producer_team},
    ),
    ("GET", "/api/v1/webhooks"): Expect(200, 200, 200, lists=True),
    ("GET", "/api/v1/webhooks/{webhook_id}"): Expect(200, 403, 404),
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): Expect(
        403, 403, 404, body=lambda a: {"active": False}
    ),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Expect(403, 403, 404),
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"): Expect(403, 403, 404),
    ("POST", "/api/v1/webhooks/{webhook_id}/ping"): Expect(403, 403, 404),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): Expect(200, 403, 404),
    ("GET", "/api/v1/dead-letters"): Expect(200, 200, 200, lists=True),
    ("POST", "/api/v1/dead-letters/{delivery_id}/replay"): Expect(403, 403, 404),
    ("POST", "/api/v1/dead-letters/replay"): Expect(
        403, 200, 200, lists=True, body=lambda a: {"reason": "matrix replay"}
    ),
    ("POST", "/api/v1/proposals/{proposal_id}/force"): Expect(
        403, 403, 404, body=lambda a: {"reason": "matrix says so, long enough"}
    ),
    ("POST", "/api/v1/lineage/edges"): Expect(
        403,
        403,
        404,
        body=lambda a: {
            "upstream_asset_id": a.extra["asset_id"],
            "downstream_asset_id": a.extra["downstream_id"],
            "kind": "reads",
        },
    ),
    ("GET", "/api/v1/lineage/edges"): Expect(200, 200, 200, lists=True),
    ("DELETE", "/api/v1/lineage/edges/{edge_id}"): Expect(403, 403, 404),
    ("GET", "/api/v1/assets/{asset_id}/lineage"): Expect(200, 200, 404),
    # The manifest's model names the producer team as owner; another workspace has no
    # such team and its admin gave no owner_team.
    ("POST", "/api/v1/imports/dbt"): Expect(403, 403, 422, body=lambda a: _manifest()),
    # A job of the producer team: its read key sees it, another team's key does not.
    ("GET", "/api/v1/imports/jobs/{job_id}"): Expect(200, 403, 404),
}


def _manifest() -> dict[str, Any]:
    model = {
        "unique_id": "model.m.t", "resource_type": "model", "name": "t", "database": "d",
        "schema": "s", "columns": {}, "meta": {"owner": "orders-producer"},
    }  # fmt: skip
    version = "https://schemas.getdbt.com/dbt/manifest/v12.json"
    return {"metadata": {"dbt_schema_version": version}, "nodes": {"model.m.t": model}}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    routes = {
        (method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops
    }
    for route in app.routes:
        if isinstance(route, Route) and route.methods:
            routes |= {(m, route.path) for m in route.methods if m != "HEAD"}
    return routes


def test_every_route_has_an_entry(app: FastAPI) -> None:
    routes = app_routes(app)
    assert routes - MATRIX.keys() == set(), "add these routes to the auth matrix"
    assert MATRIX.keys() - routes == set(), "these matrix entries match no route"


async def _our_ids(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> dict[str, str]:
    """Objects owned by the producer team (the consumer team's key is the stranger)."""
    keys = (await client.get("/api/v1/api-keys", headers=actors.admin)).json()["items"]
    producer_key = next(k for k in keys if k["team_id"] == actors.producer_team)
    owner = actors.producer_write
    hook = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "team_id": actors.producer_team},
        headers=owner,
    )
    asset = await client.post(
        "/api/v1/assets",
        json={"fqn": "matrix.orders", "owner_team_id": actors.producer_team},
        headers=owner,
    )
    asset_id = asset.json()["id"]
    versions = f"/api/v1/assets/{asset_id}/versions"
    await client.post(versions, json={"schema": SCHEMA, "format": "jsonschema"}, headers=owner)
    reg = await client.post(
        "/api/v1/registrations",
        json={"asset_id": asset_id, "team_id": actors.producer_team},
        headers=owner,
    )
    await client.post(
        "/api/v1/registrations",
        json={"asset_id": asset_id, "team_id": actors.consumer_team},
        headers=actors.consumer_write,
    )
    prop = await client.post(
        versions, json={"schema": BREAKING, "format": "jsonschema"}, headers=owner
    )
    actors.extra["asset_id"] = asset_id
    run = await client.post(f"/api/v1/assets/{asset_id}/validation-runs", json=RUN, headers=owner)
    downstream = await client.post(
        "/api/v1/assets",
        json={"fqn": "matrix.orders_daily", "owner_team_id": actors.producer_team},
        headers=owner,
    )
    actors.extra["downstream_id"] = downstream.json()["id"]
    edge = await client.post(
        "/api/v1/lineage/edges",
        json={"upstream_asset_id": asset_id, "downstream_asset_id": downstream.json()["id"]},
        headers=owner,
    )
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE deliveries SET status = 'dead'"))
        delivery_id = (await conn.execute(text("SELECT id FROM deliveries LIMIT 1"))).scalar_one()
    return {
        "webhook_id": hook.json()["id"],
        "run_id": run.json()["id"],
        "delivery_id": str(uuid.UUID(str(delivery_id))),
        "team_id": actors.producer_team,
        "key_id": producer_key["id"],
        "asset_id": asset_id,
        "version": "1.0.0",
        "registration_id": reg.json()["id"],
        "proposal_id": prop.json()["proposal"]["id"],
        "edge_id": edge.json()["id"],
    }


async def _import_job(client: httpx.AsyncClient, actors: Actors) -> str:
    """A finished import job of the producer team (only the route that needs it)."""
    job = await import_and_wait(client, actors.producer_write, json.dumps(_manifest()).encode())
    return str(job["id"])


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
async def test_route_outcomes(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine, method: str, path: str
) -> None:
    expect = MATRIX[(method, path)]
    ids = await _our_ids(client, actors, engine)
    if "{job_id}" in path:
        ids["job_id"] = await _import_job(client, actors)
    url = path.format(**ids)
    callers: list[tuple[str, dict[str, str], int | str]] = [
        ("no_key", {}, expect.no_key),
        ("read", actors.producer_read, expect.read),
        ("other_team_write", actors.consumer_write, expect.other_team_write),
        ("other_workspace_admin", actors.other_admin, expect.other_workspace_admin),
    ]
    ours = {v for k, v in ids.items() if k != "version"} | {str(actors.workspace_id)}
    for name, headers, expected in callers:
        body = expect.body(actors) if expect.body else None
        r = await client.request(method, url, headers=headers, json=body, params=expect.params)
        if expected == PUBLIC:
            assert r.status_code == 200, (name, r.text)
            continue
        assert r.status_code == expected, (name, r.status_code, r.text)
        if r.status_code >= 400:
            assert r.headers["content-type"] == "application/problem+json"
        if expect.lists and name == "other_workspace_admin":
            text = r.text
            assert not any(i in text for i in ours), "another workspace's data leaked"
