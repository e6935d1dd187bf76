"""Issue 16: an asset's default JSON Schema draft (`dialect`) and whether `format` /
`contentEncoding` / `contentMediaType` changes can break it (`annotations`), through HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset, publish, register

# draft-04 has no `contains`: dropping it changes nothing there, and relaxes 2020-12
WITH_CONTAINS: dict[str, Any] = {
    "type": "object",
    "properties": {"tags": {"type": "array", "contains": {"type": "integer"}}},
}
WITHOUT_CONTAINS: dict[str, Any] = {
    "type": "object",
    "properties": {"tags": {"type": "array"}},
}
DATED: dict[str, Any] = {
    "type": "object",
    "properties": {"day": {"type": "string", "format": "date"}},
    "required": ["day"],
}
UNDATED: dict[str, Any] = {
    "type": "object",
    "properties": {"day": {"type": "string"}},
    "required": ["day"],
}


async def _asset(client: httpx.AsyncClient, actors: Actors, fqn: str, **extra: Any) -> str:
    asset = await make_asset(client, actors, fqn, **extra)
    r = await register(client, actors, asset)
    assert r.status_code == 201, r.text
    return asset


async def test_an_asset_reads_schemas_without_schema_in_its_own_draft(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    inferred = await _asset(client, actors, "lake.tags_inferred")
    draft4 = await _asset(client, actors, "lake.tags_draft4", dialect="draft-04")
    for asset in (inferred, draft4):
        r = await publish(client, actors.producer_write, asset, WITH_CONTAINS)
        assert r.status_code == 201, r.text
    relaxed = await publish(client, actors.producer_write, inferred, WITHOUT_CONTAINS)
    assert relaxed.status_code == 202, relaxed.text  # forward: old readers may get no integer
    same = await publish(client, actors.producer_write, draft4, WITHOUT_CONTAINS)
    assert same.status_code == 201, same.text
    assert same.json()["outcome"] == "published"
    shown = await client.get(f"/api/v1/assets/{draft4}", headers=actors.producer_read)
    assert shown.json()["dialect"] == "draft-04"
    assert shown.json()["annotations"] == "assert"


async def test_the_dialect_can_be_changed_cleared_and_must_name_a_draft(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors, "lake.dialects")
    url = f"/api/v1/assets/{asset}"
    r = await client.patch(url, json={"dialect": "draft-07"}, headers=actors.producer_write)
    assert r.status_code == 200, r.text
    assert r.json()["dialect"] == "draft-07"
    r = await client.patch(url, json={"description": "x"}, headers=actors.producer_write)
    assert r.json()["dialect"] == "draft-07"  # left alone when not given
    r = await client.patch(url, json={"dialect": None}, headers=actors.producer_write)
    assert r.json()["dialect"] is None
    r = await client.patch(url, json={"dialect": "draft-99"}, headers=actors.producer_write)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "draft-07" in r.text


async def test_a_format_change_breaks_with_a_witness_when_annotations_are_asserted(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await _asset(client, actors, "lake.days")
    await publish(client, actors.producer_write, asset, DATED)
    r = await publish(client, actors.producer_write, asset, UNDATED)
    assert r.status_code == 202, r.text
    proposal = r.json()["proposal"]
    kinds = {c["kind"]: c["path"] for c in proposal["breaking_changes"]}
    assert kinds == {"format_removed": "/properties/day/format"}
    [witness] = proposal["witnesses"]
    assert witness["valid_under"] == "new"  # a day that is no date: old readers choke
    assert witness["path"] == "/day"


async def test_annotations_that_only_annotate_never_break_and_need_an_admin(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    r = await client.post(
        "/api/v1/assets",
        json={"fqn": "lake.loose_days", "owner_team_id": actors.producer_team,
              "annotations": "annotate"},
        headers=actors.producer_write,
    )  # fmt: skip
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "policy_loosening_requires_admin"
    asset = await make_asset(client, actors, "lake.loose_days", annotations="assert")
    url = f"/api/v1/assets/{asset}"
    r = await client.patch(url, json={"annotations": "annotate"}, headers=actors.producer_write)
    assert r.status_code == 403
    r = await client.patch(url, json={"annotations": "annotate"}, headers=actors.admin)
    assert r.status_code == 200, r.text
    events = await client.get(
        "/api/v1/audit-events", params={"action": "asset.policy_loosened"}, headers=actors.admin
    )
    assert asset in [e["entity_id"] for e in events.json()["items"]], events.text
    await register(client, actors, asset)
    await publish(client, actors.producer_write, asset, DATED)
    r = await publish(client, actors.producer_write, asset, UNDATED)
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "published"
    back = await client.patch(url, json={"annotations": "assert"}, headers=actors.producer_write)
    assert back.status_code == 200  # tightening is the owner's to do


async def test_the_diff_reads_versions_as_the_asset_does(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors, "lake.diffed", dialect="draft-04")
    await publish(client, actors.producer_write, asset, WITH_CONTAINS)
    await client.patch(
        f"/api/v1/assets/{asset}", json={"dialect": None}, headers=actors.producer_write
    )
    r = await publish(client, actors.producer_write, asset, WITHOUT_CONTAINS)
    # breaking once inferred as 2020-12 (approved at once: nobody is registered)
    assert r.status_code == 201, r.text
    assert r.json()["auto_approved"] is True
    to = r.json()["proposal"]["published_version"]
    diff = await client.get(
        f"/api/v1/assets/{asset}/diff",
        params={"from": "1.0.0", "to": to},
        headers=actors.producer_read,
    )
    assert diff.status_code == 200, diff.text
    assert any(c["kind"] == "contains_removed" for c in diff.json()["changes"])
    await client.patch(
        f"/api/v1/assets/{asset}", json={"dialect": "draft-04"}, headers=actors.producer_write
    )
    again = await client.get(
        f"/api/v1/assets/{asset}/diff",
        params={"from": "1.0.0", "to": to},
        headers=actors.producer_read,
    )
    assert not any(c["kind"].startswith("contains") for c in again.json()["changes"])
