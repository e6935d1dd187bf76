"""Version numbering, schema validation, guarantees and idempotency on publish."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register, with_props, without

TABLE_V1: dict[str, Any] = {
    "columns": [
        {"name": "order_id", "type": "int64", "nullable": False},
        {"name": "amount", "type": "decimal(10,2)"},
        {"name": "status", "type": "varchar(16)"},
    ],
    "primary_key": ["order_id"],
}


async def test_first_version_defaults_to_1_0_0(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    r = await publish(client, actors.producer_write, asset, ORDERS_V1)
    assert r.json()["version"]["version"] == "1.0.0"


@pytest.mark.parametrize(
    ("version", "status", "code"),
    [
        ("1.0.0", 409, "version_not_increasing"),
        ("0.9.0", 409, "version_not_increasing"),
        ("1.0.1-rc.1", 201, None),
        ("2.0.0", 409, "major_bump_not_allowed"),
        ("1.2.0", 201, None),
    ],
)
async def test_numbering_of_compatible_changes(
    client: httpx.AsyncClient, actors: Actors, version: str, status: int, code: str | None
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1, version="1.0.0")
    r = await publish(
        client, actors.producer_write, asset, with_props(ORDERS_V1, x={"type": "string"}),
        version=version,
    )  # fmt: skip
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code


async def test_auto_version_after_prerelease(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1, version="1.0.0")
    await publish(
        client, actors.producer_write, asset, with_props(ORDERS_V1, a={"type": "string"}),
        version="1.1.0-beta.1",
    )  # fmt: skip
    r = await publish(
        client, actors.producer_write, asset, with_props(ORDERS_V1, b={"type": "string"})
    )
    assert r.status_code == 201
    # 1.1.0 follows 1.1.0-beta.1 in semver precedence.
    assert r.json()["version"]["version"] == "1.1.0"


async def test_breaking_change_with_minor_bump_is_409(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    r = await publish(
        client, actors.producer_write, asset, without(ORDERS_V1, "email"), version="1.1.0"
    )
    assert r.status_code == 409
    assert r.json()["code"] == "major_bump_required"


@pytest.mark.parametrize(
    ("schema", "fmt"),
    [
        ({"type": "nonsense"}, "jsonschema"),
        ({"$ref": "https://example.com/remote.json"}, "jsonschema"),
        ({"columns": []}, "table"),
        ({"columns": [{"name": "a", "type": "int33"}]}, "table"),
        ({"type": "object"}, "table"),
    ],
)
async def test_invalid_schema_is_422_and_writes_nothing(
    client: httpx.AsyncClient, actors: Actors, schema: dict[str, Any], fmt: str
) -> None:
    asset = await make_asset(client, actors)
    r = await publish(client, actors.producer_write, asset, schema, format=fmt)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_schema"
    versions = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.admin)
    assert versions.json()["items"] == []


async def test_only_owner_or_admin_publishes(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    r = await publish(client, actors.consumer_write, asset, ORDERS_V1)
    assert r.status_code == 403
    assert (await publish(client, actors.admin, asset, ORDERS_V1)).status_code == 201


async def test_table_schema_lifecycle(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    r = await publish(client, actors.producer_write, asset, TABLE_V1, format="table")
    assert r.status_code == 201, r.text
    await register(client, actors, asset)
    added = {**TABLE_V1, "columns": [*TABLE_V1["columns"], {"name": "note", "type": "string"}]}
    r = await publish(client, actors.producer_write, asset, added, format="table")
    assert r.status_code == 201, r.text
    dropped = {**added, "columns": [c for c in added["columns"] if c["name"] != "amount"]}
    r = await publish(client, actors.producer_write, asset, dropped, format="table")
    assert r.status_code == 202, r.text
    assert any("amount" in c["path"] for c in r.json()["proposal"]["breaking_changes"])


async def test_switching_format_is_breaking(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    r = await publish(client, actors.producer_write, asset, TABLE_V1, format="table")
    assert r.status_code == 201, "approved at once: nobody is registered"
    assert r.json()["auto_approved"] is True
    assert r.json()["proposal"]["breaking_changes"][0]["kind"] == "format_changed"


async def test_guarantee_relaxation_is_breaking(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    strict = {"columns": {"status": {"not_null": True, "accepted_values": ["a", "b"]}}}
    r = await publish(client, actors.producer_write, asset, ORDERS_V1, guarantees=strict)
    assert r.status_code == 201
    tighter = {"columns": {"status": {"not_null": True, "accepted_values": ["a"]}}}
    r = await publish(client, actors.producer_write, asset, ORDERS_V1, guarantees=tighter)
    assert r.status_code == 201, "tightening a guarantee is compatible"
    await register(client, actors, asset)  # someone to wait on
    for relaxed in (
        {"columns": {"status": {"accepted_values": ["a"]}}},
        {"columns": {"status": {"not_null": True, "accepted_values": ["a", "c"]}}},
        {"columns": {"status": {"not_null": True}}},
    ):
        r = await publish(client, actors.producer_write, asset, ORDERS_V1, guarantees=relaxed)
        assert r.status_code == 202, relaxed
        kinds = {c["kind"] for c in r.json()["proposal"]["breaking_changes"]}
        assert all(k.startswith("guarantee_") for k in kinds)
        await client.post(
            f"/api/v1/proposals/{r.json()['proposal']['id']}/withdraw",
            headers=actors.producer_write,
        )


async def test_invalid_guarantees_are_422(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    for bad, said in (
        ({"columns": {"a": {"min": 5, "max": 1}}}, "columns.a: min is greater than max"),
        ({"columns": {"a": {"pattern": "("}}}, "columns.a.pattern: pattern does not compile"),
        ({"columns": {"a": {"min": "5"}}}, "columns.a.min: must be a number"),
        ({"row_count": {"min": -1}}, "row_count.min: must be at least 0"),
        ({"freshness": {"column": "t"}}, "freshness.max_age_seconds: is required"),
        ({"unknown": True}, "unknown: unknown key"),
    ):
        r = await publish(client, actors.producer_write, asset, ORDERS_V1, guarantees=bad)
        assert r.status_code == 422, bad
        (error,) = r.json()["errors"]
        assert error["loc"] == ["body", "guarantees"]
        assert error["type"] == "invalid_guarantees"
        assert error["msg"].startswith(said), error


async def test_idempotency_key_replays_and_refuses_reuse(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    url = f"/api/v1/assets/{asset}/versions"
    body = {"schema": ORDERS_V1, "format": "jsonschema"}
    headers = {**actors.producer_write, "Idempotency-Key": "deploy-42"}
    first = await client.post(url, json=body, headers=headers)
    second = await client.post(url, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    other = {"schema": with_props(ORDERS_V1, z={"type": "string"}), "format": "jsonschema"}
    reused = await client.post(url, json=other, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    bad_key = await client.post(url, json=body, headers={**headers, "Idempotency-Key": "a b"})
    assert bad_key.status_code == 422


async def test_impact_is_a_dry_run(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset, fields=["status"])
    url = f"/api/v1/assets/{asset}/impact"
    drop_email = {"schema": without(ORDERS_V1, "email"), "format": "jsonschema"}
    r = await client.post(url, json=drop_email, headers=actors.consumer_write)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "published", "breaking, but it waits on nobody"
    assert body["breaking"] is True
    assert body["auto_approved"] is True
    assert body["version"] == "2.0.0"
    assert body["affected_registrations"] == []
    assert len(body["unaffected_registrations"]) == 1
    same = await client.post(
        url, json={"schema": ORDERS_V1, "format": "jsonschema"}, headers=actors.consumer_write
    )
    assert same.json()["outcome"] == "unchanged"
    versions = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.admin)
    assert len(versions.json()["items"]) == 1
    proposals = await client.get("/api/v1/proposals", headers=actors.admin)
    assert proposals.json()["items"] == []


async def test_transitive_policy_checks_every_earlier_version(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    def doc(**n: Any) -> dict[str, Any]:
        return {"type": "object", "properties": {"n": n}, "required": ["n"]}

    outcomes = {}
    for policy in ("forward", "forward_transitive"):
        asset = await make_asset(client, actors, f"{policy}.x", compatibility=policy)
        await publish(client, actors.producer_write, asset, doc(type="integer"))
        # A breaking change, shipped at once through an auto-approved proposal.
        r = await publish(client, actors.producer_write, asset, doc(type="string"))
        assert r.json()["auto_approved"] is True
        await register(client, actors, asset)  # from now on, breaking changes wait
        # Narrower than 2.0.0 (fine under forward) but never valid under 1.0.0.
        r = await publish(client, actors.producer_write, asset, doc(type="string", maxLength=5))
        outcomes[policy] = r.status_code
    assert outcomes == {"forward": 201, "forward_transitive": 202}
