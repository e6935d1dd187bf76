"""A table of malformed requests: each gets a 4xx problem+json, never a 500."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from accord.kit.crypto import generate_api_key
from tests.conftest import Actors

TEAMS = "/api/v1/teams"
KEYS = "/api/v1/api-keys"
EDGES = "/api/v1/lineage/edges"
LINEAGE = f"/api/v1/assets/{uuid.uuid4()}/lineage"
DBT = "/api/v1/imports/dbt"


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    status: int
    content: bytes | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    auth: bool = True


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


_bad_checksum = generate_api_key()[:-1] + ("A" if generate_api_key()[-1] != "A" else "B")

CASES: dict[str, Bad] = {
    "truncated_json": Bad("POST", TEAMS, 422, content=b'{"name": "x"'),
    "json_array_body": Bad("POST", TEAMS, 422, json=["x"]),
    "json_string_body": Bad("POST", TEAMS, 422, json="x"),
    "json_null_body": Bad("POST", TEAMS, 422, content=b"null"),
    "name_wrong_type": Bad("POST", TEAMS, 422, json={"name": 5}),
    "name_missing": Bad("POST", TEAMS, 422, json={"description": "x"}),
    "unknown_field": Bad("POST", TEAMS, 422, json={"name": "x", "colour": "red"}),
    "name_overlong": Bad("POST", TEAMS, 422, json={"name": "a" * 101}),
    "name_empty": Bad("POST", TEAMS, 422, json={"name": ""}),
    "name_control_char": Bad("POST", TEAMS, 422, json={"name": "a\x00b"}),
    "description_overlong": Bad("POST", TEAMS, 422, json={"name": "x", "description": "d" * 2001}),
    "invalid_utf8": Bad("POST", TEAMS, 422, content=b'{"name": "\xff\xfe"}'),
    "deeply_nested_json": Bad("POST", TEAMS, 422, content=_nested(100_000)),
    "huge_body": Bad("POST", TEAMS, 413, content=b'{"name": "' + b"x" * 2_000_000 + b'"}'),
    "bad_content_length": Bad("POST", TEAMS, 400, content=b"{}", headers={"content-length": "abc"}),
    "patch_wrong_type": Bad("PATCH", TEAMS + "/{team}", 422, json={"name": ["x"]}),
    "invalid_uuid_path": Bad("GET", TEAMS + "/not-a-uuid", 422),
    "unknown_uuid_path": Bad("GET", TEAMS + f"/{uuid.uuid4()}", 404),
    "limit_zero": Bad("GET", TEAMS, 422, params={"limit": "0"}),
    "limit_huge": Bad("GET", TEAMS, 422, params={"limit": "100000"}),
    "limit_not_int": Bad("GET", TEAMS, 422, params={"limit": "ten"}),
    "cursor_garbage": Bad("GET", TEAMS, 422, params={"cursor": "!!!not-base64!!!"}),
    "cursor_wrong_shape": Bad("GET", TEAMS, 422, params={"cursor": "WzEsMl0"}),
    "cursor_overlong": Bad("GET", TEAMS, 422, params={"cursor": "A" * 600}),
    "auth_basic_scheme": Bad(
        "GET", "/api/v1/me", 401, headers={"Authorization": "Basic eDp5"}, auth=False
    ),
    "auth_empty_bearer": Bad(
        "GET", "/api/v1/me", 401, headers={"Authorization": "Bearer "}, auth=False
    ),
    "auth_short_key": Bad(
        "GET", "/api/v1/me", 401, headers={"Authorization": "Bearer acd_x"}, auth=False
    ),
    "auth_bad_checksum": Bad(
        "GET", "/api/v1/me", 401, headers={"Authorization": f"Bearer {_bad_checksum}"}, auth=False
    ),
    "auth_unknown_key": Bad(
        "GET",
        "/api/v1/me",
        401,
        headers={"Authorization": f"Bearer {generate_api_key()}"},
        auth=False,
    ),
    "request_id_with_spaces": Bad("GET", "/api/v1/me", 400, headers={"X-Request-ID": "a b"}),
    "request_id_overlong": Bad("GET", "/api/v1/me", 400, headers={"X-Request-ID": "r" * 200}),
    "scopes_empty": Bad("POST", KEYS, 422, json={"name": "k", "scopes": []}),
    "scope_unknown": Bad("POST", KEYS, 422, json={"name": "k", "scopes": ["root"]}),
    "scopes_not_list": Bad("POST", KEYS, 422, json={"name": "k", "scopes": "read"}),
    "expiry_naive": Bad(
        "POST",
        KEYS,
        422,
        json={"name": "k", "scopes": ["admin"], "expires_at": "2030-01-01T00:00:00"},
    ),
    "expiry_past": Bad(
        "POST",
        KEYS,
        422,
        json={"name": "k", "scopes": ["admin"], "expires_at": "2001-01-01T00:00:00Z"},
    ),
    "expiry_not_date": Bad(
        "POST", KEYS, 422, json={"name": "k", "scopes": ["admin"], "expires_at": "soon"}
    ),
    "team_id_not_uuid": Bad(
        "POST", KEYS, 422, json={"name": "k", "scopes": ["read"], "team_id": "t1"}
    ),
    "team_id_unknown": Bad(
        "POST", KEYS, 404, json={"name": "k", "scopes": ["read"], "team_id": str(uuid.uuid4())}
    ),
    "revoke_invalid_uuid": Bad("DELETE", KEYS + "/123", 422),
    "audit_since_not_date": Bad("GET", "/api/v1/audit-events", 422, params={"since": "yesterday"}),
    "audit_since_naive": Bad(
        "GET", "/api/v1/audit-events", 422, params={"since": "2026-01-01T00:00:00"}
    ),
    "audit_filter_overlong": Bad("GET", "/api/v1/audit-events", 422, params={"action": "a" * 65}),
    "unknown_route": Bad("GET", "/api/v1/nope", 404),
    "method_not_allowed": Bad("PUT", TEAMS, 405, json={"name": "x"}),
    "text_plain_body": Bad(
        "POST", TEAMS, 422, content=b"name=x", headers={"Content-Type": "text/plain"}
    ),
    "edge_ids_not_uuid": Bad(
        "POST", EDGES, 422, json={"upstream_asset_id": "x", "downstream_asset_id": "y"}
    ),
    "edge_unknown_field": Bad(
        "POST",
        EDGES,
        422,
        json={
            "upstream_asset_id": str(uuid.uuid4()),
            "downstream_asset_id": str(uuid.uuid4()),
            "weight": 3,
        },
    ),
    "edge_kind_overlong": Bad(
        "POST",
        EDGES,
        422,
        json={
            "upstream_asset_id": str(uuid.uuid4()),
            "downstream_asset_id": str(uuid.uuid4()),
            "kind": "k" * 33,
        },
    ),
    "edge_delete_not_uuid": Bad("DELETE", EDGES + "/123", 422),
    "lineage_depth_zero": Bad("GET", LINEAGE, 422, params={"depth": "0"}),
    "lineage_depth_over_max": Bad("GET", LINEAGE, 422, params={"depth": "51"}),
    "lineage_direction_unknown": Bad("GET", LINEAGE, 422, params={"direction": "sideways"}),
    "dbt_manifest_truncated": Bad("POST", DBT, 422, content=b'{"metadata": {'),
    "dbt_manifest_wrong_version": Bad(
        "POST",
        DBT,
        422,
        json={
            "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v4.json"}
        },
    ),
    "dbt_environment_invalid": Bad("POST", DBT, 422, json={}, params={"environment": "Prod!"}),
    "import_job_id_not_uuid": Bad("GET", "/api/v1/imports/jobs/not-a-uuid", 422),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_malformed_request_gets_problem(
    client: httpx.AsyncClient, actors: Actors, name: str
) -> None:
    case = CASES[name]
    headers = {**(actors.admin if case.auth else {}), **case.headers}
    r = await client.request(
        case.method,
        case.path.format(team=actors.producer_team),
        content=case.content,
        json=case.json,
        headers=headers,
        params=case.params,
    )
    assert r.status_code == case.status, r.text[:500]
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == case.status
    assert body["code"]
    assert body["request_id"] == r.headers["x-request-id"]


def test_there_are_at_least_30_cases() -> None:
    assert len(CASES) >= 30


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "trace-123"})
    assert r.headers["x-request-id"] == "trace-123"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


async def test_rejected_write_leaves_nothing(client: httpx.AsyncClient, actors: Actors) -> None:
    before = (await client.get("/api/v1/audit-events", headers=actors.admin)).json()["items"]
    await client.post(TEAMS, json={"name": "analytics"}, headers=actors.admin)  # 409
    after = (await client.get("/api/v1/audit-events", headers=actors.admin)).json()["items"]
    assert before == after
