"""Authenticated GET /api/v1/me with a real (non-bootstrap) team key, over loopback.

    .venv/bin/python -m bench.auth [--seconds 10] [--concurrency 8] [--postgres URL]

Starts a fresh `accord serve` (one process), creates a team and a read key through the
API, then measures: sequential latency (p50/p95 over --latency-requests calls) and
throughput with --concurrency keep-alive clients for --seconds. The load generator runs
in this process on the same 2 cores, so figures are a floor, not a ceiling.
Target (issue 2): >= 300 req/s and p50 < 5 ms. Tessera 0.2.0 manages ~5 req/s with a
real key (argon2 per request; see shared/bench/tessera-harness.md).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from bench._server import bootstrap_admin, percentile, running_server


async def _setup(base: str, admin_key: str) -> str:
    admin = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(base_url=base, headers=admin) as c:
        team = (await c.post("/api/v1/teams", json={"name": "bench"})).json()
        key = await c.post(
            "/api/v1/api-keys", json={"name": "bench", "team_id": team["id"], "scopes": ["read"]}
        )
        return str(key.json()["key"])


async def _latency(base: str, headers: dict[str, str], n: int) -> list[float]:
    samples = []
    async with httpx.AsyncClient(base_url=base, headers=headers) as c:
        for _ in range(50):
            (await c.get("/api/v1/me")).raise_for_status()
        for _ in range(n):
            t = time.perf_counter()
            r = await c.get("/api/v1/me")
            samples.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
    return samples


async def _throughput(
    base: str, headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[int, list[float]]:
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as c:

        async def worker() -> int:
            done = 0
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                r = await c.get("/api/v1/me")
                latencies.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
                done += 1
            return done

        counts = await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sum(counts), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-requests", type=int, default=2000)
    parser.add_argument("--postgres", help="postgresql+asyncpg URL instead of SQLite")
    args = parser.parse_args()
    with running_server(args.postgres) as (base, env):
        key = asyncio.run(_setup(base, bootstrap_admin(env)))
        headers = {"Authorization": f"Bearer {key}"}
        lat = asyncio.run(_latency(base, headers, args.latency_requests))
        total, under_load = asyncio.run(_throughput(base, headers, args.concurrency, args.seconds))
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"accord GET /api/v1/me, real team key, one server process, {db}")
    print(
        f"  sequential: n={len(lat)} p50={percentile(lat, 50):.2f} ms "
        f"p95={percentile(lat, 95):.2f} ms"
    )
    print(
        f"  {args.concurrency} clients x {args.seconds:.0f} s: {total / args.seconds:.0f} req/s "
        f"(p50={percentile(under_load, 50):.2f} ms p95={percentile(under_load, 95):.2f} ms)"
    )


if __name__ == "__main__":
    main()
