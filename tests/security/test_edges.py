"""Issue 14, holes 11 and 12: browser and client hygiene; defaults and edges.

Reported: no security headers; CORS allowed every method and header; `openapi.json`
declared no security scheme (generated clients sent no credential); `/docs` could not be
turned off; the default key pepper was accepted on a non-loopback bind outside
production; a cursor holding 10**30 and `metadata` nested 900 deep were 500s without a
request id.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from accord.app import create_app
from accord.config import Settings
from tests.conftest import Actors, make_settings
from tests.lifecycle_helpers import make_asset, publish

ROOT = Path(__file__).resolve().parents[2]


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _nested(levels: int) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    cur = doc
    for _ in range(levels - 1):
        cur["a"] = {}
        cur = cur["a"]
    return doc


async def test_every_response_carries_the_security_headers(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    for r in (
        await client.get("/healthz"),
        await client.get("/api/v1/me", headers=actors.admin),
        await client.get("/api/v1/me"),  # 401
        await client.get("/api/v1/nope", headers=actors.admin),  # 404
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in r.headers  # not told it is behind HTTPS
    api = await client.get("/api/v1/me", headers=actors.admin)
    assert api.headers["cache-control"] == "no-store"


async def _app(database_url: str, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(make_settings(database_url, **overrides), run_startup_checks=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def test_hsts_when_served_over_https(database_url: str, engine: object) -> None:
    async for c in _app(database_url, https=True):
        r = await c.get("/healthz")
        assert r.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_cors_allows_only_what_the_api_uses(database_url: str, engine: object) -> None:
    async for c in _app(database_url, cors_origins=["https://ui.example"]):
        ok = await c.options(
            "/api/v1/me",
            headers={
                "Origin": "https://ui.example",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert ok.status_code == 200
        allowed = ok.headers["access-control-allow-methods"]
        assert "PUT" not in allowed
        assert "TRACE" not in allowed
        for method, headers in (("PUT", "authorization"), ("GET", "x-evil")):
            refused = await c.options(
                "/api/v1/me",
                headers={
                    "Origin": "https://ui.example",
                    "Access-Control-Request-Method": method,
                    "Access-Control-Request-Headers": headers,
                },
            )
            assert refused.status_code == 400, (method, headers)
        stranger = await c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers


async def test_openapi_declares_bearer_auth_on_every_protected_operation(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    [(name, scheme)] = schemes.items()
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            protected = path.startswith("/api/")
            declared = [list(s) for s in op.get("security", [])]
            assert declared == ([[name]] if protected else []), (method, path)


async def test_docs_can_be_turned_off(database_url: str, engine: object) -> None:
    async for c in _app(database_url, docs_enabled=False):
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await c.get(path)).status_code == 404, path


def test_docs_are_off_by_default_in_production() -> None:
    prod = Settings(environment="production", key_pepper="p" * 40)  # type: ignore[arg-type]
    assert prod.docs_served is False
    assert Settings(_env_file=None).docs_served is True


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "accord.internal"])
def test_default_pepper_is_refused_on_a_non_loopback_bind(host: str) -> None:
    for env in ("development", "test"):
        with pytest.raises(ValidationError, match="ACCORD_KEY_PEPPER"):
            Settings(environment=env, host=host)  # type: ignore[arg-type]
    Settings(environment="development", host=host, key_pepper="p" * 40)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_default_pepper_is_fine_on_loopback(host: str) -> None:
    Settings(environment="development", host=host)  # type: ignore[arg-type]


def test_serve_refuses_the_default_pepper_on_a_public_bind(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env["ACCORD_DATA_DIR"] = str(tmp_path)
    accord = Path(sys.executable).with_name("accord")
    done = subprocess.run(
        [str(accord), "serve", "--host", "0.0.0.0", "--port", "18599"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "ACCORD_KEY_PEPPER" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/api/v1/audit-events", [10**30]),
        ("/api/v1/audit-events", [-1]),
        ("/api/v1/audit-events", [2**63]),
        ("/api/v1/assets/{asset}/versions", [10**30]),
        ("/api/v1/assets/{asset}/lineage", [10**30, "01a23af3-49ed-7710-903f-c40338903e44"]),
    ],
)
async def test_out_of_range_cursors_are_422(
    client: httpx.AsyncClient, actors: Actors, path: str, cursor: list[Any]
) -> None:
    asset = await make_asset(client, actors)
    r = await client.get(
        path.format(asset=asset), params={"cursor": _cursor(cursor)}, headers=actors.admin
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_cursor"


async def test_deeply_nested_bodies_are_422_not_500(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    r = await client.post(
        "/api/v1/assets",
        json={"fqn": "a.b", "owner_team_id": actors.producer_team, "metadata": _nested(900)},
        headers=actors.admin,
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "nesting_too_deep"
    assert r.json()["request_id"] == r.headers["x-request-id"]
    check = await client.post(
        "/api/v1/compat/check",
        json={"old": _nested(500), "new": {"type": "object"}},
        headers=actors.admin,
    )
    assert check.status_code == 422
    # Within the limit it is an ordinary request.
    ok = await client.post(
        "/api/v1/assets",
        json={"fqn": "a.c", "owner_team_id": actors.producer_team, "metadata": _nested(40)},
        headers=actors.admin,
    )
    assert ok.status_code == 201, ok.text


async def test_an_unexpected_error_is_a_500_with_its_request_id(
    database_url: str, engine: object
) -> None:
    app = create_app(make_settings(database_url), run_startup_checks=False)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaboom")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.get("/boom", headers={"X-Request-ID": "trace-me-123"})
    assert r.status_code == 500
    assert r.headers["x-request-id"] == "trace-me-123"
    body = r.json()
    assert body["request_id"] == "trace-me-123"
    assert body["code"] == "internal_error"
    assert "kaboom" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


async def _refused_schema(
    client: httpx.AsyncClient, actors: Actors, schema: bytes, named: str
) -> tuple[str, dict[str, str]]:
    """A new asset, and ``schema`` refused as ``invalid_json`` naming ``named``, both as a
    version and in a compatibility check, with no version written. Returns the asset id and
    the JSON headers, for what the caller publishes next."""
    made = await client.post(
        "/api/v1/assets",
        json={"fqn": f"a.refused{uuid.uuid4().hex[:8]}", "owner_team_id": actors.producer_team},
        headers=actors.producer_write,
    )
    asset = made.json()["id"]
    json_headers = {**actors.producer_write, "content-type": "application/json"}
    r = await _publish_raw(client, asset, schema, json_headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "invalid_json"
    assert named in r.json()["detail"]
    versions = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.producer_write)
    assert versions.json()["items"] == []
    check = await client.post(
        "/api/v1/compat/check",
        content=b'{"old":{"type":"object"},"new":' + schema + b"}",
        headers=json_headers,
    )
    assert (check.status_code, check.json()["code"]) == (422, "invalid_json")
    return asset, json_headers


async def _publish_raw(
    client: httpx.AsyncClient, asset: str, schema: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/assets/{asset}/versions",
        content=b'{"format":"jsonschema","schema":' + schema + b"}",
        headers=headers,
    )


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity"])
async def test_nan_and_infinity_in_a_body_are_422_not_500(
    client: httpx.AsyncClient, actors: Actors, token: bytes
) -> None:
    """Python's JSON parser accepts these, JSON does not: a schema holding one reached the
    content hash (RFC 8785 has no NaN) and answered 500. Refused as a body, with nothing
    written; the same words inside strings are text like any other."""
    schema = b'{"type":"object","properties":{"a":{"type":"number","maximum":%s}}}' % token
    asset, headers = await _refused_schema(client, actors, schema, token.decode().lstrip("-"))
    worded = b'{"type":"object","description":"NaN, Infinity and -Infinity \\" NaN"}'
    ok = await _publish_raw(client, asset, worded, headers)
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (b"1e400", "1e400"),
        (b"-1e400", "-1e400"),
        (b"1" + b"0" * 400 + b".5", "beyond the range of a double"),
        (b"9" * 5000, "an integer of 5000 digits"),
        (b'"\\ud800"', "\\ud800"),
        (b'"\\ud83d\\u0041"', "\\ud83d"),
    ],
)
async def test_values_python_reads_but_json_cannot_hold_are_422_not_500(
    client: httpx.AsyncClient, actors: Actors, value: bytes, named: str
) -> None:
    """A number past a double's range became ``inf`` and half a surrogate pair a string
    that no UTF-8 text holds: both reached the content hash and answered 500 (an integer
    of more than 4300 digits was a 400 that named nothing). Refused with what and where,
    nothing written; in-range numbers and whole pairs still publish."""
    schema = b'{"type":"object","properties":{"a":{"type":"number","default":%s}}}' % value
    asset, headers = await _refused_schema(client, actors, schema, named)
    fine = b'{"type":"object","description":"\\ud83d\\ude00 1e400","maximum":1e308}'
    ok = await _publish_raw(client, asset, fine, headers)
    assert ok.status_code == 201, ok.text
    assert ok.json()["version"]["schema"]["description"] == "\U0001f600 1e400"


async def test_a_nul_character_is_422_on_every_backend(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """PostgreSQL's text and jsonb cannot hold U+0000: a schema, a description or a query
    parameter holding one answered 500 there, while SQLite stored it. Refused on both,
    so what publishes on one backend publishes on the other; a pattern can still spell
    the character as a regex escape (the JSON text ``\\\\u0000``)."""
    made = await client.post(
        "/api/v1/assets",
        json={"fqn": "a.nul", "owner_team_id": actors.producer_team},
        headers=actors.producer_write,
    )
    asset = made.json()["id"]
    url = f"/api/v1/assets/{asset}/versions"
    headers = {**actors.producer_write, "content-type": "application/json"}
    bodies = [
        b'{"format":"jsonschema","schema":{"type":"string","description":"a\\u0000b"}}',
        b'{"format":"jsonschema","schema":{"type":"object","properties":{"\\u0000":{}}}}',
        b'{"format":"table","schema":{"name":"t","columns":[{"name":"a","type":"string",'
        b'"description":"\\u0000"}]}}',
    ]
    for body in bodies:
        r = await client.post(url, content=body, headers=headers)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "nul_character"
        assert "\\u0000" in r.json()["detail"]
    versions = await client.get(url, headers=actors.producer_write)
    assert versions.json()["items"] == []
    check = await client.post(
        "/api/v1/compat/check",
        content=b'{"old":{"type":"string"},"new":{"type":"string","const":"\\u0000"}}',
        headers=headers,
    )
    assert (check.status_code, check.json()["code"]) == (422, "nul_character")
    for query in ("tag=%00", "q=a%00b", "environment=%00", "owner_team=x%00"):
        r = await client.get(f"/api/v1/assets?{query}", headers=actors.producer_write)
        assert r.status_code == 422, (query, r.text)
        assert r.json()["code"] == "nul_character"
        assert "%00" in r.json()["detail"]
    escaped = b'{"format":"jsonschema","schema":{"type":"string","pattern":"^[^\\\\u0000]*$"}}'
    ok = await client.post(url, content=escaped, headers=headers)
    assert ok.status_code == 201, ok.text
    assert ok.json()["version"]["schema"]["pattern"] == "^[^\\u0000]*$"
    assert (await client.get("/api/v1/assets?q=a%2500", headers=actors.producer_write)).is_success


async def test_size_bounds_too_large_to_build_a_witness_are_judged_not_500(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """``varchar(10**40)`` changed made the engine build a witness string of that length
    (an OverflowError, so a 500); ``maxLength: 2 * 10**8`` built 200 MB strings. Such a
    change is judged undecided (breaking, so not published as compatible) and answered."""
    huge = 10**40
    check = await client.post(
        "/api/v1/compat/check",
        json={
            "old": {"type": "string", "maxLength": huge},
            "new": {"type": "string", "maxLength": huge - 1},
            "mode": "backward",
        },
        headers=actors.producer_write,
    )
    assert check.status_code == 200, check.text
    assert check.json()["verdicts"]["backward"]["outcome"] == "undecided"
    made = await client.post(
        "/api/v1/assets",
        json={"fqn": "a.huge", "owner_team_id": actors.producer_team},
        headers=actors.producer_write,
    )
    url = f"/api/v1/assets/{made.json()['id']}/versions"
    for size in (huge - 1, huge):  # widened: breaking under the default policy (forward)
        column = {"name": "a", "type": f"varchar({size})"}
        r = await client.post(
            url,
            json={"format": "table", "schema": {"name": "t", "columns": [column]}},
            headers=actors.producer_write,
        )
        assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "published"
    assert r.json()["version"]["version"] == "2.0.0"  # undecided: breaking


@pytest.mark.parametrize(
    ("moment", "named"),
    [("9999-12-31T23:59:59-23:59", "after 9999"), ("0001-01-01T00:00:00+00:01", "before 0001")],
)
async def test_a_date_time_past_the_calendar_in_utc_is_422_not_500(
    client: httpx.AsyncClient, actors: Actors, moment: str, named: str
) -> None:
    """``9999-12-31T23:59:59-23:59`` is RFC 3339 and a valid offset, but in UTC it falls in
    the year 10000, which no stored timestamp holds: a filter or an expiry of it answered
    500. Refused wherever a date-time is taken, saying why."""
    quoted = moment.replace("+", "%2B")
    asset = await make_asset(client, actors, "a.far")
    for path, words in (
        ("/api/v1/audit-events", ("since", "until")),
        (f"/api/v1/assets/{asset}/validation-runs", ("since", "until")),
        (f"/api/v1/assets/{asset}/validation-runs/trend", ("since",)),
    ):
        for word in words:
            r = await client.get(f"{path}?{word}={quoted}", headers=actors.admin)
            assert r.status_code == 422, (path, word, r.text)
            assert named in r.json()["detail"], r.text
    key = await client.post(
        "/api/v1/api-keys",
        json={"name": "far", "team_id": actors.producer_team, "scopes": ["read"],
              "expires_at": moment},
        headers=actors.admin,
    )  # fmt: skip
    assert key.status_code == 422, key.text
    assert named in key.json()["detail"], key.text
    replay = await client.post(
        "/api/v1/dead-letters/replay",
        json={"reason": "far away", "since": moment},
        headers=actors.admin,
    )
    assert replay.status_code == 422, replay.text
    assert named in replay.json()["detail"], replay.text


async def _published_asset(client: httpx.AsyncClient, actors: Actors, fqn: str) -> str:
    """An asset with version 1.0.0 of an object schema."""
    asset = await make_asset(client, actors, fqn)
    published = await publish(
        client, actors.producer_write, asset, {"type": "object"}, version="1.0.0"
    )
    assert published.status_code == 201, published.text
    return asset


def _int_cursor(value: int, size: int = 16) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(size, "big")).decode().rstrip("=")


@pytest.mark.parametrize("position", [2**31, 2**31 + 5, 2**63 - 1, 2**100])
async def test_a_version_cursor_past_every_row_is_an_empty_page_on_every_backend(
    client: httpx.AsyncClient, actors: Actors, position: int
) -> None:
    """Every cursor of the declared pattern is a position (kit/pagination.py). Versions are
    numbered in a 32-bit column: on PostgreSQL a position past 2**31 - 1 was bound as an
    INTEGER parameter and answered 500 (schemathesis: ``cursor=000000000000000000000A``)."""
    asset = await _published_asset(client, actors, "a.paged")
    r = await client.get(
        f"/api/v1/assets/{asset}/versions",
        params={"cursor": _int_cursor(position)},
        headers=actors.admin,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("distance", [2**31, 3_545_052_371, 2**32 - 1])
async def test_a_lineage_cursor_past_every_distance_is_an_empty_page_on_every_backend(
    client: httpx.AsyncClient, actors: Actors, distance: int
) -> None:
    """The closure's cursor holds a 4-byte distance, compared with a 32-bit one: on
    PostgreSQL a distance past 2**31 - 1 answered 500."""
    up = await make_asset(client, actors, "a.up")
    down = await make_asset(client, actors, "a.down")
    edge = await client.post(
        "/api/v1/lineage/edges",
        json={"upstream_asset_id": up, "downstream_asset_id": down},
        headers=actors.admin,
    )
    assert edge.status_code == 201, edge.text
    cursor = (
        base64.urlsafe_b64encode(distance.to_bytes(4, "big") + uuid.UUID(int=0).bytes)
        .decode()
        .rstrip("=")
    )
    for asset, direction in ((up, "downstream"), (down, "upstream")):
        r = await client.get(
            f"/api/v1/assets/{asset}/lineage",
            params={"cursor": cursor, "direction": direction},
            headers=actors.admin,
        )
        assert r.status_code == 200, r.text
        assert r.json()["items"] == [], r.text
        assert r.json()["next_cursor"] is None, r.text


async def test_a_validation_run_over_billions_of_rows_is_recorded_on_every_backend(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """A warehouse table holds more than 2**31 rows: the run's `row_count` was a 32-bit
    column (500 on PostgreSQL). Counts past a 64-bit integer, which no table holds and no
    database column stores (500 on SQLite too), are 422 naming the field."""
    asset = await _published_asset(client, actors, "a.huge")
    url = f"/api/v1/assets/{asset}/validation-runs"
    rows = 3_000_000_000_000

    def report(row_count: int, failed: int) -> dict[str, Any]:
        return {
            "source": "warehouse.events", "version": "1.0.0", "row_count": row_count,
            "checks": [{"id": "not_null:id", "kind": "not_null", "status": "fail",
                        "failed_rows": failed, "total_rows": row_count}],
        }  # fmt: skip

    r = await client.post(url, json=report(rows, 2**40), headers=actors.producer_write)
    assert r.status_code == 201, r.text
    again = await client.get(f"{url}/{r.json()['id']}", headers=actors.admin)
    assert again.status_code == 200, again.text
    assert again.json()["row_count"] == rows
    assert again.json()["checks"][0]["failed_rows"] == 2**40
    for field, body in (
        ("row_count", report(2**63, 0)),
        ("failed_rows", report(rows, 2**63)),
    ):
        bad = await client.post(url, json=body, headers=actors.producer_write)
        assert bad.status_code == 422, bad.text
        assert field in bad.text, bad.text
    tall = report(rows, 0)
    tall["checks"][0]["total_rows"] = 2**64
    bad = await client.post(url, json=tall, headers=actors.producer_write)
    assert bad.status_code == 422, bad.text
    assert "total_rows" in bad.text, bad.text
    listed = await client.get(url, headers=actors.admin)
    assert len(listed.json()["items"]) == 1, "a refused report wrote nothing"
