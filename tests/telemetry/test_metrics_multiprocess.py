"""The acceptance test of issue 19's metrics: two real `accord serve` processes and a real
`accord worker` sharing ACCORD_METRICS_DIR, under load (templated and unmatched routes,
engine checks, a reported data check, a webhook delivered to a real receiver). A scrape of
either API process shows every process's counts and every series family, labelled by
route template; the worker serves its own scrape; a process that stops drops its live
gauges. Every process is stopped by its pid."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.conftest import Actors, admin_key_for, bearer, new_key, new_team
from tests.faults.harness import Processes, accord_env, wait_for, wait_ready
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register
from tests.receiver import Receiver, free_port
from tests.telemetry.scrape import Scrape, missing, queried_series
from tests.worker.conftest import subscribe

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
REQUESTS = "accord_http_requests_total"


def _env(database_url: str, metrics_dir: Path) -> dict[str, str]:
    return accord_env(
        database_url,
        metrics_dir=str(metrics_dir),
        worker_in_process="false",  # the worker is its own process here
        worker_poll_interval_s="0.1",
        webhook_allow_private="true",
        rate_limit_enabled="false",
        compat_workers="1",
        compat_timeout_s="20",
    )


async def _scrape(url: str) -> Scrape:
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(f"{url}/metrics")
    assert r.status_code == 200, r.text
    return Scrape(r.text)


async def _load(
    apis: list[httpx.AsyncClient], ws: uuid.UUID, admin: dict[str, str], receiver: Receiver
) -> None:
    """Work spread over both API processes; returns once the worker delivered a webhook."""
    a, b = apis
    producer, consumer = await new_team(a, admin, "producer"), await new_team(b, admin, "consumer")
    writer = await new_key(a, admin, producer, ["read", "write"])
    reader = await new_key(b, admin, consumer, ["read", "write"])
    who = Actors(ws, admin, producer, consumer, writer, writer, reader, admin, ws)
    await subscribe(b, who, receiver.url)
    asset = await make_asset(a, who)
    assert (await publish(a, writer, asset, ORDERS_V1)).status_code == 201
    assert (await register(b, who, asset)).status_code == 201
    check = {"old": ORDERS_V1, "new": ORDERS_V1, "mode": "backward"}
    assert (await b.post("/api/v1/compat/check", json=check, headers=reader)).status_code == 200
    checks = [{"id": "not_null:id", "kind": "not_null", "status": "pass"}]
    run = {"source": "o.parquet", "seconds": 3.5, "checks": checks}
    r = await a.post(f"/api/v1/assets/{asset}/validation-runs", json=run, headers=writer)
    assert r.status_code == 201, r.text
    for client, count in ((a, 3), (b, 2)):
        for n in range(count):
            assert (await client.get(f"/no/such/{n}")).status_code == 404
            assert (await client.get(f"/api/v1/assets/{asset}", headers=reader)).status_code == 200

    async def delivered() -> bool:
        return bool(receiver.received)

    assert await wait_for(delivered, 30), "the worker delivered nothing"


async def test_every_series_from_two_api_processes_and_a_worker(
    tmp_path: Path,
    database_url: str,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    metrics_dir = tmp_path / "metrics"
    env = _env(database_url, metrics_dir)
    ws, admin_raw = await admin_key_for(sessionmaker, "acme")
    procs = Processes(tmp_path)
    try:
        ports = [free_port(), free_port()]
        apis = [
            procs.start(f"api{i}", ["serve", "--port", str(p)], env) for i, p in enumerate(ports)
        ]
        health = free_port()
        worker = procs.start("worker", ["worker", "--health-port", str(health)], env)
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        await asyncio.gather(*(wait_ready(u, p, 60) for u, p in zip(urls, apis, strict=True)))
        async with Receiver() as receiver:
            clients = [httpx.AsyncClient(base_url=u, timeout=30) for u in urls]
            try:
                await _load(clients, ws, bearer(admin_raw), receiver)
            finally:
                for c in clients:
                    await c.aclose()

        async def merged() -> bool:  # the worker records its result just after sending
            got = await _scrape(urls[0])
            return got.value("accord_webhook_deliveries_total", outcome="delivered") >= 1

        assert await wait_for(merged, 15), "the worker's delivery never reached the scrape"
        first, second = await _scrape(urls[0]), await _scrape(urls[1])
        for got in (first, second):
            assert missing(got) == [], got.text
            routes = got.label_values(REQUESTS, "route")
            assert "/api/v1/assets/{asset_id}" in routes
            assert all(r == "<unmatched>" or r.startswith("/") for r in routes)
            assert not any(UUID.search(r) for r in routes), routes
            # 3 unmatched requests went to one process and 2 to the other: both see 5.
            assert got.value(REQUESTS, route="<unmatched>", status="404") == 5
            assert got.value(REQUESTS, route="/api/v1/assets/{asset_id}", status="200") == 5
            compat = "accord_compat_check_duration_seconds_count"
            assert got.value(compat, operation="check_history") == 1
            assert got.value("accord_data_check_duration_seconds_count", status="passed") == 1
            assert got.label_values("accord_db_pool_max_connections", "role") == {"api", "worker"}
            assert got.value("accord_worker_heartbeat_age_seconds") < 30
        for source, series in queried_series().items():
            absent = {s for s in series if not first.find(s)}
            assert not absent, f"{source} queries series the scrape lacks: {absent}"
        own = await _scrape(f"http://127.0.0.1:{health}")
        assert own.value("accord_webhook_deliveries_total", outcome="delivered") >= 1
        assert own.value("accord_worker_heartbeat_age_seconds") < 30
        live = {p.pid for p in (*apis, worker)}
    finally:
        procs.close()
    # Stopped cleanly (SIGTERM), each process dropped its live gauges; counters remain.
    left = os.listdir(metrics_dir)
    pids = {int(f[:-3].rsplit("_", 1)[1]) for f in left if f.startswith("gauge_live")}
    assert not pids & live, left
    assert any(f.startswith("counter_") for f in left)
