"""Issue 17 items 2, 3, 5 and 6: what a publish (and its dry run, impact) means when the
request leaves something out or carries something unusual."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register, with_props, without

# Eight guarantees: a schema change that keeps them all has one breaking change, not nine.
GUARANTEES: dict[str, Any] = {
    "columns": {
        "id": {"not_null": True, "unique": True},
        "email": {"pattern": "^[^@]+@[^@]+$", "max_length": 254},
        "status": {"accepted_values": ["placed", "shipped"], "not_null": True},
    },
    "row_count": {"min": 1, "max": 1000000},
}
NO_STATUS = without(ORDERS_V1, "status")  # dropping `status` breaks under forward

TABLE: dict[str, Any] = {
    "columns": [
        {"name": "order_id", "type": "int64", "nullable": False},
        {"name": "status", "type": "varchar(16)"},
    ]
}


def _request(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"schema": schema, "format": "jsonschema", **extra}


async def _post(
    client: httpx.AsyncClient, actors: Actors, asset: str, path: str, body: dict[str, Any]
) -> httpx.Response:
    headers = actors.producer_write
    return await client.post(f"/api/v1/assets/{asset}/{path}", json=body, headers=headers)


async def _with_guarantees(client: httpx.AsyncClient, actors: Actors) -> str:
    asset = await make_asset(client, actors)
    r = await publish(client, actors.producer_write, asset, ORDERS_V1, guarantees=GUARANTEES)
    assert r.status_code == 201, r.text
    await register(client, actors, asset)
    return asset


# --- item 2: omitted guarantees are carried forward ------------------------------------


async def test_omitted_guarantees_are_carried_forward(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await _with_guarantees(client, actors)
    compatible = with_props(ORDERS_V1, note={"type": "string"})
    r = await _post(client, actors, asset, "versions", _request(compatible))
    assert r.status_code == 201, r.text
    assert r.json()["version"]["guarantees"] == GUARANTEES
    again = await _post(client, actors, asset, "versions", _request(compatible))
    assert again.json()["outcome"] == "unchanged", "same schema, same (kept) guarantees"


@pytest.mark.parametrize("path", ["versions", "impact"])
async def test_omitted_guarantees_count_only_the_schema_change(
    client: httpx.AsyncClient, actors: Actors, path: str
) -> None:
    asset = await _with_guarantees(client, actors)
    r = await _post(client, actors, asset, path, _request(ORDERS_V1))
    assert r.json()["outcome"] == "unchanged", r.text
    body = {"schema": with_props(ORDERS_V1, status={"type": "string"}), "format": "jsonschema"}
    r = await _post(client, actors, asset, path, body)
    changes = r.json()["proposal"]["breaking_changes"] if path == "versions" else (
        r.json()["breaking_changes"]
    )  # fmt: skip
    assert len(changes) == 1, changes
    assert not changes[0]["kind"].startswith("guarantee_")


@pytest.mark.parametrize("path", ["versions", "impact"])
async def test_explicit_empty_guarantees_remove_them(
    client: httpx.AsyncClient, actors: Actors, path: str
) -> None:
    asset = await _with_guarantees(client, actors)
    r = await _post(client, actors, asset, path, _request(ORDERS_V1, guarantees={}))
    assert r.status_code in (200, 202), r.text
    changes = r.json()["proposal"]["breaking_changes"] if path == "versions" else (
        r.json()["breaking_changes"]
    )  # fmt: skip
    assert len(changes) == 8, changes
    assert all(c["kind"].startswith("guarantee_") for c in changes)


async def test_carried_guarantees_on_a_dropped_field_are_a_clear_422(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await _with_guarantees(client, actors)
    r = await _post(client, actors, asset, "versions", _request(NO_STATUS))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "unknown_fields"
    assert "carried forward from version 1.0.0" in r.json()["detail"]
    assert "status" in r.json()["detail"]


# --- item 3: format detected from the document ------------------------------------------


@pytest.mark.parametrize("path", ["versions", "impact"])
async def test_omitted_format_is_detected_from_the_document(
    client: httpx.AsyncClient, actors: Actors, path: str
) -> None:
    table = await make_asset(client, actors, "warehouse.sales.table")
    js = await make_asset(client, actors, "warehouse.sales.js")
    if path == "impact":  # the dry run needs nothing published; both are first versions
        for asset in (table, js):
            r = await _post(client, actors, asset, path, {"schema": TABLE})
            assert r.status_code == 200, r.text
        return
    r = await _post(client, actors, table, path, {"schema": TABLE})
    assert r.status_code == 201, r.text
    assert r.json()["version"]["format"] == "table"
    r = await _post(client, actors, js, path, {"schema": ORDERS_V1})
    assert r.status_code == 201, r.text
    assert r.json()["version"]["format"] == "jsonschema"
    # `columns` that is not a list is a JSON Schema keyword-less property, not a table
    odd = {"type": "object", "columns": {"a": 1}}
    r = await _post(client, actors, js, path, {"schema": odd})
    assert r.json()["version"]["format"] == "jsonschema", r.text


async def test_omitted_format_matches_the_stored_one_in_impact(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, TABLE, format="table")
    r = await _post(client, actors, asset, "impact", {"schema": TABLE})
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "unchanged"


# --- item 5: an invalid version is 422 ---------------------------------------------------


@pytest.mark.parametrize("bad", ["banana", "1.0", "v1.0.0", "01.0.0", "1.0.0+build.5", ""])
@pytest.mark.parametrize("path", ["versions", "impact"])
async def test_invalid_version_is_422_naming_the_field(
    client: httpx.AsyncClient, actors: Actors, bad: str, path: str
) -> None:
    asset = await make_asset(client, actors)
    r = await _post(client, actors, asset, path, _request(ORDERS_V1, version=bad))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_version"
    assert problem["detail"].startswith("version: ")
    assert [e["loc"] for e in problem["errors"]] == [["body", "version"]]


async def test_invalid_version_when_publishing_a_proposal_is_422(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await _with_guarantees(client, actors)
    r = await _post(client, actors, asset, "versions", _request(NO_STATUS, guarantees={}))
    assert r.status_code == 202, r.text
    pid = r.json()["proposal"]["id"]
    r = await client.post(
        f"/api/v1/proposals/{pid}/publish", json={"version": "two"}, headers=actors.admin
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_version"
    assert [e["loc"] for e in r.json()["errors"]] == [["body", "version"]]


# --- item 6: integers beyond 2^53 ---------------------------------------------------------

HUGE = 18446744073709551615  # 2^64 - 1


@pytest.mark.parametrize("path", ["versions", "impact"])
async def test_integers_beyond_2_53_in_guarantees_are_accepted_exactly(
    client: httpx.AsyncClient, actors: Actors, path: str
) -> None:
    asset = await make_asset(client, actors)
    bounded = {"row_count": {"min": 0, "max": HUGE}, "columns": {"id": {"max": HUGE - 1}}}
    r = await _post(client, actors, asset, path, _request(ORDERS_V1, guarantees=bounded))
    assert r.status_code in (200, 201), r.text
    if path == "impact":
        return
    version = r.json()["version"]
    assert version["guarantees"]["row_count"]["max"] == HUGE
    assert version["guarantees"]["columns"]["id"]["max"] == HUGE - 1
    same = await _post(client, actors, asset, path, _request(ORDERS_V1, guarantees=bounded))
    assert same.json()["outcome"] == "unchanged", "hashed deterministically"
    # one apart: a different content, never the same hash
    other = {"row_count": {"min": 0, "max": HUGE - 1}, "columns": {"id": {"max": HUGE - 1}}}
    r = await _post(client, actors, asset, path, _request(ORDERS_V1, guarantees=other))
    assert r.status_code == 201, r.text
    assert r.json()["version"]["content_hash"] != version["content_hash"]
    verify = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert verify.json()["ok"] is True


async def test_integers_beyond_2_53_in_a_schema_are_accepted(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    schema = with_props(ORDERS_V1, id={"type": "integer", "maximum": HUGE})
    r = await _post(client, actors, asset, "versions", _request(schema))
    assert r.status_code == 201, r.text
    r = await _post(client, actors, asset, "impact", _request(schema))
    assert r.json()["outcome"] == "unchanged", r.text
