"""dbt imports as background jobs: 202 and a job to follow, chunks of their own
transactions (other writers go through meanwhile), resumption after a crash, failures
that say what was applied and what was not, and who may see a job."""

from __future__ import annotations

import asyncio
import uuid
import zlib
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.db import session_scope
from accord.exceptions import TooManyRequestsError
from accord.imports import chunks
from accord.imports.dbt import Importer, Progress
from accord.imports.runner import MAX_ATTEMPTS
from accord.kit.clock import utcnow
from accord.models import ContractVersion, ImportJob
from tests.conftest import Actors
from tests.dbt.manifests import IMPORT, jaffle, raw
from tests.imports.conftest import AppFactory, runner_of
from tests.imports.helpers import (
    ENDED,
    JOBS,
    get_job,
    import_and_wait,
    start_import,
    wait_for_job,
)
from tests.imports.manifests import BAD_SOURCE, JAFFLE_ASSETS, copies, with_bad_source

JAFFLE_SUMMARY = {
    "assets_created": 8, "assets_updated": 0, "assets_unchanged": 0, "assets_skipped": 0,
    "versions_published": 5, "proposals_opened": 0, "edges_created": 8, "edges_deleted": 0,
    "edges_unchanged": 0, "registrations_created": 0,
}  # fmt: skip

Sessions = async_sessionmaker[AsyncSession]


async def _head(client: httpx.AsyncClient, actors: Actors) -> int:
    r = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    assert r.json()["ok"], r.json()
    return int(r.json()["head_seq"])


async def _set(sessionmaker: Sessions, job_id: str, **values: Any) -> None:
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(ImportJob).where(ImportJob.id == uuid.UUID(job_id)).values(**values)
        )


async def _row(sessionmaker: Sessions, job_id: str) -> dict[str, Any]:
    """The job's bookkeeping columns, as stored."""
    columns = ("status", "lease_token", "attempts", "manifest_gz", "next_chunk")
    async with session_scope(sessionmaker, write=False) as session:
        stmt = select(*(getattr(ImportJob, c) for c in columns)).where(
            ImportJob.id == uuid.UUID(job_id)
        )
        return dict(zip(columns, (await session.execute(stmt)).one(), strict=True))


def _outcome(result: dict[str, Any]) -> dict[str, Any]:
    """An import's result without ids: what it did, asset by asset."""
    return {
        "summary": result["summary"],
        "assets": [
            (
                a["unique_id"],
                a["fqn"],
                a["action"],
                a["version"]["outcome"],
                a["version"]["version"],
            )
            for a in result["assets"]
        ],
        "edges": sorted((e["upstream"], e["downstream"], e["action"]) for e in result["edges"]),
        "registrations": result["registrations"],
    }


async def _versions(sessionmaker: Sessions, environment: str) -> int:
    from accord.models import Asset

    async with session_scope(sessionmaker, write=False) as session:
        stmt = (
            select(func.count())
            .select_from(ContractVersion)
            .join(Asset, Asset.id == ContractVersion.asset_id)
            .where(Asset.environment == environment)
        )
        return int((await session.execute(stmt)).scalar_one())


async def test_import_is_accepted_at_once_then_its_job_gives_the_result(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    r = await client.post(IMPORT, content=raw(jaffle()), headers=actors.producer_write)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"{JOBS}/{job['id']}"
    assert job["status"] == "queued"
    assert job["result"] is None
    assert job["manifest"]["project_name"] == "jaffle_shop"
    assert job["progress"] == {
        "phase": "assets", "chunk_size": 100, "chunks_total": 4, "chunks_done": 0,
        "assets_total": JAFFLE_ASSETS, "assets_applied": 0,
    }  # fmt: skip
    done = await wait_for_job(client, actors.producer_read, job["id"])
    assert done["status"] == "succeeded"
    assert done["attempts"] == 1
    assert done["error"] is None
    assert done["not_applied"] == []
    assert done["progress"]["chunks_done"] == 4
    assert done["progress"]["assets_applied"] == JAFFLE_ASSETS
    assert done["progress"]["phase"] is None
    assert done["result"]["summary"] == JAFFLE_SUMMARY
    assert len(done["result"]["assets"]) == JAFFLE_ASSETS
    # What the job wrote is audited under the request that started it.
    events = await client.get(
        "/api/v1/audit-events", params={"action": "dbt.imported"}, headers=actors.admin
    )
    [event] = events.json()["items"]
    assert event["request_id"] == r.headers["x-request-id"]


@pytest.mark.slow
async def test_writes_elsewhere_go_through_while_a_big_import_runs(
    make_app: AppFactory, actors: Actors
) -> None:
    """Issue 15: a 1,000-model import held SQLite's write lock for 9.7 s, so another
    workspace's write failed with `database is locked`. Now the lock is held one chunk
    at a time (here ~0.5 s); with a 2 s busy timeout, a write that waited longer would
    be a 503 (the whole import takes 15-25 s here)."""
    doc = copies(40)  # 320 assets, 200 versions, 320 edges
    async with make_app(import_chunk_size=20, sqlite_busy_timeout_ms=2000) as (_, c):
        job = await start_import(c, actors.producer_write, raw(doc))
        statuses: list[int] = []
        during = 0
        while True:
            name = f"elsewhere-{uuid.uuid4().hex[:8]}"
            r = await c.post("/api/v1/teams", json={"name": name}, headers=actors.other_admin)
            statuses.append(r.status_code)
            state = await get_job(c, actors.producer_write, job["id"])
            if state["status"] in ENDED:
                break
            during += state["progress"]["chunks_done"] > 0
            await asyncio.sleep(0.02)
    assert set(statuses) == {201}, statuses
    assert during >= 5, "the writes did not overlap the import"
    assert state["status"] == "succeeded", state["error"]
    summary = state["result"]["summary"]
    assert (summary["assets_created"], summary["versions_published"]) == (320, 200)
    assert summary["edges_created"] == 320


async def test_a_job_resumes_after_its_process_dies(
    make_app: AppFactory,
    client: httpx.AsyncClient,
    actors: Actors,
    sessionmaker: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = raw(copies(4))  # 32 assets: 4 + 4 + 1 + 4 chunks of 10
    seq = await _head(client, actors)
    uninterrupted = await import_and_wait(client, actors.producer_write, doc, environment="dev")
    assert uninterrupted["status"] == "succeeded"
    audited = await _head(client, actors) - seq

    seq = await _head(client, actors)
    async with make_app(import_chunk_size=10) as (app, c):
        runner = runner_of(app)

        async def die(took_s: float) -> None:  # the process dies after its first chunk
            raise asyncio.CancelledError

        monkeypatch.setattr(runner, "_between_chunks", die)
        job = await start_import(c, actors.producer_write, doc)
        await runner.idle()
        stuck = await get_job(c, actors.producer_write, job["id"])
    assert stuck["status"] == "running"
    assert stuck["progress"]["chunks_done"] == 1
    assert stuck["progress"]["chunks_total"] == 13

    async with make_app(import_chunk_size=50) as (app, c):  # another process, other settings
        again = runner_of(app)
        assert await again.scan_once() == 0, "taken up while its lease still ran"
        await _set(sessionmaker, job["id"], lease_expires_at=utcnow() - timedelta(minutes=1))
        await again.scan_once()  # (or the shared app's scan takes it first: either will do)
        done = await wait_for_job(c, actors.producer_write, job["id"])

    assert done["status"] == "succeeded", done["error"]
    assert done["attempts"] == 2
    assert done["progress"]["chunks_done"] == 13, "the plan is the one the job was accepted with"
    assert _outcome(done["result"]) == _outcome(uninterrupted["result"])
    # Nothing twice: the same rows and audit entries as the uninterrupted import.
    assert await _head(client, actors) - seq == audited
    assert await _versions(sessionmaker, "prod") == await _versions(sessionmaker, "dev") == 20
    edges = await client.get("/api/v1/lineage/edges", params={"limit": 500}, headers=actors.admin)
    assert len(edges.json()["items"]) == 2 * 32


async def test_a_job_stops_when_the_key_it_acts_as_is_revoked(
    make_app: AppFactory,
    client: httpx.AsyncClient,
    actors: Actors,
    sessionmaker: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A job acts as the key that started it: revoking the key stops the job at its next
    chunk (what was applied is reported), as it would stop the key's next request."""
    doc = raw(copies(4))
    async with make_app(import_chunk_size=10) as (app, c):
        runner = runner_of(app)

        async def die(took_s: float) -> None:  # the process dies after its first chunk
            raise asyncio.CancelledError

        monkeypatch.setattr(runner, "_between_chunks", die)
        job = await start_import(c, actors.producer_write, doc)
        await runner.idle()
    me = await client.get("/api/v1/me", headers=actors.producer_write)
    revoked = await client.delete(f"/api/v1/api-keys/{me.json()['key_id']}", headers=actors.admin)
    assert revoked.status_code == 204, revoked.text
    await _set(sessionmaker, job["id"], lease_expires_at=utcnow() - timedelta(minutes=1))
    async with make_app(import_chunk_size=10) as (app, c):
        await runner_of(app).scan_once()
        done = await wait_for_job(c, actors.admin, job["id"])
    assert done["status"] == "failed"
    assert done["error"]["code"] == "key_no_longer_valid"
    assert "revoked" in done["error"]["detail"]
    assert done["progress"]["chunks_done"] == 1
    assert len(done["not_applied"]) == 32


async def test_a_failing_chunk_reports_what_was_applied_and_what_was_not(
    make_app: AppFactory, client: httpx.AsyncClient, actors: Actors, sessionmaker: Sessions
) -> None:
    doc = with_bad_source(copies(3))  # 25 assets; the last one's contract is invalid
    async with make_app(import_chunk_size=10) as (_, c):
        job = await import_and_wait(c, actors.producer_write, raw(doc))
    assert job["status"] == "failed"
    plan = chunks.plan(25, 10)
    failed = next(ch for ch in plan if ch.phase == "versions" and ch.covers(24))
    assert job["error"] == {
        "code": "unknown_fields",
        "detail": job["error"]["detail"],
        "status": 422,
        "phase": "versions",
        "chunk": failed.index,
        "unique_id": BAD_SOURCE,
        "fqn": "jaffle_shop.raw.events",
    }
    assert "_loaded_at" in job["error"]["detail"]
    assert job["progress"]["chunks_done"] == failed.index
    assert job["progress"]["assets_applied"] == 20

    uids = list(doc["nodes"].keys())
    uids = [u for u in uids if not u.startswith("test.")] + [BAD_SOURCE]
    applied = [a["unique_id"] for a in job["result"]["assets"]]
    assert applied == uids[:20]
    not_applied = {n["unique_id"]: n for n in job["not_applied"]}
    assert list(not_applied) == uids[20:]
    for uid in uids[20:24]:
        assert not_applied[uid]["done"] == ["asset", "lineage"]
        assert not_applied[uid]["reason"].startswith(
            f"rolled back with chunk {failed.index} (versions): {BAD_SOURCE} failed"
        )
    bad = not_applied[BAD_SOURCE]
    assert bad["done"] == ["asset", "lineage"]
    assert bad["reason"].startswith(f"failed in chunk {failed.index} (versions): ")
    published = sum(a["version"]["outcome"] == "published" for a in job["result"]["assets"])
    assert job["result"]["summary"]["versions_published"] == published == 11

    # The registry agrees: every asset exists, only the applied ones have contracts.
    assets = await client.get("/api/v1/assets", params={"limit": 500}, headers=actors.admin)
    by_fqn = {a["fqn"]: a["id"] for a in assets.json()["items"]}
    assert len(by_fqn) == 25
    for fqn, expected in (
        ("jaffle_shop.main_2.orders", 1),  # position 19: applied
        ("jaffle_shop.main_2.customers", 0),  # position 23: rolled back with the chunk
        ("jaffle_shop.raw.events", 0),
    ):
        versions = await client.get(f"/api/v1/assets/{by_fqn[fqn]}/versions", headers=actors.admin)
        assert len(versions.json()["items"]) == expected, fqn
    row = await _row(sessionmaker, job["id"])
    assert row["manifest_gz"] is None, "an ended job keeps no manifest"
    assert row["lease_token"] is None


async def test_who_may_see_a_job(client: httpx.AsyncClient, actors: Actors) -> None:
    job = await import_and_wait(client, actors.producer_write, raw(jaffle()))
    url = f"{JOBS}/{job['id']}"
    for headers in (actors.producer_write, actors.producer_read, actors.admin):
        assert (await client.get(url, headers=headers)).status_code == 200
    other_team = await client.get(url, headers=actors.consumer_write)
    assert other_team.status_code == 403
    assert other_team.json()["code"] == "not_import_owner"
    other_workspace = await client.get(url, headers=actors.other_admin)
    assert other_workspace.status_code == 404
    assert other_workspace.json()["code"] == "import_job_not_found"
    assert (await client.get(url)).status_code == 401
    missing = await client.get(f"{JOBS}/{uuid.uuid4()}", headers=actors.admin)
    assert missing.status_code == 404
    # An admin's import: its team keys do not see it.
    by_admin = await import_and_wait(
        client, actors.admin, raw(jaffle()), owner_team="orders-producer", environment="dev"
    )
    url = f"{JOBS}/{by_admin['id']}"
    assert (await client.get(url, headers=actors.producer_read)).status_code == 403
    assert (await client.get(url, headers=actors.admin)).status_code == 200


async def test_a_chunk_applied_again_writes_nothing_twice(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, sessionmaker: Sessions
) -> None:
    """Were a chunk's record lost (it is not: progress commits with the chunk), applying
    it again is a no-op: existing assets are refreshed, edges synced, identical contracts
    publish nothing."""
    doc = raw(copies(2))
    first = await import_and_wait(client, actors.producer_write, doc)
    seq = await _head(client, actors)
    await _set(
        sessionmaker,
        first["id"],
        status="running",
        next_chunk=0,
        progress=Progress().model_dump(mode="json"),
        manifest_gz=zlib.compress(doc),
        finished_at=None,
    )
    await runner_of(app).scan_once()
    again = await wait_for_job(client, actors.producer_write, first["id"])
    assert again["status"] == "succeeded"
    summary = again["result"]["summary"]
    assert summary["assets_unchanged"] == 16
    assert summary["edges_unchanged"] == 16
    assert summary["assets_created"] == summary["versions_published"] == 0
    assert {a["version"]["outcome"] for a in again["result"]["assets"]} == {
        "unchanged",
        "no_schema",
    }
    assert await _head(client, actors) == seq, "re-applying wrote audit events"
    assert await _versions(sessionmaker, "prod") == 10


async def test_shutdown_hands_a_running_job_to_the_next_process(
    make_app: AppFactory, actors: Actors, sessionmaker: Sessions
) -> None:
    async with make_app(import_chunk_size=4) as (_, c):
        job = await start_import(c, actors.producer_write, raw(copies(3)))
        while (await get_job(c, actors.producer_write, job["id"]))["progress"]["chunks_done"] < 1:
            await asyncio.sleep(0.01)
    row = await _row(sessionmaker, job["id"])
    assert row["status"] == "running"
    assert row["lease_token"] is None, "shutdown did not hand the job back"
    assert row["attempts"] == 0, "an interrupted claim is not an attempt"
    async with make_app(import_chunk_size=100) as (_, c):  # its start-up scan takes it up
        done = await wait_for_job(c, actors.producer_write, job["id"])
    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["summary"]["assets_created"] == 24


async def test_a_job_that_keeps_dying_fails(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors, sessionmaker: Sessions
) -> None:
    job = await import_and_wait(client, actors.producer_write, raw(jaffle()))
    await _set(
        sessionmaker,
        job["id"],
        status="running",
        next_chunk=1,
        attempts=MAX_ATTEMPTS,
        manifest_gz=zlib.compress(raw(jaffle())),
        finished_at=None,
    )
    await runner_of(app).scan_once()
    failed = await wait_for_job(client, actors.producer_write, job["id"])
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "import_interrupted"
    assert failed["error"]["chunk"] == 1
    assert failed["attempts"] == MAX_ATTEMPTS + 1


async def test_a_chunk_that_meets_passing_trouble_is_rolled_back_and_retried(
    make_app: AppFactory, client: httpx.AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Importer.apply
    failures: list[int] = []

    async def flaky(self: Importer, chunk: chunks.Chunk) -> None:
        await original(self, chunk)
        if chunk.phase == "lineage" and not failures:  # after its work: all rolled back
            failures.append(chunk.index)
            raise TooManyRequestsError("engine busy", code="too_many_concurrent_checks")

    monkeypatch.setattr(Importer, "apply", flaky)
    async with make_app() as (_, c):
        job = await import_and_wait(c, actors.producer_write, raw(jaffle()))
    assert failures == [1]
    assert job["status"] == "succeeded", job["error"]
    assert job["attempts"] == 1
    assert job["result"]["summary"] == JAFFLE_SUMMARY
    edges = await client.get("/api/v1/lineage/edges", params={"limit": 500}, headers=actors.admin)
    assert len(edges.json()["items"]) == 8
