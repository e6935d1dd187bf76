"""Hostile callers against a real `accord serve` (issue 14): what each attack costs now.

    .venv/bin/python -m bench.abuse [--seconds 5] [--postgres URL]

Starts a fresh server (SQLite unless --postgres) and prints:

1. the time of the 40-character ReDoS request (`patternProperties: {"^(a+)+$": ...}` with a
   property named 40 x `a` + `!`) to `POST /compat/check` and `POST /assets/{id}/impact`
   with a read key, and of a 20-level `$ref`/`allOf` bomb (targets: each <= 2 s, answered
   with a verdict, `undecided`, or a 4xx/503);
2. `/healthz` latency (p50/p99/max, sampled every 20 ms) while 8 clients, each with its own
   read key, send such requests and engine-saturating transitive checks back to back for
   --seconds (target: p99 <= 100 ms), with the statuses they got;
3. the server's RSS growth under 20 concurrent unauthenticated 60 MB posts to
   `/api/v1/imports/dbt` (target: <= 20 MB), and how many bytes were accepted;
4. after how many requests with bad keys from one client the server answers 429.

The load runs in this process on the same 2 cores as the server: figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench._server import bootstrap_admin, percentile, running_server_process

REDOS_CHARS = 40
BOMB_LEVELS = 20


def redos_pair(chars: int = REDOS_CHARS) -> tuple[dict[str, Any], dict[str, Any]]:
    name = "a" * chars + "!"
    old = {
        "type": "object",
        "properties": {name: {"type": "string"}},
        "patternProperties": {"^(a+)+$": {"type": "integer"}},
    }
    return old, {**old, "properties": {name: {"type": "integer"}}}


def ref_bomb(levels: int = BOMB_LEVELS) -> dict[str, Any]:
    defs: dict[str, Any] = {"d0": {"type": "string", "pattern": "^(a|aa)+$"}}
    for i in range(1, levels + 1):
        prev = {"$ref": f"#/$defs/d{i - 1}"}
        defs[f"d{i}"] = {"allOf": [prev, prev]}
    return {"$defs": defs, "$ref": f"#/$defs/d{levels}"}


def heavy_history(versions: int = 300, props: int = 40) -> dict[str, Any]:
    """A transitive check that keeps the engine busy (~0.6 MB, under the body limit)."""
    history = [
        {
            "type": "object",
            "properties": {f"p{i}": {"type": "string", "maxLength": 10 + v} for i in range(props)},
        }
        for v in range(versions)
    ]
    return {"history": history, "new": history[-1], "mode": "full_transitive"}


async def _keys(base: str, admin: str, n: int) -> tuple[str, list[dict[str, str]]]:
    """A team, ``n`` read keys and (last) one write key of it."""
    headers = {"Authorization": f"Bearer {admin}"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as c:
        team = (await c.post("/api/v1/teams", json={"name": "abuse"})).json()["id"]
        out = []
        for i in range(n):
            r = await c.post(
                "/api/v1/api-keys", json={"name": f"k{i}", "team_id": team, "scopes": ["read"]}
            )
            out.append({"Authorization": f"Bearer {r.json()['key']}"})
        writer = await c.post(
            "/api/v1/api-keys",
            json={"name": "w", "team_id": team, "scopes": ["read", "write"]},
        )
        out.append({"Authorization": f"Bearer {writer.json()['key']}"})
        return team, out


async def _timed(c: httpx.AsyncClient, path: str, body: Any, headers: dict[str, str]) -> str:
    started = time.perf_counter()
    r = await c.post(path, json=body, headers=headers, timeout=60)
    ms = (time.perf_counter() - started) * 1000
    outcome = ""
    if r.status_code == 200 and "verdicts" in r.json():
        outcome = " " + r.json()["verdicts"][body.get("mode", "forward")]["outcome"]
    elif r.status_code == 200:
        outcome = f" breaking={r.json().get('breaking')}"
    return f"{ms:8.1f} ms  HTTP {r.status_code}{outcome}"


async def single_requests(base: str, team: str, keys: list[dict[str, str]]) -> None:
    old, new = redos_pair()
    bomb = ref_bomb()
    reader, writer = keys[0], keys[-1]
    async with httpx.AsyncClient(base_url=base) as c:
        asset = await c.post(
            "/api/v1/assets",
            json={"fqn": "abuse.redos", "owner_team_id": team, "compatibility": "full"},
            headers=writer,
        )
        asset_id = asset.json()["id"]
        await c.post(
            f"/api/v1/assets/{asset_id}/versions",
            json={"schema": old, "format": "jsonschema"},
            headers=writer,
        )
        print("1. single hostile requests (read key)")
        check = {"old": old, "new": new, "mode": "backward", "content_model": "strict"}
        took = await _timed(c, "/api/v1/compat/check", check, reader)
        print(f"   ReDoS ({REDOS_CHARS} chars) /compat/check   {took}")
        impact = {"schema": new, "format": "jsonschema"}
        took = await _timed(c, f"/api/v1/assets/{asset_id}/impact", impact, reader)
        print(f"   ReDoS ({REDOS_CHARS} chars) /impact         {took}")
        bombed = {"old": bomb, "new": {**bomb, "maxLength": 10}, "mode": "backward"}
        took = await _timed(c, "/api/v1/compat/check", bombed, reader)
        print(f"   $ref bomb ({BOMB_LEVELS} levels) /compat/check {took}")


_PROBE = """
import json, sys, time
import httpx
base, seconds = sys.argv[1], float(sys.argv[2])
samples = []
with httpx.Client(base_url=base) as c:
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        started = time.perf_counter()
        c.get("/healthz", timeout=30).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)
print(json.dumps(samples))
"""


async def healthz_under_load(base: str, keys: list[dict[str, str]], seconds: float) -> None:
    """The probe runs in a process of its own, so the attackers' work in this one (encoding
    and decoding big bodies) never delays it; bodies are encoded once."""
    old, new = redos_pair()
    bodies = [
        json.dumps(body).encode()
        for body in (
            {"old": old, "new": new, "mode": "backward", "content_model": "strict"},
            {"old": ref_bomb(), "new": ref_bomb(BOMB_LEVELS - 1), "mode": "full"},
            heavy_history(),
        )
    ]
    statuses: Counter[str] = Counter()
    stop = time.monotonic() + seconds

    async def attacker(c: httpx.AsyncClient, headers: dict[str, str], i: int) -> None:
        n = i
        while time.monotonic() < stop:
            body = bodies[n % len(bodies)]
            n += 1
            r = await c.post(
                "/api/v1/compat/check",
                content=body,
                headers={**headers, "Content-Type": "application/json"},
                timeout=60,
            )
            statuses[f"{r.status_code}"] += 1

    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _PROBE, base, str(seconds), stdout=asyncio.subprocess.PIPE
    )
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=base, limits=limits) as c:
        await asyncio.gather(*(attacker(c, keys[i], i) for i in range(8)))
    out, _ = await probe.communicate()
    samples: list[float] = json.loads(out)
    print(f"2. /healthz while 8 keys send hostile and engine-saturating checks for {seconds:g} s")
    print(
        f"   healthz p50 {percentile(samples, 50):.1f} ms, p99 {percentile(samples, 99):.1f} ms, "
        f"max {max(samples):.1f} ms over {len(samples)} probes; attack statuses "
        + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    )


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def unauthenticated_uploads(base: str, pid: int) -> None:
    size, chunk = 60 * 2**20, 256 * 1024
    sent = Counter[int]()

    async def body(i: int) -> Any:
        for _ in range(size // chunk):
            sent[i] += chunk
            yield b" " * chunk

    async def post(c: httpx.AsyncClient, i: int) -> int:
        try:
            r = await c.post(
                "/api/v1/imports/dbt", content=body(i), headers={"Content-Type": "application/json"}
            )
            return r.status_code
        except httpx.HTTPError:
            return 0  # the server closed the connection after its answer

    before = _rss_kib(pid)
    peak = before
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_kib(pid))
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        codes = await asyncio.gather(*(post(c, i) for i in range(20)))
    done.set()
    await watcher
    print("3. 20 concurrent unauthenticated 60 MB posts to /api/v1/imports/dbt")
    print(
        f"   server RSS {before / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB: growth "
        f"{(peak - before) / 1024:.1f} MiB; statuses {dict(Counter(codes))} (httpx sent "
        f"{sum(sent.values()) / 2**20:.0f} MiB: it writes a whole body before reading the "
        "answer; the server kept none of it)"
    )


async def bad_key_burst(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as c:
        for n in range(1, 2001):
            key = f"acd_bad{n:020d}"
            r = await c.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
            if r.status_code == 429:
                print(
                    f"4. bad keys from one client: 429 from request {n} "
                    f"(Retry-After {r.headers.get('retry-after')} s, "
                    f"RateLimit: {r.headers.get('ratelimit')})"
                )
                return
    print("4. bad keys from one client: no 429 within 2,000 requests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--server-log", type=Path, default=None, help="Keep the server's log")
    args = parser.parse_args()
    extra = {"ACCORD_LOG_LEVEL": "info"} if args.server_log else None
    with running_server_process(args.postgres, extra, args.server_log) as (base, env, proc):
        admin = bootstrap_admin(env)
        team, keys = asyncio.run(_keys(base, admin, 8))
        asyncio.run(single_requests(base, team, keys))
        asyncio.run(healthz_under_load(base, keys, args.seconds))
        asyncio.run(unauthenticated_uploads(base, proc.pid))
        asyncio.run(bad_key_burst(base))


if __name__ == "__main__":
    main()
