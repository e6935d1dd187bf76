"""Web UI pages at size: server time and weight of every page, beside a bare Jinja page.

    .venv/bin/python -m bench.ui [--requests 60] [--versions 200] [--consumers 50] [--postgres URL]
        [--profile PAGE]

Builds the app in this process (httpx over `ASGITransport`: no sockets, so the time is
the server's: middleware, session, queries, rendering) on a fresh SQLite file (or, with
--postgres postgresql+asyncpg://..., a recreated PostgreSQL database), and seeds through
the HTTP API: one asset with --versions compatible versions (each adds a property), a
breaking change left open as a proposal, --consumers teams registered on it, lineage
(8 upstream, 8 downstream, 4 two steps down) and 30 validation runs of 20 checks.

Then signs in through the real form (a workspace-admin key, so the admin pages answer
too) and prints, per page, p50/p95 time over --requests sequential requests (after 5
warm-ups) and the response weight (bytes, and bytes once gzipped). A page that answers
404 is skipped with a note (not built yet). The reference is a bare FastAPI app
rendering a trivial Jinja page through the same transport: the ratio is what the UI
costs on top of the framework. Targets (issue 18): p95 <= 50 ms, weight <= 100 KB.
Figures only; no test asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gzip
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from bench._server import percentile, recreate_database

PEPPER = "bench-pepper-0123456789abcdef0123456789"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TARGET_MS = 50.0
TARGET_BYTES = 100 * 1024


def _reference_app() -> FastAPI:
    env = Environment(autoescape=True)
    page = env.from_string(
        "<!doctype html><html lang='en'><head><title>{{ title }}</title></head><body>"
        "<main><h1>{{ title }}</h1><table><caption>rows</caption>"
        "{% for r in rows %}<tr><td>{{ r }}</td></tr>{% endfor %}</table></main></body></html>"
    )
    app = FastAPI()

    @app.get("/page")
    async def render_page() -> HTMLResponse:
        return HTMLResponse(page.render(title="Reference", rows=range(20)))

    return app


async def _admin_key(settings: Any) -> str:
    from accord.api_key import service as api_key_service
    from accord.auth.principal import SYSTEM_ACTOR
    from accord.db import create_engine, create_sessionmaker, session_scope
    from accord.kit.crypto import generate_api_key
    from accord.migrate import upgrade
    from accord.workspace import service as workspace_service

    engine = create_engine(settings)
    await upgrade(engine)
    raw = generate_api_key()
    async with session_scope(create_sessionmaker(engine)) as session:
        ws, _ = await workspace_service.get_or_create(session, "default")
        await api_key_service.insert_key(
            session, workspace_id=ws.id, actor=SYSTEM_ACTOR, raw_key=raw, pepper=PEPPER,
            name="bench-admin", team_id=None, scopes=["admin"],
        )  # fmt: skip
    await engine.dispose()
    return raw


def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 300:
        raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}")
    body: dict[str, Any] = r.json() if r.content else {}
    return body


async def _seed(c: httpx.AsyncClient, versions: int, consumers: int) -> dict[str, str]:
    producer = _ok(await c.post("/api/v1/teams", json={"name": "producer"}))["id"]

    async def asset(fqn: str) -> str:
        body = {"fqn": fqn, "owner_team_id": producer}
        return str(_ok(await c.post("/api/v1/assets", json=body))["id"])

    async def edge(up: str, down: str) -> None:
        body = {"upstream_asset_id": up, "downstream_asset_id": down}
        _ok(await c.post("/api/v1/lineage/edges", json=body))

    main = await asset("warehouse.sales.orders")
    props: dict[str, Any] = {
        f"col{i}": {"type": "string", "description": f"column {i}"} for i in range(20)
    }
    props["customer"] = {"type": "object", "properties": {"country": {"type": "string"}}}
    for n in range(versions):
        if n:
            props[f"added{n}"] = {"type": "integer", "description": f"added in step {n}"}
        schema = {"type": "object", "properties": dict(props), "required": ["col0"]}
        body = {"schema": schema, "guarantees": {"columns": {"col0": {"not_null": True}}}}
        _ok(await c.post(f"/api/v1/assets/{main}/versions", json=body))
    for i in range(consumers):
        team = _ok(await c.post("/api/v1/teams", json={"name": f"consumer-{i}"}))["id"]
        _ok(await c.post("/api/v1/registrations", json={
            "asset_id": main, "team_id": team, "fields": ["col0", f"col{i % 20}"]}))  # fmt: skip
    retyped = {**props, "col1": {"type": "integer"}}  # consumers reading col1 must agree
    breaking = {"type": "object", "properties": retyped, "required": ["col0"]}
    outcome = _ok(await c.post(f"/api/v1/assets/{main}/versions", json={"schema": breaking}))
    proposal = outcome["proposal"]["id"]
    down = []
    for i in range(8):
        await edge(await asset(f"raw.source.s{i}"), main)
        down.append(await asset(f"mart.use.m{i}"))
        await edge(main, down[-1])
    for i in range(4):
        await edge(down[i], await asset(f"mart.far.f{i}"))
    for run in range(30):
        checks = [
            {"id": f"not_null:col{k}", "kind": "not_null",
             "status": "fail" if (run % 7 == 3 and k < 2) else "pass",
             "failed_rows": 4 if (run % 7 == 3 and k < 2) else 0}
            for k in range(20)
        ]  # fmt: skip
        body = {"source": "s3://lake/orders.parquet", "checks": checks}
        _ok(await c.post(f"/api/v1/assets/{main}/validation-runs", json=body))
    return {"asset": main, "proposal": proposal}


async def _sign_in(c: httpx.AsyncClient, key: str) -> None:
    form = await c.get("/ui/login")
    found = CSRF.search(form.text)
    assert found is not None, form.text[:500]
    r = await c.post("/ui/login", data={"api_key": key, "csrf_token": found.group(1)})
    if r.status_code != 303:
        raise RuntimeError(f"sign-in failed: {r.status_code}")


async def _measure(
    get: Callable[[], Awaitable[httpx.Response]], n: int
) -> tuple[list[float], httpx.Response]:
    r = await get()
    for _ in range(5):
        r = await get()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        r = await get()
        samples.append((time.perf_counter() - t) * 1000)
    return samples, r


async def _profile(get: Callable[[], Awaitable[httpx.Response]], n: int) -> None:
    """cProfile over ``n`` requests of one page: the 30 functions with the most own time."""
    import cProfile
    import pstats

    for _ in range(5):
        await get()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        await get()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def _row(name: str, samples: list[float], body: bytes, ref_p50: float) -> str:
    p50, p95 = statistics.median(samples), percentile(samples, 95)
    size, packed = len(body), len(gzip.compress(body, 6))
    flag = "" if p95 <= TARGET_MS and size <= TARGET_BYTES else "  <-- over target"
    return (f"{name:<28} {p50:7.1f} {p95:7.1f} {p50 / ref_p50:6.1f}x "
            f"{size / 1024:8.1f} {packed / 1024:8.1f}{flag}")  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    from accord.app import create_app
    from accord.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite+aiosqlite:///{Path(tmp) / 'accord.db'}"
        if args.postgres:
            await recreate_database(url)
        settings = Settings.model_validate(
            {"database_url": url, "data_dir": Path(tmp), "environment": "development",
             "key_pepper": PEPPER, "log_level": "warning", "auto_migrate": False,
             "worker_in_process": False, "rate_limit_enabled": False}
        )  # fmt: skip
        admin_key = await _admin_key(settings)
        app = create_app(settings, run_startup_checks=False, warm_engine=True)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            admin = {"Authorization": f"Bearer {admin_key}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=admin, timeout=60
            ) as api:
                t = time.perf_counter()
                ids = await _seed(api, args.versions, args.consumers)
                print(f"seeded in {time.perf_counter() - t:.1f} s "
                      f"({args.versions} versions, {args.consumers} registrations)")  # fmt: skip
            ref_transport = httpx.ASGITransport(app=_reference_app())
            async with httpx.AsyncClient(transport=ref_transport, base_url="http://ref") as ref:
                ref_samples, ref_r = await _measure(lambda: ref.get("/page"), args.requests)
            ref_p50 = statistics.median(ref_samples)
            asset, proposal = ids["asset"], ids["proposal"]
            pages = [
                "/ui/inbox", f"/ui/proposals/{proposal}", "/ui/assets", f"/ui/assets/{asset}",
                f"/ui/assets/{asset}/diff", "/ui/audit", "/ui/admin", "/ui/admin/keys",
                "/ui/admin/webhooks", "/ui/admin/dead-letters", "/ui/admin/workspace",
            ]  # fmt: skip
            print(f"{'page':<28} {'p50 ms':>7} {'p95 ms':>7} {'ratio':>7} {'KiB':>8} {'gz KiB':>8}")
            print(_row("reference (bare Jinja)", ref_samples, ref_r.content, ref_p50))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=60
            ) as ui:
                await _sign_in(ui, admin_key)
                for path in pages:
                    name = path.replace(asset, "{asset}").replace(proposal, "{proposal}")
                    if args.profile and args.profile != name:
                        continue
                    if args.profile:
                        await _profile(functools.partial(ui.get, path), args.requests)
                        continue
                    first = await ui.get(path)
                    if first.status_code == 404:
                        print(f"{name:<28} skipped: 404 (not built yet)")
                        continue
                    if first.status_code != 200:
                        print(f"{name:<28} skipped: status {first.status_code}")
                        continue
                    samples, r = await _measure(functools.partial(ui.get, path), args.requests)
                    print(_row(name, samples, r.content, ref_p50))


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--consumers", type=int, default=50)
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://... URL")
    parser.add_argument(
        "--profile", default=None, help="profile one page instead, e.g. '/ui/assets/{asset}'"
    )
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
