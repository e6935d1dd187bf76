"""Lineage at warehouse scale, over HTTP against a real `accord serve`.

    .venv/bin/python -m bench.lineage [--postgres URL] [--requests 30] [--models 5000]

1. Imports a synthetic dbt manifest of --models models (layered, 6 columns and two tests
   each, 1-3 parents) through POST /api/v1/imports/dbt and prints the time (target
   <= 60 s for 5,000), then the time of re-importing it (a no-op).
2. Seeds a synthetic graph of --assets assets and 3 x --assets edges straight into the
   database (seeding is not what is measured): asset i reads from i + 1 .. i + 2200
   (2 % of edges point back, so there are cycles), which puts ~10,000 assets within 10
   edges of any start.
3. Prints p50/p95 of GET /api/v1/assets/{id}/lineage?direction=downstream&depth=10
   (first page of 500, which computes and counts the whole closure) over --requests
   requests from different starts. Targets: p50 <= 100 ms on PostgreSQL, <= 250 ms on
   SQLite.

Runs on SQLite; with --postgres postgresql+asyncpg://... also on that (the database is
dropped and recreated). The load generator shares the machine with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from accord.kit.clock import utcnow
from accord.kit.ids import uuid7
from accord.models import Asset, LineageEdge, Team
from bench._server import bootstrap_admin, percentile, recreate_database, running_server

WINDOW = 2200
BACK_EDGES = 0.02


def synthetic_manifest(models: int, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    nodes: dict[str, Any] = {}
    for i in range(models):
        uid = f"model.bench.m{i}"
        parents = [f"model.bench.m{j}" for j in rnd.sample(range(i), min(i, rnd.randint(1, 3)))]
        cols = {"id": {"name": "id", "data_type": "bigint"}}
        for c in range(5):
            cols[f"c{c}"] = {
                "name": f"c{c}",
                "data_type": rnd.choice(["varchar", "double", "date"]),
            }
        nodes[uid] = {
            "unique_id": uid, "resource_type": "model", "name": f"m{i}", "database": "wh",
            "schema": f"s{i % 20}", "alias": f"m{i}", "columns": cols,
            "depends_on": {"nodes": parents}, "config": {"materialized": "table"},
            "description": f"model {i}",
        }  # fmt: skip
        for test in ("not_null", "unique"):
            tid = f"test.bench.{test}_m{i}_id"
            nodes[tid] = {
                "unique_id": tid, "resource_type": "test", "name": tid, "attached_node": uid,
                "column_name": "id", "depends_on": {"nodes": [uid]},
                "test_metadata": {"name": test, "kwargs": {"column_name": "id"}},
            }  # fmt: skip
    version = "https://schemas.getdbt.com/dbt/manifest/v12.json"
    doc = {
        "metadata": {"dbt_schema_version": version, "project_name": "bench", "adapter_type": "x"},
        "nodes": nodes,
    }
    return json.dumps(doc).encode()


def synthetic_edges(n: int, seed: int = 7) -> list[tuple[int, int]]:
    rnd = random.Random(seed)
    edges: list[tuple[int, int]] = []
    for i in range(n):
        outs: set[int] = set()
        while len(outs) < 3:
            step = rnd.randint(1, WINDOW)
            j = (i - step if rnd.random() < BACK_EDGES else i + step) % n
            if j != i:
                outs.add(j)
        edges += [(i, j) for j in outs]
    return edges


async def seed_graph(db_url: str, admin: dict[str, str], base: str, n: int) -> list[uuid.UUID]:
    async with httpx.AsyncClient(base_url=base, headers=admin) as c:
        team_id = uuid.UUID((await c.post("/api/v1/teams", json={"name": "graph"})).json()["id"])
    engine = create_async_engine(db_url)
    ids = [uuid7() for _ in range(n)]
    async with engine.begin() as conn:
        ws = (await conn.execute(select(Team.workspace_id).where(Team.id == team_id))).scalar_one()
        now = utcnow()
        rows = [
            {"id": ids[i], "workspace_id": ws, "fqn": f"graph.a{i}", "environment": "prod",
             "kind": "table", "owner_team_id": team_id, "compatibility": "forward",
             "content_model": "lenient", "description": "", "tags": [], "metadata_": {},
             "created_at": now, "updated_at": now}
            for i in range(n)
        ]  # fmt: skip
        for start in range(0, n, 5000):
            await conn.execute(insert(Asset), rows[start : start + 5000])
        edges = [
            {"id": uuid7(), "workspace_id": ws, "upstream_asset_id": ids[a],
             "downstream_asset_id": ids[b], "kind": "transforms", "source": "api",
             "created_at": now}
            for a, b in synthetic_edges(n)
        ]  # fmt: skip
        for start in range(0, len(edges), 5000):
            await conn.execute(insert(LineageEdge), edges[start : start + 5000])
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:  # what autovacuum does soon after a bulk load
            await conn.exec_driver_sql("ANALYZE")
    await engine.dispose()
    return ids


async def import_manifest(base: str, key: str, raw: bytes) -> tuple[float, dict[str, Any]]:
    """Time from the POST to the end of the import's background job."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as c:
        t = time.perf_counter()
        r = await c.post("/api/v1/imports/dbt", content=raw)
        r.raise_for_status()
        job = r.json()
        while job["status"] not in ("succeeded", "failed"):
            await asyncio.sleep(0.2)
            job = (await c.get(r.headers["location"])).raise_for_status().json()
        elapsed = time.perf_counter() - t
        if job["status"] != "succeeded":
            raise RuntimeError(f"import failed: {job['error']}")
        return elapsed, job["result"]["summary"]


async def team_key(base: str, admin: dict[str, str]) -> str:
    async with httpx.AsyncClient(base_url=base, headers=admin) as c:
        team = (await c.post("/api/v1/teams", json={"name": "dbt"})).json()
        body = {"name": "bench", "team_id": team["id"], "scopes": ["read", "write"]}
        return str((await c.post("/api/v1/api-keys", json=body)).json()["key"])


async def closure_latency(
    base: str, admin: dict[str, str], starts: list[uuid.UUID], depth: int
) -> tuple[list[float], list[int]]:
    samples, totals = [], []
    async with httpx.AsyncClient(base_url=base, headers=admin, timeout=60) as c:
        params: dict[str, str | int] = {"direction": "downstream", "depth": depth, "limit": 500}
        for start in starts[:3]:  # warm-up
            (await c.get(f"/api/v1/assets/{start}/lineage", params=params)).raise_for_status()
        for start in starts:
            t = time.perf_counter()
            r = await c.get(f"/api/v1/assets/{start}/lineage", params=params)
            samples.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
            totals.append(r.json()["total"])
    return samples, totals


def run(label: str, postgres: str | None, args: argparse.Namespace) -> None:
    if postgres:
        asyncio.run(recreate_database(postgres))
    with running_server(postgres) as (base, env):
        db_url = postgres or f"sqlite+aiosqlite:///{Path(env['ACCORD_DATA_DIR']) / 'accord.db'}"
        admin = {"Authorization": f"Bearer {bootstrap_admin(env)}"}
        key = asyncio.run(team_key(base, admin))
        raw = synthetic_manifest(args.models)
        first, summary = asyncio.run(import_manifest(base, key, raw))
        again, noop = asyncio.run(import_manifest(base, key, raw))
        changed = noop["assets_created"] + noop["edges_created"] + noop["versions_published"]
        print(f"[{label}] import of {args.models} models ({len(raw) / 1e6:.1f} MB): {first:.1f} s "
              f"({summary['assets_created']} assets, {summary['edges_created']} edges); "
              f"re-import {again:.1f} s (changes: {changed})")  # fmt: skip
        t = time.perf_counter()
        ids = asyncio.run(seed_graph(db_url, admin, base, args.assets))
        print(f"[{label}] seeded {args.assets} assets, {3 * args.assets} edges in "
              f"{time.perf_counter() - t:.0f} s")  # fmt: skip
        rnd = random.Random(3)
        starts = [ids[rnd.randrange(len(ids))] for _ in range(args.requests)]
        samples, totals = asyncio.run(closure_latency(base, admin, starts, args.depth))
        print(f"[{label}] downstream closure depth {args.depth}: reachable "
              f"{min(totals)}-{max(totals)} (mean {statistics.mean(totals):.0f}); "
              f"p50 {percentile(samples, 50):.0f} ms, p95 {percentile(samples, 95):.0f} ms "
              f"over {len(samples)} requests")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="also run on this postgresql+asyncpg URL")
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--depth", type=int, default=10)
    args = parser.parse_args()
    run("sqlite", None, args)
    if args.postgres:
        run("postgresql", args.postgres, args)


if __name__ == "__main__":
    main()
