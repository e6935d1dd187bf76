"""Accord vs Tessera on the same machine, in one run: GET a version, publish a compatible
version, GET throughput with concurrent clients. Real (non-bootstrap) team keys for both;
Tessera also with its bootstrap key, which skips its per-request argon2.

    .venv/bin/python -m bench.lifecycle [--tessera-venv DIR] [--requests 300]
        [--tessera-requests 60] [--seconds 10] [--concurrency 8] [--postgres URL] [--json]

Tessera is found with --tessera-venv or $ACCORD_BENCH_TESSERA_VENV (a venv outside the
repo with `pip install tessera-contracts==0.2.0 aiosqlite`); without it only Accord runs.
Each server is one process; the load generator shares the machine's cores with it, so
figures are a floor. Targets (issue 4): Accord GET throughput >= 30x Tessera's (real
keys), Accord publish p50 <= 20 ms on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from accord.sdk import Client
from bench import _tessera
from bench._server import bootstrap_admin, percentile, running_server

Row = dict[str, Any]

# The harness's schema: ten columns, two required; each publish adds one optional column,
# a compatible change under Accord's default (forward, lenient) and Tessera's default.
BASE_PROPS: dict[str, Any] = {f"col_{i}": {"type": "string"} for i in range(10)}
BASE_PROPS["col_0"] = {"type": "integer"}


def schema_with(extra: int) -> dict[str, Any]:
    props = dict(BASE_PROPS)
    props |= {f"extra_{i}": {"type": "string"} for i in range(extra)}
    return {"type": "object", "properties": props, "required": ["col_0", "col_1"]}


async def latency(
    send: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]], n: int, warmup: int
) -> list[float]:
    """Sequential latencies in ms of ``n`` calls after ``warmup`` untimed ones."""
    samples: list[float] = []
    async with httpx.AsyncClient(timeout=120) as c:
        for i in range(warmup + n):
            t = time.perf_counter()
            r = await send(c, i)
            elapsed = (time.perf_counter() - t) * 1000
            if r.status_code >= 300:
                raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text}")
            if i >= warmup:
                samples.append(elapsed)
    return samples


async def throughput(url: str, headers: dict[str, str], clients: int, seconds: float) -> float:
    """Requests per second of ``clients`` keep-alive clients GETting ``url``."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=120) as c:
        await c.get(url)
        deadline = time.perf_counter() + seconds

        async def worker() -> int:
            done = 0
            while time.perf_counter() < deadline:
                (await c.get(url)).raise_for_status()
                done += 1
            return done

        started = time.perf_counter()
        counts = await asyncio.gather(*(worker() for _ in range(clients)))
        return sum(counts) / (time.perf_counter() - started)


def summary(get: list[float], pub: list[float], rps: float) -> Row:
    return {
        "get_p50_ms": percentile(get, 50),
        "get_p95_ms": percentile(get, 95),
        "publish_p50_ms": percentile(pub, 50),
        "publish_p95_ms": percentile(pub, 95),
        "get_rps": rps,
        # Publish cost may grow with the asset's history: show both ends of the run.
        "publish_first50_p50_ms": percentile(pub[:50], 50),
        "publish_last50_p50_ms": percentile(pub[-50:], 50),
        "n_get": len(get),
        "n_publish": len(pub),
    }


def bench_accord(args: argparse.Namespace) -> Row:
    with running_server(args.postgres) as (base, env):
        with Client(base, bootstrap_admin(env)) as admin:
            team = admin.create_team("bench")
            key = admin.create_api_key("bench", ["read", "write"], team_id=team.id).key
        with Client(base, key) as producer:
            asset = producer.create_asset("warehouse.bench.orders", team.id)
            producer.publish(asset.id, schema_with(0), version="1.0.0")
        headers = {"Authorization": f"Bearer {key}"}
        versions = f"{base}/api/v1/assets/{asset.id}/versions"

        async def get(c: httpx.AsyncClient, i: int) -> httpx.Response:
            return await c.get(f"{versions}/1.0.0", headers=headers)

        async def publish(c: httpx.AsyncClient, i: int) -> httpx.Response:
            body = {"schema": schema_with(i + 1), "format": "jsonschema"}
            return await c.post(versions, json=body, headers=headers)

        get_ms = asyncio.run(latency(get, args.requests, 50))
        pub_ms = asyncio.run(latency(publish, args.requests, 5))
        rps = asyncio.run(throughput(f"{versions}/1.0.0", headers, args.concurrency, args.seconds))
    return summary(get_ms, pub_ms, rps)


def bench_tessera(args: argparse.Namespace, venv: Any) -> dict[str, Row]:
    out: dict[str, Row] = {}
    with _tessera.running_tessera(venv) as base:
        ids = _tessera.setup(base, schema_with(0))
        api = f"{base}/api/v1"
        keys = {
            "tessera (real key)": ids["key"],
            "tessera (bootstrap key)": _tessera.BOOTSTRAP_KEY,
        }
        extra = 0
        for label, key in keys.items():
            headers = {"Authorization": f"Bearer {key}"}

            async def get(c: httpx.AsyncClient, i: int, h: dict[str, str] = headers) -> Any:
                return await c.get(f"{api}/contracts/{ids['contract']}", headers=h)

            async def publish(c: httpx.AsyncClient, i: int, h: dict[str, str] = headers) -> Any:
                nonlocal extra
                extra += 1
                return await c.post(
                    f"{api}/assets/{ids['asset']}/contracts",
                    headers=h,
                    params={"published_by": ids["team"]},
                    json={"schema": schema_with(extra)},
                )

            n = args.tessera_requests
            get_ms = asyncio.run(latency(get, n, 5))
            pub_ms = asyncio.run(latency(publish, n, 2))
            url = f"{api}/contracts/{ids['contract']}"
            rps = asyncio.run(throughput(url, headers, args.concurrency, args.seconds))
            out[label] = summary(get_ms, pub_ms, rps)
    return out


def report(rows: dict[str, Row], args: argparse.Namespace, tessera_note: str | None) -> None:
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"accord ({db}) vs tessera 0.2.0 (SQLite): one server process each, loopback")
    print(f"{'':26}{'GET version p50/p95':>22}{'publish p50/p95':>20}{'GET req/s':>12}")
    for name, r in rows.items():
        get = f"{r['get_p50_ms']:.2f} / {r['get_p95_ms']:.2f} ms"
        pub = f"{r['publish_p50_ms']:.2f} / {r['publish_p95_ms']:.2f} ms"
        print(f"{name:26}{get:>22}{pub:>20}{r['get_rps']:>12.1f}")
    print(f"(GET req/s with {args.concurrency} concurrent clients for {args.seconds:g} s)")
    for name, r in rows.items():
        print(
            f"{name}: publish p50 over the first 50 = {r['publish_first50_p50_ms']:.2f} ms, "
            f"last 50 = {r['publish_last50_p50_ms']:.2f} ms (each publish adds a column)"
        )
    if tessera_note:
        print(f"tessera: {tessera_note}")
        return
    ratio = rows["accord"]["get_rps"] / rows["tessera (real key)"]["get_rps"]
    verdict = "met" if ratio >= 30 else "NOT met"
    print(f"GET throughput accord / tessera (real keys): {ratio:.0f}x (target >= 30x: {verdict})")
    boot = rows["accord"]["get_rps"] / rows["tessera (bootstrap key)"]["get_rps"]
    print(f"GET throughput accord / tessera (bootstrap key): {boot:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tessera-venv", help=f"Tessera venv (or ${_tessera.ENV_VENV}).")
    parser.add_argument("--requests", type=int, default=300, help="Accord samples per figure.")
    parser.add_argument("--tessera-requests", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", help="postgresql+asyncpg URL instead of SQLite")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()
    rows: dict[str, Row] = {"accord": bench_accord(args)}
    venv = _tessera.find_venv(args.tessera_venv)
    note = None
    if venv is None:
        note = f"not installed (pass --tessera-venv or set ${_tessera.ENV_VENV})"
    else:
        rows |= bench_tessera(args, venv)
    if args.json:
        print(json.dumps({"rows": rows, "tessera": note or "ok"}, indent=2))
    else:
        report(rows, args, note)
    db = "SQLite" if not args.postgres else "PostgreSQL"
    p50 = rows["accord"]["publish_p50_ms"]
    if not args.json:
        target = " (target <= 20 ms: " + ("met" if p50 <= 20 else "NOT met") + ")"
        print(f"accord publish p50 on {db}: {p50:.2f} ms{target if not args.postgres else ''}")


if __name__ == "__main__":
    main()
