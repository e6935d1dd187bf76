from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.kit.pagination import MAX_CURSOR_INT, int_after, uuid_after
from accord.openapi import render
from accord.problems import MEDIA_TYPE
from tests.conftest import Actors


def test_committed_openapi_matches_the_code(repo_root: Path) -> None:
    committed = (repo_root / "openapi.json").read_text(encoding="utf-8")
    assert committed == render(), "openapi.json is stale: run `make openapi`"


def test_every_operation_is_documented() -> None:
    doc = json.loads(render())
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("description") or op.get("summary"), (method, path)


def _doc() -> dict[str, Any]:
    return dict(json.loads(render()))


def test_error_statuses_are_documented_where_they_can_happen() -> None:
    paths = _doc()["paths"]
    # A body can be unparsable, late, too large or too deep; a write can conflict.
    assert {"400", "408", "409", "413", "422", "503"} <= set(
        paths["/api/v1/teams"]["post"]["responses"]
    )
    # A GET reads no body and names nothing: none of those can come.
    me = set(paths["/api/v1/me"]["get"]["responses"])
    assert me == {"200", "400", "401", "403", "429", "503"}
    assert "404" in paths["/api/v1/teams/{team_id}"]["get"]["responses"]
    assert set(paths["/healthz"]["get"]["responses"]) == {"200", "400"}
    problem = paths["/api/v1/teams"]["post"]["responses"]["400"]["content"]
    assert problem == {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_cursors_declare_the_strings_the_server_accepts() -> None:
    for ops in _doc()["paths"].values():
        for op in ops.values():
            for param in op.get("parameters", []):
                if param["name"] == "cursor":
                    assert "pattern" in param["schema"], op["operationId"]
    # Any string of the pattern is a position, never a 422.
    assert uuid_after("A" * 21 + "w") is not None
    assert int_after("_" * 21 + "w") == MAX_CURSOR_INT


async def test_405_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    r = await client.request("OPTIONS", "/api/v1/teams/01a23af3-49ed-7710-903f-c40338903e44")
    assert r.status_code == 405
    assert r.headers["allow"] == "DELETE, GET, PATCH"
    r = await client.put("/api/v1/teams")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert r.headers["content-type"] == MEDIA_TYPE


@pytest.mark.parametrize("since", ["0.5", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00"])
async def test_date_time_filters_take_only_rfc3339(
    client: httpx.AsyncClient, actors: Actors, since: str
) -> None:
    r = await client.get("/api/v1/audit-events", params={"since": since}, headers=actors.admin)
    assert r.status_code == 422, r.text
    ok = await client.get(
        "/api/v1/audit-events", params={"since": "2024-05-01T12:00:00Z"}, headers=actors.admin
    )
    assert ok.status_code == 200, ok.text


def _request_slots(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every place a request puts a value: its parameters, and the properties, items and
    additional properties reachable from its JSON body (through `$ref`, anyOf...)."""
    schemas = doc["components"]["schemas"]
    found: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()

    def walk(where: str, node: Any, slot: bool = False) -> None:
        if isinstance(node, list):
            for i, each in enumerate(node):
                walk(f"{where}/{i}", each)
            return
        if not isinstance(node, dict):
            return
        if slot:
            found.append((where, node))
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(name, schemas[name])
        for name, sub in (node.get("properties") or {}).items():
            walk(f"{where}.{name}", sub, slot=True)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(f"{where}/{key}", node[key], slot=True)
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            if key in node:
                walk(f"{where}/{key}", node[key])

    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                walk(f"{method} {path} {param['name']}", param["schema"], slot=True)
            body = op.get("requestBody", {}).get("content", {})
            for media in body.values():
                walk(f"{method} {path} body", media.get("schema", {}), slot=True)
    return found


_ANNOTATIONS = frozenset({"title", "description", "default", "examples"})


def _free(schema: dict[str, Any]) -> bool:
    """Any JSON value at all (`observed`, a contract's `schema`...)."""
    return schema.keys() <= _ANNOTATIONS or any(b == {} for b in schema.get("anyOf", []))


def test_no_string_a_request_declares_admits_the_nul_character() -> None:
    """The server refuses U+0000 in every parameter and body string (422 nul_character,
    docs/security.md); the document says so wherever it declares a string, so a
    schema-valid request is not refused for it and a generated client can check it first
    (schemathesis sent `GET /api/v1/assets?q=...%00`). Free-form values (a contract's
    schema, a check's `observed`) are under the rule without a schema to say it."""
    from jsonschema import Draft202012Validator, FormatChecker

    doc = _doc()
    slots = _request_slots(doc)
    assert len(slots) > 100
    admits = [
        where
        for where, schema in slots
        if not _free(schema)
        and Draft202012Validator(
            {**schema, "components": doc["components"]}, format_checker=FormatChecker()
        ).is_valid("a\x00b")
    ]
    assert admits == [], admits
