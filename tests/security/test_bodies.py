"""Issue 14, hole 7: bodies buffered in memory before authentication.

Reported: three unauthenticated 60 MB posts to `/api/v1/imports/dbt` lifted the server
from 119 to 295 MB. Now the caller is authenticated from its headers first; without a
valid key at most 64 KiB is read; the large limit is for authenticated write calls only;
a body must arrive in time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from accord.app import create_app
from tests.conftest import Actors, make_settings

DBT = "/api/v1/imports/dbt"


class _Counting:
    """A request body that counts how much of it the server pulled."""

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.size, self.chunk, self.sent = size, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.size:
            part = b" " * min(self.chunk, self.size - self.sent)
            self.sent += len(part)
            yield part


async def test_unauthenticated_large_body_is_refused_before_it_is_read(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    declared = await client.post(DBT, content=b"{}", headers={"Content-Length": str(60 * 2**20)})
    assert declared.status_code == 413
    assert "before authentication" in declared.json()["detail"]
    body = _Counting(60 * 2**20)
    streamed = await client.post(DBT, content=body, headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert body.sent <= 64 * 1024 + body.chunk  # read no further than the limit
    bad_key = _Counting(60 * 2**20)
    r = await client.post(
        DBT, content=bad_key, headers={"Authorization": "Bearer acd_not_a_real_key"}
    )
    assert r.status_code == 413
    assert bad_key.sent <= 64 * 1024 + bad_key.chunk


async def test_small_unauthenticated_body_still_gets_the_401(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/teams", json={"name": "x"})
    assert r.status_code == 401


async def test_large_limit_only_for_authenticated_write_calls(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    big = b'{"metadata": {"generated_at": "' + b"x" * (2 * 2**20) + b'"}}'
    read_only = await client.post(DBT, content=big, headers=actors.producer_read)
    assert read_only.status_code == 413  # a read key gets the ordinary 1 MiB
    writer = await client.post(DBT, content=big, headers=actors.producer_write)
    assert writer.status_code == 422, writer.text  # read whole, then refused as a manifest
    elsewhere = await client.post(
        "/api/v1/assets", content=big, headers={**actors.admin, "Content-Type": "application/json"}
    )
    assert elsewhere.status_code == 413  # the manifest limit is for the import only


async def _slow_app(database_url: str, **overrides: Any) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(database_url, **overrides), run_startup_checks=False)
    async with app.router.lifespan_context(app):
        yield app


async def test_a_body_that_does_not_arrive_in_time_is_408(
    database_url: str, engine: object, actors: Actors
) -> None:
    async for app in _slow_app(database_url, body_read_timeout_s=0.2):

        async def trickle() -> AsyncIterator[bytes]:
            yield b'{"name": '
            await asyncio.sleep(5)
            yield b'"late"}'

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/api/v1/teams", content=trickle(), headers=actors.admin)
        assert r.status_code == 408
        assert r.json()["code"] == "request_timeout"


async def test_large_authenticated_bodies_are_spooled_and_replayed_whole(
    database_url: str, engine: object, actors: Actors
) -> None:
    """Above the spool size the body goes to a temporary file; the app still reads it all."""
    async for app in _slow_app(database_url, upload_spool_bytes=1024):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            meta = {f"k{i}": "v" * 100 for i in range(100)}  # ~11 KB, over the spool size
            r = await c.post(
                "/api/v1/assets",
                json={"fqn": "spooled.x", "owner_team_id": actors.producer_team, "metadata": meta},
                headers=actors.admin,
            )
        assert r.status_code == 201, r.text
        assert r.json()["metadata"] == meta
