"""Importing dbt manifests over HTTP: golden result, idempotence, breaking changes,
exposures, dry runs, and bad manifests that write nothing. Real imports are background
jobs (202): `_import` follows the job to its result (tests/imports covers the jobs)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Actors
from tests.dbt.manifests import IMPORT, drop_column, jaffle, raw, versioned, with_exposure
from tests.imports.helpers import import_and_wait

GOLDEN = Path(__file__).parent / "golden"


async def _import(
    client: httpx.AsyncClient, headers: dict[str, str], doc: dict[str, Any], **params: Any
) -> dict[str, Any]:
    """The import's result: a dry run answers it at once (200); a real import is a
    background job (202), followed until it succeeds."""
    if params.get("dry_run") == "true":
        r = await client.post(IMPORT, content=raw(doc), headers=headers, params=params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body
    job = await import_and_wait(client, headers, raw(doc), **params)
    assert job["status"] == "succeeded", job["error"]
    result: dict[str, Any] = job["result"]
    return result


async def _snapshot(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """What the registry holds, without ids or times: assets, contracts, edges."""
    assets = (await client.get("/api/v1/assets", params={"limit": 500}, headers=headers)).json()
    by_id = {a["id"]: a["fqn"] for a in assets["items"]}
    out: dict[str, Any] = {"assets": {}, "edges": []}
    for a in assets["items"]:
        versions = (await client.get(f"/api/v1/assets/{a['id']}/versions", headers=headers)).json()
        entry: dict[str, Any] = {"kind": a["kind"], "metadata": a["metadata"], "versions": []}
        for v in versions["items"]:
            full = (
                await client.get(
                    f"/api/v1/assets/{a['id']}/versions/{v['version']}", headers=headers
                )
            ).json()
            entry["versions"].append(
                {
                    "version": v["version"],
                    "schema": full["schema"],
                    "guarantees": full["guarantees"],
                }
            )
        out["assets"][a["fqn"]] = entry
    edges = (
        await client.get("/api/v1/lineage/edges", params={"limit": 500}, headers=headers)
    ).json()
    out["edges"] = sorted(
        [by_id[e["upstream_asset_id"]], by_id[e["downstream_asset_id"]], e["kind"], e["source"]]
        for e in edges["items"]
    )
    return out


def _golden(name: str, actual: dict[str, Any]) -> None:
    path = GOLDEN / name
    if os.environ.get("ACCORD_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert actual == json.loads(path.read_text()), f"golden {name} differs"


async def _audit_count(client: httpx.AsyncClient, actors: Actors) -> int:
    r = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    return int(r.json()["head_seq"])


async def test_jaffle_shop_golden_and_reimport_is_a_noop(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    first = await _import(client, actors.producer_write, jaffle())
    assert first["summary"] == {
        "assets_created": 8, "assets_updated": 0, "assets_unchanged": 0, "assets_skipped": 0,
        "versions_published": 5, "proposals_opened": 0, "edges_created": 8, "edges_deleted": 0,
        "edges_unchanged": 0, "registrations_created": 0,
    }  # fmt: skip
    assert first["manifest"]["schema_version"] == 12
    snapshot = await _snapshot(client, actors.producer_read)
    _golden("jaffle_shop.json", snapshot)
    seq = await _audit_count(client, actors)
    again = await _import(client, actors.producer_write, jaffle())
    assert again["summary"]["assets_unchanged"] == 8
    assert again["summary"]["edges_unchanged"] == 8
    assert {a["version"]["outcome"] for a in again["assets"]} == {"unchanged", "no_schema"}
    assert again["edges"] == []
    assert await _audit_count(client, actors) == seq, "a re-import wrote audit events"
    assert await _snapshot(client, actors.producer_read) == snapshot


async def test_dropping_a_column_used_downstream_opens_a_proposal_with_impact(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    first = await _import(client, actors.producer_write, jaffle())
    stg = next(a for a in first["assets"] if a["fqn"] == "jaffle_shop.main.stg_orders")
    # a consumer reads stg_orders: its breaking change waits on that team (with nobody to
    # ask it would publish at once: tests/proposal/test_auto_approval.py)
    registered = await client.post(
        "/api/v1/registrations",
        json={"asset_id": stg["asset_id"], "team_id": actors.consumer_team},
        headers=actors.consumer_write,
    )
    assert registered.status_code == 201, registered.text
    edited = drop_column(jaffle(), "model.jaffle_shop.stg_orders", "status")
    result = await _import(client, actors.producer_write, edited)
    assert result["summary"]["proposals_opened"] == 1
    step = next(a for a in result["assets"] if a["fqn"] == "jaffle_shop.main.stg_orders")
    assert step["version"]["outcome"] == "proposal"
    assert step["version"]["downstream_assets"] == 2
    assert any(c["path"] == "status" for c in step["version"]["breaking_changes"])
    proposal = (
        await client.get(
            f"/api/v1/proposals/{step['version']['proposal_id']}", headers=actors.producer_read
        )
    ).json()
    downstream = {a["fqn"]: a["distance"] for a in proposal["impact"]["assets"]}
    assert downstream == {"jaffle_shop.main.orders": 1, "jaffle_shop.main.customers": 1}
    assert proposal["impact"]["notify_team_ids"] == [actors.producer_team]
    # The same edited manifest again: the change already waits in that proposal.
    again = await _import(client, actors.producer_write, edited)
    step = next(a for a in again["assets"] if a["fqn"] == "jaffle_shop.main.stg_orders")
    assert step["version"]["outcome"] == "proposal_pending"
    assert again["summary"]["proposals_opened"] == 0


async def test_dry_run_plans_without_writing(client: httpx.AsyncClient, actors: Actors) -> None:
    seq = await _audit_count(client, actors)
    plan = await _import(client, actors.producer_write, jaffle(), dry_run="true")
    assert plan["dry_run"] is True
    assert plan["summary"]["assets_created"] == 8
    assert await _audit_count(client, actors) == seq
    assets = (await client.get("/api/v1/assets", headers=actors.producer_read)).json()
    assert assets["items"] == []
    real = await _import(client, actors.producer_write, jaffle())
    assert real["summary"] == plan["summary"]


async def test_exposures_register_the_owner_team(client: httpx.AsyncClient, actors: Actors) -> None:
    doc = with_exposure(jaffle(), "analytics", "model.jaffle_shop.orders")
    as_team = await _import(client, actors.producer_write, doc)
    [skipped] = as_team["registrations"]
    assert skipped["action"] == "skipped"
    as_admin = await _import(client, actors.admin, doc)
    [created] = as_admin["registrations"]
    assert created["action"] == "created"
    assert created["team_id"] == actors.consumer_team
    regs = (
        await client.get(
            "/api/v1/registrations",
            params={"team_id": actors.consumer_team},
            headers=actors.producer_read,
        )
    ).json()["items"]
    assert len(regs) == 1
    unknown = await _import(client, actors.admin, with_exposure(jaffle(), "nobody"))
    assert unknown["registrations"] == []


async def test_versioned_models_are_separate_assets(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    result = await _import(client, actors.producer_write, versioned(), environment="dev")
    fqns = sorted(a["fqn"] for a in result["assets"])
    assert fqns == [
        "test_project.main.dim_customers",
        "test_project.main.mart_orders_v1",
        "test_project.main.mart_orders_v2",
    ]
    assert result["environment"] == "dev"


async def test_other_teams_assets_are_linked_not_changed(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    r = await client.post(
        "/api/v1/assets",
        json={"fqn": "jaffle_shop.main.stg_orders", "owner_team_id": actors.consumer_team},
        headers=actors.consumer_write,
    )
    assert r.status_code == 201
    result = await _import(client, actors.producer_write, jaffle())
    step = next(a for a in result["assets"] if a["fqn"] == "jaffle_shop.main.stg_orders")
    assert step["action"] == "skipped"
    assert step["version"]["outcome"] == "skipped"
    skipped_edges = [e for e in result["edges"] if e["action"] == "skipped"]
    assert [e["downstream"] for e in skipped_edges] == ["jaffle_shop.main.stg_orders"]
    # orders (ours) still reads stg_orders (theirs).
    created = {(e["upstream"], e["downstream"]) for e in result["edges"]}
    assert ("jaffle_shop.main.stg_orders", "jaffle_shop.main.orders") in created


async def test_owner_team_option_and_dropped_dependency(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    result = await _import(client, actors.admin, jaffle(), owner_team="analytics")
    assert {a["owner_team_id"] for a in result["assets"]} == {actors.consumer_team}
    edited = jaffle()
    edited["nodes"]["model.jaffle_shop.orders"]["depends_on"]["nodes"].remove(
        "model.jaffle_shop.stg_payments"
    )
    again = await _import(client, actors.admin, edited, owner_team="analytics")
    assert again["edges"] == [
        {
            "upstream": "jaffle_shop.main.stg_payments",
            "downstream": "jaffle_shop.main.orders",
            "action": "deleted",
            "reason": None,
        }
    ]
