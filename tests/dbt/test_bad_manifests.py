"""Malformed, unsupported or oversized manifests: a clear 4xx and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from accord.app import create_app
from tests.conftest import Actors, make_settings
from tests.dbt.manifests import IMPORT, jaffle, minimal, raw
from tests.imports.helpers import wait_for_job

CASES: dict[str, tuple[bytes, int, str]] = {
    "not_json": (b'{"metadata": ', 422, "invalid_manifest"),
    "array": (b"[]", 422, "invalid_manifest"),
    "no_metadata": (raw({"nodes": {}}), 422, "invalid_manifest"),
    "catalog_not_manifest": (
        raw({"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json"}}),
        422,
        "invalid_manifest",
    ),
    "v8": (raw(minimal(8)), 422, "unsupported_manifest_version"),
    "v13": (raw(minimal(13)), 422, "unsupported_manifest_version"),
    "nodes_not_object": (
        raw({**minimal(), "nodes": ["x"]}),
        422,
        "invalid_manifest",
    ),
    "node_without_name": (
        raw(minimal(a={"name": None})),
        422,
        "invalid_manifest",
    ),
    "deeply_nested": (
        b'{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},'
        b' "nodes": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        422,
        "nesting_too_deep",  # refused by the body middleware before any parser sees it
    ),
    "same_relation_twice": (
        raw(minimal(a={"alias": "t"}, b={"alias": "t"})),
        422,
        "duplicate_fqn",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_bad_manifest_is_a_problem_and_writes_nothing(
    client: httpx.AsyncClient, actors: Actors, name: str
) -> None:
    body, status, code = CASES[name]
    before = (await client.get("/api/v1/audit-events/verify", headers=actors.admin)).json()
    r = await client.post(IMPORT, content=body, headers=actors.producer_write)
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == code
    after = (await client.get("/api/v1/audit-events/verify", headers=actors.admin)).json()
    assert after["head_seq"] == before["head_seq"]


async def test_failure_midway_rolls_everything_back(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    # The second model names a team the caller cannot act for: 403, nothing kept.
    doc = minimal(a={}, b={"meta": {"owner": "analytics"}})
    r = await client.post(IMPORT, content=raw(doc), headers=actors.producer_write)
    assert r.status_code == 403, r.text
    assert (await client.get("/api/v1/assets", headers=actors.admin)).json()["items"] == []


async def test_admin_needs_an_owner_team(client: httpx.AsyncClient, actors: Actors) -> None:
    r = await client.post(IMPORT, content=raw(minimal(a={})), headers=actors.admin)
    assert r.status_code == 422
    assert r.json()["code"] == "owner_team_required"
    r = await client.post(
        IMPORT, content=raw(minimal(a={})), headers=actors.admin, params={"owner_team": "nope"}
    )
    assert r.status_code == 404


async def test_manifest_limit_is_separate_from_the_body_limit(
    database_url: str, actors: Actors, app: FastAPI
) -> None:
    settings = make_settings(database_url, max_manifest_bytes=200_000)
    small = create_app(settings, run_startup_checks=False)
    async with small.router.lifespan_context(small):
        transport = httpx.ASGITransport(app=small)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            big = raw(jaffle())  # ~630 KB: over this manifest limit, under 1 MiB
            r = await c.post(IMPORT, content=big, headers=actors.producer_write)
            assert r.status_code == 413
            assert r.json()["code"] == "payload_too_large"
            # Elsewhere the ordinary 1 MiB limit still applies.
            r = await c.post("/api/v1/teams", content=b"x" * 1_100_000, headers=actors.admin)
            assert r.status_code == 413
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        over_mib: dict[str, Any] = jaffle()
        over_mib["docs"] = {"padding": "x" * 1_200_000}
        r = await c.post(IMPORT, content=raw(over_mib), headers=actors.producer_write)
        assert r.status_code == 202, r.text[:300]
        job = await wait_for_job(c, actors.producer_write, r.json()["id"])
        assert job["status"] == "succeeded", job["error"]


@pytest.mark.parametrize(
    ("spelled", "named"),
    [
        (b"NaN", "NaN, which is not a JSON number"),
        (b"1e400", "1e400, a number beyond the range of a double"),
        (b'"\\udc00"', "\\udc00, half of a UTF-16 surrogate pair"),
        (b'"a\\u0000"', "\\u0000, the NUL character"),  # PostgreSQL cannot store it
    ],
)
@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream"])
async def test_a_manifest_holding_what_json_cannot_is_refused(
    client: httpx.AsyncClient, actors: Actors, spelled: bytes, named: str, content_type: str
) -> None:
    """The body middleware scans JSON bodies only; sent as any other type, the manifest
    reached its own parser, which read these (into a column's metadata, say) as well."""
    doc = raw(minimal(a={"meta": {"x": "PLACEHOLDER"}}))
    body = doc.replace(b'"PLACEHOLDER"', spelled)
    before = (await client.get("/api/v1/audit-events/verify", headers=actors.admin)).json()
    for dry_run in ("true", "false"):
        r = await client.post(
            IMPORT,
            content=body,
            params={"dry_run": dry_run},
            headers={**actors.producer_write, "content-type": content_type},
        )
        assert r.status_code == 422, r.text[:300]
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] in ("invalid_json", "invalid_manifest", "nul_character")
        assert named in r.json()["detail"]
    after = (await client.get("/api/v1/audit-events/verify", headers=actors.admin)).json()
    assert after["head_seq"] == before["head_seq"]
    assert (await client.get("/api/v1/assets", headers=actors.admin)).json()["items"] == []
