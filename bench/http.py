"""Accord's HTTP read paths beside a bare FastAPI app of the same dependency shape, under
one load generator (wrk), in one run; and the compatible-publish latency (issue 21).

    .venv/bin/python -m bench.http [--seconds 10] [--connections 8] [--postgres URL]
        [--only me,version,publish,workers] [--publishes 300]

Starts `accord serve` (a fresh SQLite data directory; with --postgres, a fresh database as
well) and sets it up through its HTTP API: a team, a team read key, a write key, an asset
with a 50-column table contract. The reference (`bench/_reference.py`) is a FastAPI app
in its own uvicorn process, with the same uvicorn options as `accord serve`, one
header-reading dependency that looks the key up in a dict and pydantic response models of
Accord's shapes; it serves the /me and version answers Accord gave during setup. On each
read path wrk (--connections connections, 2 threads, a 2 s warm-up first) runs against the
reference, then against Accord; the table gives both req/s, their ratio and Accord's
latency. Publish: sequential compatible publishes (each a new revision of one column's
description in a 50-column table, then each narrowing one column's max_length, which
changes the rows: both compatible under the default policy, forward) on one keep-alive
httpx client, after 20 warm-up ones; on SQLite, in 6 rounds taking turns with the
reference's publish floor.
With --postgres, also `accord serve --workers 2` on the same database against one
process (and the reference with 2 uvicorn workers against 1). wrk, the servers and this
script share the machine's cores, so the figures are relative, not capacities.

Accord runs with its rate limiter on but with quotas no run reaches
(ACCORD_RATE_LIMIT_PER_KEY/PER_CLIENT): the limiter's work is measured, never a 429.
Targets (issue 21): /me >= 50 % of the reference's req/s; version >= 25 %; compatible
publish p50 <= 5 ms on SQLite; 2 processes >= 1.7x one on the read paths (PostgreSQL).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench._reference import running_reference
from bench._server import bootstrap_admin, percentile, running_server_process

PARTS = ("me", "version", "publish", "workers")
WARMUP_S = 2
PUBLISH_WARMUP = 20
PUBLISH_ROUNDS = 6  # Accord and the reference take turns
# Quotas no run reaches: the limiter still counts every request.
LIMITS = {
    "ACCORD_RATE_LIMIT_PER_KEY": "100000000/minute",
    "ACCORD_RATE_LIMIT_PER_CLIENT": "100000000/minute",
}
PATHS = {"me": "GET /api/v1/me", "version": "GET /api/v1/assets/{id}/versions/{v}"}
TARGETS = {"me": 50.0, "version": 25.0}  # % of the reference's req/s
PUBLISH_TARGET_MS = 5.0
WORKERS_TARGET = 1.7

# wrk's summary as one parsable line: requests, duration (us), the five error counts
# (status: answers >= 400) and latency percentiles (us).
DONE_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %f %f %f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"""

_TYPES = ("int64", "string", "decimal(12,2)", "timestamp(6)", "boolean", "varchar(64)",
          "date", "float64", "int32", "string")  # fmt: skip


# How each timed publish revises the table: both are compatible under the assets' policy
# (the workspace default, forward) and keep its 50 columns. "description": the last
# column's description (documentation only: the rows stay the same, and Accord's engine
# shares the previous version's row documents); "narrow": the last column's max_length
# shrinks by one (the rows change, so they are built and judged anew; old readers still
# read every new row).
CHANGES = ("description", "narrow")


def table_schema(revision: int = 0, change: str = "description") -> dict[str, Any]:
    """A 50-column table schema (``id`` the non-null primary key), at ``revision`` of
    ``change`` (see CHANGES): every timed publish checks the same shape."""
    columns: list[dict[str, Any]] = [{"name": "id", "type": "int64", "nullable": False}]
    columns += [
        {
            "name": f"col_{i:02d}",
            "type": _TYPES[i % len(_TYPES)],
            "nullable": i % 3 != 0,
            "description": f"Column {i} of the wide benchmark table.",
        }
        for i in range(1, 50)
    ]
    columns[-1]["max_length"] = 100_000 - (revision if change == "narrow" else 0)
    if revision and change == "description":
        columns[-1]["description"] += f" Revision {revision}."
    return {"name": "bench_wide", "columns": columns, "primary_key": ["id"]}


@dataclass(frozen=True)
class Setup:
    read_key: str
    write_key: str
    asset_id: str
    publish_asset_id: str
    narrow_asset_id: str
    me: dict[str, Any]
    write_me: dict[str, Any]
    version: dict[str, Any]

    def path(self, part: str) -> str:
        if part == "me":
            return "/api/v1/me"
        return f"/api/v1/assets/{self.asset_id}/versions/{self.version['version']}"

    def reference_data(self) -> dict[str, Any]:
        keys = {self.read_key: self.me, self.write_key: self.write_me}
        return {"keys": keys, "versions": [self.version]}


def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 300:
        raise RuntimeError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}")
    body: dict[str, Any] = r.json()
    return body


def setup(base: str, env: dict[str, str]) -> Setup:
    """Everything through the HTTP API, as a team would do it."""
    admin = {"Authorization": f"Bearer {bootstrap_admin(env)}"}
    with httpx.Client(base_url=base, timeout=60) as c:
        team = _ok(c.post("/api/v1/teams", json={"name": "bench"}, headers=admin))
        keys = {
            name: _ok(
                c.post(
                    "/api/v1/api-keys",
                    json={"name": f"bench-{name}", "team_id": team["id"], "scopes": scopes},
                    headers=admin,
                )
            )["key"]
            for name, scopes in (("read", ["read"]), ("write", ["read", "write"]))
        }
        write = {"Authorization": f"Bearer {keys['write']}"}
        read = {"Authorization": f"Bearer {keys['read']}"}
        assets = []
        for fqn in (
            "warehouse.bench.wide",
            "warehouse.bench.published",
            "warehouse.bench.narrowed",
        ):
            asset = _ok(
                c.post("/api/v1/assets", json={"fqn": fqn, "owner_team_id": team["id"]},
                       headers=write)
            )  # fmt: skip
            body = {"schema": table_schema(), "format": "table", "version": "1.0.0"}
            _ok(c.post(f"/api/v1/assets/{asset['id']}/versions", json=body, headers=write))
            assets.append(str(asset["id"]))
        me = _ok(c.get("/api/v1/me", headers=read))
        write_me = _ok(c.get("/api/v1/me", headers=write))
        version = _ok(c.get(f"/api/v1/assets/{assets[0]}/versions/1.0.0", headers=read))
    if len(version["schema"]["columns"]) != 50:
        raise RuntimeError("the stored table schema does not have 50 columns")
    published, narrowed = assets[1], assets[2]
    return Setup(keys["read"], keys["write"], assets[0], published, narrowed, me, write_me, version)


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors and timeouts


@contextmanager
def wrk_script() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "done.lua"
        path.write_text(DONE_LUA)
        yield path


_LINE = re.compile(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)$")


def wrk(url: str, key: str, seconds: float, connections: int, script: Path) -> Load:
    """A 2 s warm-up, then ``seconds`` of load. An answer >= 400 fails the run; socket
    errors and timeouts (wrk's 2 s) of the timed part are counted in `Load.errors`."""
    _wrk_once(url, key, WARMUP_S, connections, script)
    return _wrk_once(url, key, seconds, connections, script)


def _wrk_once(url: str, key: str, seconds: float, connections: int, script: Path) -> Load:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
         "-s", str(script), "-H", f"Authorization: Bearer {key}", url],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    found = next((m for line in out.stdout.splitlines() if (m := _LINE.match(line))), None)
    if found is None:
        raise RuntimeError(f"no summary from wrk:\n{out.stdout}\n{out.stderr}")
    n, dur_us, connect, read, write, status, timeout = (int(g) for g in found.groups()[:7])
    if status:
        answer = httpx.get(url, headers={"Authorization": f"Bearer {key}"})
        raise RuntimeError(
            f"wrk {url}: {status} of {n} answers >= 400; one request now answers "
            f"{answer.status_code} {answer.text[:300]}"
        )
    p50, p90, p99 = (float(g) / 1000 for g in found.groups()[7:])
    return Load(n / (dur_us / 1e6), p50, p90, p99, n, connect + read + write + timeout)


def publish_latency(
    base: str,
    s: Setup,
    n: int,
    *,
    first: int = 1,
    warmup: int = PUBLISH_WARMUP,
    change: str = "description",
) -> list[float]:
    """Sequential compatible publishes (a new revision of ``change`` each, numbered from
    ``first``), in ms; the ``warmup`` first ones are not timed."""
    asset = s.publish_asset_id if change == "description" else s.narrow_asset_id
    url = f"/api/v1/assets/{asset}/versions"
    headers = {"Authorization": f"Bearer {s.write_key}"}
    samples: list[float] = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        for i in range(warmup + n):
            body = {"schema": table_schema(first + i, change), "format": "table"}
            t = time.perf_counter()
            r = c.post(url, json=body)
            elapsed = (time.perf_counter() - t) * 1000
            if (
                r.status_code != 201
                or r.json()["outcome"] != "published"
                or r.json().get("auto_approved")
            ):
                raise RuntimeError(f"publish {first + i}: {r.status_code} {r.text[:500]}")
            if i >= warmup:
                samples.append(elapsed)
    return samples


Row = dict[str, Any]


def read_rows(
    db: str, accord: str, reference: str, s: Setup, args: argparse.Namespace, script: Path
) -> list[Row]:
    rows = []
    for part in ("me", "version"):
        if part not in args.only:
            continue
        path = s.path(part)
        ref = wrk(reference + path, s.read_key, args.seconds, args.connections, script)
        acc = wrk(accord + path, s.read_key, args.seconds, args.connections, script)
        ratio = 100 * acc.rps / ref.rps
        rows.append(
            {"path": PATHS[part], "db": db, "accord": acc, "reference": ref, "ratio": ratio,
             "target": f">= {TARGETS[part]:.0f} %", "met": ratio >= TARGETS[part]}
        )  # fmt: skip
        _progress(f"{db} {PATHS[part]}: accord {acc.rps:.0f} req/s, reference {ref.rps:.0f}")
    return rows


def worker_rows(
    one: str, two: str, ref_one: str, ref_two: str, s: Setup, args: argparse.Namespace,
    script: Path,
) -> list[Row]:  # fmt: skip
    rows = []
    for part in ("me", "version"):
        path = s.path(part)
        load = {
            name: wrk(base + path, s.read_key, args.seconds, args.connections, script)
            for name, base in (("ref1", ref_one), ("ref2", ref_two), ("acc1", one), ("acc2", two))
        }
        ratio = load["acc2"].rps / load["acc1"].rps
        rows.append(
            {"path": PATHS[part], "load": load, "ratio": ratio,
             "ref_ratio": load["ref2"].rps / load["ref1"].rps, "met": ratio >= WORKERS_TARGET}
        )  # fmt: skip
        _progress(f"workers {PATHS[part]}: 2 processes / 1 = {ratio:.2f}x")
    return rows


def publish_row(
    db: str,
    base: str,
    s: Setup,
    n: int,
    reference: str | None = None,
    change: str = "description",
) -> Row:
    """Accord's publish latency; with ``reference``, the reference app's publish floor
    (`bench._reference`) measured the same way, in PUBLISH_ROUNDS rounds taking turns
    with Accord's, so that both meet the machine in the same state (a shared machine's
    speed drifts within minutes)."""
    rounds = PUBLISH_ROUNDS if reference else 1
    samples: list[float] = []
    floor: list[float] = []
    for r in range(rounds):
        size = n // rounds + (1 if r < n % rounds else 0)
        warmup = PUBLISH_WARMUP if r == 0 else 0
        first = 1 + len(samples) + (PUBLISH_WARMUP if r else 0)
        samples += publish_latency(base, s, size, first=first, warmup=warmup, change=change)
        if reference:
            floor += publish_latency(reference, s, size, first=first, warmup=warmup, change=change)
    p50 = percentile(samples, 50)
    ref = percentile(floor, 50) if reference else None
    row: Row = {
        "db": db,
        "change": change,
        "p50": p50,
        "p95": percentile(samples, 95),
        "first": percentile(samples[:50], 50),
        "last": percentile(samples[-50:], 50),
        "n": n,
        "ref_p50": ref,
        "target": f"<= {PUBLISH_TARGET_MS:g} ms" if db == "SQLite" else "-",
        "met": (p50 <= PUBLISH_TARGET_MS) if db == "SQLite" else None,
    }
    _progress(
        f"{db} publish ({change}): p50 {p50:.2f} ms" + (f", reference {ref:.2f} ms" if ref else "")
    )
    return row


def _progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def _yes(met: bool | None) -> str:
    return "-" if met is None else ("yes" if met else "NO")


def report(
    reads: list[Row], publishes: list[Row], workers: list[Row], args: argparse.Namespace
) -> None:
    print(
        f"accord vs a bare FastAPI reference, wrk -t2 -c{args.connections} "
        f"-d{args.seconds:g}s (after {WARMUP_S} s warm-up), loopback, one run"
    )
    if reads:
        head = (
            f"{'path':38}{'db':12}{'accord r/s':>11}{'ref r/s':>9}{'ratio':>8}"
            f"{'accord p50/p99 ms':>19}{'ref p50/p99 ms':>16}  {'target':10}{'met':>4}"
        )
        print("\n" + head + "\n" + "-" * len(head))
        for r in reads:
            a, ref = r["accord"], r["reference"]
            print(
                f"{r['path']:38}{r['db']:12}{a.rps:>11.0f}{ref.rps:>9.0f}{r['ratio']:>7.1f}%"
                f"{f'{a.p50_ms:.2f} / {a.p99_ms:.2f}':>19}"
                f"{f'{ref.p50_ms:.2f} / {ref.p99_ms:.2f}':>16}  {r['target']:10}"
                f"{_yes(r['met']):>4}"
            )
    if publishes:
        head = (
            f"{'compatible publish, 50 cols':38}{'db':12}{'change':13}{'p50 ms':>8}{'p95 ms':>8}"
            f"{'first/last 50 p50':>19}{'n':>6}  {'target':10}{'met':>4}{'ref p50':>9}{'x ref':>7}"
        )
        print("\n" + head + "\n" + "-" * len(head))
        for p in publishes:
            ends = f"{p['first']:.2f} / {p['last']:.2f}"
            ref = p["ref_p50"]
            versus = f"{ref:>9.2f}{p['p50'] / ref:>6.1f}x" if ref else f"{'-':>9}{'-':>7}"
            print(
                f"{'POST /api/v1/assets/{id}/versions':38}{p['db']:12}{p['change']:13}"
                f"{p['p50']:>8.2f}"
                f"{p['p95']:>8.2f}{ends:>19}{p['n']:>6}  {p['target']:10}{_yes(p['met']):>4}"
                f"{versus}"
            )
        print(
            f"(one keep-alive client, {PUBLISH_WARMUP} warm-up publishes; each revises one "
            "column's description, or narrows its max_length, which changes the rows: the "
            "table keeps its 50 columns; ref: the reference app's "
            "publish floor on SQLite, one write transaction and no engine, audit or outbox, "
            f"timed in {PUBLISH_ROUNDS} rounds taking turns with Accord's)"
        )
    if workers:
        head = (
            f"{'PostgreSQL, 2 API processes vs 1':38}{'1 proc r/s':>11}{'2 proc r/s':>11}"
            f"{'ratio':>7}  {'target':8}{'met':>4}{'ref 1 / 2 proc r/s':>20}{'ref ratio':>10}"
        )
        print("\n" + head + "\n" + "-" * len(head))
        for w in workers:
            load = w["load"]
            refs = f"{load['ref1'].rps:.0f} / {load['ref2'].rps:.0f}"
            print(
                f"{w['path']:38}{load['acc1'].rps:>11.0f}{load['acc2'].rps:>11.0f}"
                f"{w['ratio']:>6.2f}x  {f'>= {WORKERS_TARGET}x':8}{_yes(w['met']):>4}"
                f"{refs:>20}{w['ref_ratio']:>9.2f}x"
            )
    elif "workers" in args.only and not args.postgres:
        print("\n2 API processes: skipped (needs --postgres)")
    loads = [(f"{r['db']} {r['path']}", r[k]) for r in reads for k in ("accord", "reference")]
    loads += [(f"workers {w['path']} {k}", v) for w in workers for k, v in w["load"].items()]
    for name, load in loads:
        if load.errors:
            print(f"note: {name}: {load.errors} socket errors/timeouts in {load.requests} requests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="wrk duration per run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--postgres", help="also on this postgresql+asyncpg URL")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts of {','.join(PARTS)}"
    )
    parser.add_argument("--publishes", type=int, default=300, help="timed publishes")
    args = parser.parse_args()
    args.only = {p.strip() for p in args.only.split(",") if p.strip()}
    if unknown := args.only - set(PARTS):
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install -y wrk)")
    reads: list[Row] = []
    publishes: list[Row] = []
    workers: list[Row] = []
    with wrk_script() as script:
        if args.only & {"me", "version", "publish"}:
            with running_server_process(None, LIMITS) as (base, env, _):
                s = setup(base, env)
                if args.only & {"me", "version"}:
                    with running_reference(s.reference_data()) as ref:
                        reads += read_rows("SQLite", base, ref, s, args, script)
                if "publish" in args.only:
                    with running_reference(s.reference_data()) as ref:
                        publishes += [
                            publish_row("SQLite", base, s, args.publishes, ref, change)
                            for change in CHANGES
                        ]
        if args.postgres:
            with running_server_process(args.postgres, LIMITS) as (base, env, _):
                s = setup(base, env)
                with running_reference(s.reference_data()) as ref:
                    reads += read_rows("PostgreSQL", base, ref, s, args, script)
                    if "workers" in args.only:
                        with (
                            running_server_process(
                                args.postgres, LIMITS, workers=2, fresh_database=False
                            ) as (two, _, _),
                            running_reference(s.reference_data(), workers=2) as ref_two,
                        ):
                            workers += worker_rows(base, two, ref, ref_two, s, args, script)
                if "publish" in args.only:
                    publishes += [
                        publish_row("PostgreSQL", base, s, args.publishes, change=change)
                        for change in CHANGES
                    ]
    report(reads, publishes, workers, args)


if __name__ == "__main__":
    main()
