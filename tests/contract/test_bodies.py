"""Published versions' bodies, kept once made (contract/bodies.py): the same answer as
the model gives, and never a way round who may see a version."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.app import create_app
from accord.contract.bodies import VersionBodies, VisibleVersions, generation
from accord.db import session_scope
from accord.kit import invalidation
from accord.models import Asset
from tests.conftest import Actors, make_actors, make_settings
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish


async def _published(client: httpx.AsyncClient, actors: Actors) -> tuple[str, dict[str, object]]:
    asset_id = await make_asset(client, actors)
    r = await publish(
        client, actors.producer_write, asset_id, ORDERS_V1, version="1.0.0",
        guarantees={"freshness": {"column": "id", "max_age_seconds": 3600}},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return asset_id, r.json()["version"]


async def test_a_kept_body_is_what_the_publish_answered(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset_id, published = await _published(client, actors)
    url = f"/api/v1/assets/{asset_id}/versions/1.0.0"
    first = await client.get(url, headers=actors.producer_read)
    again = await client.get(url, headers=actors.consumer_write)
    assert first.status_code == again.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.json() == again.json() == published
    assert first.content == again.content


async def test_a_deleted_asset_hides_its_kept_versions_at_once(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset_id, _ = await _published(client, actors)
    url = f"/api/v1/assets/{asset_id}/versions/1.0.0"
    assert (await client.get(url, headers=actors.producer_read)).status_code == 200
    r = await client.delete(f"/api/v1/assets/{asset_id}", headers=actors.producer_write)
    assert r.status_code == 204, r.text
    gone = await client.get(url, headers=actors.producer_read)
    assert gone.status_code == 404
    assert gone.json()["code"] == "version_not_found"
    r = await client.post(f"/api/v1/assets/{asset_id}/restore", headers=actors.admin)
    assert r.status_code == 200, r.text
    assert (await client.get(url, headers=actors.producer_read)).status_code == 200


async def test_another_workspace_never_sees_a_kept_body(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset_id, _ = await _published(client, actors)
    url = f"/api/v1/assets/{asset_id}/versions/1.0.0"
    assert (await client.get(url, headers=actors.producer_read)).status_code == 200
    assert (await client.get(url, headers=actors.other_admin)).status_code == 404
    missing = await client.get(f"/api/v1/assets/{asset_id}/versions/9.9.9", headers=actors.admin)
    assert missing.status_code == 404


def test_the_cache_keeps_within_its_bytes_dropping_the_least_recent() -> None:
    bodies = VersionBodies(limit_bytes=10)
    a, b, c = (uuid.uuid4() for _ in range(3))
    bodies.put(a, b"aaaa")
    bodies.put(b, b"bbbb")
    assert bodies.get(a) == b"aaaa"  # now the most recent
    bodies.put(c, b"cccc")
    assert bodies.get(b) is None
    assert bodies.get(a) == b"aaaa"
    assert bodies.get(c) == b"cccc"
    assert bodies.size == 8


def test_a_body_larger_than_the_whole_cache_is_not_kept() -> None:
    bodies = VersionBodies(limit_bytes=3)
    key = uuid.uuid4()
    bodies.put(key, b"four")
    assert bodies.get(key) is None
    assert len(bodies) == 0


async def test_a_deletion_in_another_process_hides_versions_within_the_ttl(
    database_url: str, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    settings = make_settings(database_url, read_cache_ttl_s=1.0)
    app = create_app(settings, run_startup_checks=False, warm_engine=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            actors = await make_actors(client, sessionmaker)
            asset_id, _ = await _published(client, actors)
            url = f"/api/v1/assets/{asset_id}/versions/1.0.0"
            assert (await client.get(url, headers=actors.producer_read)).status_code == 200
            async with session_scope(sessionmaker) as session:  # another process's delete
                await session.execute(
                    update(Asset)
                    .where(Asset.id == uuid.UUID(asset_id))
                    .values(deleted_at=datetime.now(UTC))
                )
            deleted = time.monotonic()
            assert (await client.get(url, headers=actors.producer_read)).status_code == 200
            while (await client.get(url, headers=actors.producer_read)).status_code == 200:
                assert time.monotonic() - deleted < 1.0 + 0.5, "still served past the TTL"
                await asyncio.sleep(0.05)
            assert (await client.get(url, headers=actors.producer_read)).status_code == 404


def test_a_read_that_raced_a_deletion_is_not_kept() -> None:
    visible = VisibleVersions(60.0)
    key = (uuid.uuid4(), uuid.uuid4(), "1.0.0")
    seen = generation()
    invalidation.announce("assets")
    visible.put(key, uuid.uuid4(), seen_generation=seen)
    assert visible.get(key) is None
    visible.put(key, version_id := uuid.uuid4(), seen_generation=generation())
    assert visible.get(key) == version_id
    invalidation.announce("assets")
    assert visible.get(key) is None


def test_a_visible_entry_lives_for_the_ttl() -> None:
    now = [10.0]
    visible = VisibleVersions(2.0, clock=lambda: now[0])
    key = (uuid.uuid4(), uuid.uuid4(), "1.0.0")
    visible.put(key, version_id := uuid.uuid4(), seen_generation=generation())
    now[0] += 1.9
    assert visible.get(key) == version_id
    now[0] += 0.1
    assert visible.get(key) is None
