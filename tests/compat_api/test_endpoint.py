from __future__ import annotations

import httpx
import pytest

from tests.conftest import Actors


async def test_check_reports_verdicts_and_witnesses(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    r = await client.post(
        "/api/v1/compat/check",
        json={"old": {"type": "integer"}, "new": {"type": "number"}, "mode": "backward"},
        headers=actors.producer_read,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["compatible"] is True
    assert body["verdicts"]["forward"]["outcome"] == "incompatible"
    assert body["witnesses"][0]["valid_under"] == "new"


async def test_transitive_history(client: httpx.AsyncClient, actors: Actors) -> None:
    r = await client.post(
        "/api/v1/compat/check",
        json={
            "history": [{"type": "integer"}, {"type": "number"}],
            "new": {"type": "number"},
            "mode": "forward_transitive",
        },
        headers=actors.producer_read,
    )
    assert r.json()["compatible"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"new": {"type": "string"}},
        {"old": {}, "history": [{}], "new": {}},
        {"history": [], "new": {}},
        {"old": {"type": "nonsense"}, "new": {}},
        {"old": {"$ref": "https://evil.example/s.json"}, "new": {}},
        {"old": {}, "new": {}, "mode": "sideways"},
        {"old": {}, "new": {}, "content_model": "loose"},
    ],
)
async def test_bad_requests_are_422(
    client: httpx.AsyncClient, actors: Actors, body: dict[str, object]
) -> None:
    r = await client.post("/api/v1/compat/check", json=body, headers=actors.producer_read)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


async def test_needs_a_key(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/compat/check", json={"old": {}, "new": {}})
    assert r.status_code == 401


async def test_a_dialect_reads_schemas_without_schema_in_that_draft(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    body = {"old": {"type": "array", "contains": {"type": "integer"}}, "new": {"type": "array"}}
    r = await client.post("/api/v1/compat/check", json=body, headers=actors.producer_read)
    assert r.json()["compatible"] is False
    body["dialect"] = "draft-04"
    r = await client.post("/api/v1/compat/check", json=body, headers=actors.producer_read)
    assert r.status_code == 200, r.text
    assert r.json()["compatible"] is True
    body["dialect"] = "draft-5"
    r = await client.post("/api/v1/compat/check", json=body, headers=actors.producer_read)
    assert r.status_code == 422


async def test_a_boolean_schema_read_as_draft_04_is_judged_not_500(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """schemathesis: `{"old": {...}, "new": false, "dialect": "draft-04"}` answered 500."""
    r = await client.post(
        "/api/v1/compat/check",
        json={"old": {"type": "object"}, "new": False, "dialect": "draft-04", "mode": "backward"},
        headers=actors.producer_read,
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdicts"]["backward"]["outcome"] == "incompatible", r.text
