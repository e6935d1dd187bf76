"""Read paths at 100 assets and at 10,000 assets / 1,000,000 versions on PostgreSQL (issue 21).

    .venv/bin/python -m bench.scale --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/accord_bench_scale
        [--assets 10000] [--versions 1000000] [--small-assets 100] [--hot-versions 10000]
        [--calls 50] [--explain] [--keep] [--reuse] [--pg-log PATH]

1. Seeds two databases: the URL's (LARGE: --assets assets, --versions versions in all) and
   `<name>_small` (SMALL: --small-assets assets of the same shape). Each starts empty (`accord
   db upgrade`); the workspace, keys, teams and three template assets (versions,
   registrations, an open and a published proposal, a lineage edge) go through the HTTP
   API, then SQL clones them to size (bench/_seed.py): ~100 versions per asset, one "hot"
   asset with --hot-versions versions (in both databases, so per-asset paths compare like
   with like), 3 registrations per asset, lineage groups of 10 (chains of up to 9 edges),
   max(150, 0.3 x assets) proposals (a third open), then VACUUM ANALYZE. --reuse keeps a
   database that a previous run seeded to the same shape (--keep leaves them).
2. Profiles every path once per database on a server whose sessions log every statement
   (`ALTER DATABASE ... SET log_min_duration_statement = 0`) and its plan (auto_explain
   with ANALYZE and BUFFERS, loaded by `session_preload_libraries`), read back from the
   PostgreSQL log: statements per request (list paths also at limit=10, to expose N+1)
   and every plan that scans a large table sequentially, filters away > 1,000 rows or
   takes > 5 ms (--explain prints those plans in full).
3. Times every path over HTTP with the team's read key (httpx, keep-alive, sequential):
   both servers up at once, warm-up, then rounds alternating SMALL and LARGE (--calls
   each; fewer for paths slower than 0.1 s) so that load from elsewhere on the machine
   hits both alike; prints p50 per size, the ratio and whether it is within 2x.

Servers run with rate limits off and ACCORD_COMPAT_TIMEOUT_S=60: a transitive check over
10,000 versions does not fit the default 2 s budget on a 2-core machine (503
`engine_timeout`, or an undecided verdict that counts as breaking), and that is measured
separately. The databases are dropped at the end unless --keep. Figures only; no test
asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import math
import os
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import asyncpg
import httpx
from sqlalchemy import make_url

from accord.kit.pagination import encode_cursor
from bench._seed import Seeded, Shape, clone, load, pg_connect, save, seed_templates, version_name
from bench._server import bootstrap_admin, running_server_process

# No rate limit (thousands of calls from one key); the engine's budget is --compat-timeout.
ENV = {"ACCORD_RATE_LIMIT_ENABLED": "false", "ACCORD_COMPAT_TIMEOUT_S": "60"}
LARGE_TABLES = frozenset(
    {"assets", "contract_versions", "registrations", "lineage_edges", "proposals",
     "acknowledgments"}
)  # fmt: skip
SLOW_MS = 5.0
WASTE_ROWS = 1000  # flag a plan that filters away more rows than this
PROFILE_CALLS = 3
WARM_CALLS = 8
MARK = "accord-scale-mark"


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    url: str
    params: dict[str, str | int] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    paged: bool = False  # a list: profiled at limit=10 too (statements growing with rows)


def _get(c: httpx.Client, url: str, **params: str | int) -> Any:
    r = c.get(url, params=params)
    r.raise_for_status()
    return r.json()


def _candidate(c: httpx.Client, asset: str, version: str) -> dict[str, Any]:
    """A compatible change of the asset's latest version: one optional column more."""
    latest = _get(c, f"/api/v1/assets/{asset}/versions/{version}")
    doc = dict(latest["schema"])
    doc["properties"] = {**doc["properties"], "bench_note": {"type": "string"}}
    return {"schema": doc, "format": latest["format"]}


def calls_for(s: Seeded, c: httpx.Client) -> list[Call]:
    a = "/api/v1/assets"
    typ, hot, trans = s.typical, s.hot, s.transitive
    typ_v, hot_v, trans_v = (
        version_name(s.typical_versions),
        version_name(s.hot_versions),
        version_name(s.transitive_versions),
    )
    deep_seq = int(s.hot_versions * 0.9)
    h, t = "hot", "typ"
    return [
        Call("baseline GET /me (no data)", "GET", "/api/v1/me"),
        Call("assets list, first page", "GET", a, paged=True),
        Call("assets list, page at 90%", "GET", a, {"cursor": s.deep_assets_cursor}, paged=True),
        Call("assets search q (1 match)", "GET", a, {"q": s.rare_q}),
        Call("assets search q=sales lim 10", "GET", a, {"q": "sales", "limit": 10}),
        Call("assets tag (1 in 50) lim 10", "GET", a, {"tag": "gdpr", "limit": 10}),
        Call("assets owner team lim 20", "GET", a, {"owner_team_id": s.producer_team, "limit": 20}),
        Call("asset get", "GET", f"{a}/{typ}"),
        Call(f"version get latest ({t})", "GET", f"{a}/{typ}/versions/{typ_v}"),
        Call(f"version get latest ({h})", "GET", f"{a}/{hot}/versions/{hot_v}"),
        Call(f"versions list p1 ({t})", "GET", f"{a}/{typ}/versions", paged=True),
        Call(f"versions list p1 ({h})", "GET", f"{a}/{hot}/versions", paged=True),
        Call(
            f"versions list at 90% ({h})",
            "GET",
            f"{a}/{hot}/versions",
            {"cursor": encode_cursor([deep_seq])},
            paged=True,
        ),
        Call(
            f"diff last two ({t})",
            "GET",
            f"{a}/{typ}/diff",
            {"from": version_name(s.typical_versions - 1), "to": typ_v},
        ),
        Call(
            f"diff last two ({h})",
            "GET",
            f"{a}/{hot}/diff",
            {"from": version_name(s.hot_versions - 1), "to": hot_v},
        ),
        Call(
            "impact (forward, depth 10)",
            "POST",
            f"{a}/{typ}/impact",
            body=_candidate(c, typ, typ_v),
        ),
        Call(
            "transitive check (typ)",
            "POST",
            f"{a}/{trans}/impact",
            body=_candidate(c, trans, trans_v),
        ),
        Call(
            f"transitive check ({h})", "POST", f"{a}/{hot}/impact", body=_candidate(c, hot, hot_v)
        ),
        Call("lineage downstream depth 10", "GET", f"{a}/{typ}/lineage", {"depth": 10}),
        Call(
            "lineage upstream depth 10",
            "GET",
            f"{a}/{s.typical_tail}/lineage",
            {"direction": "upstream", "depth": 10},
        ),
        Call("lineage edges of an asset", "GET", "/api/v1/lineage/edges", {"asset_id": typ}),
        Call("proposals list, first page", "GET", "/api/v1/proposals", paged=True),
        Call(
            "proposals list status=open", "GET", "/api/v1/proposals", {"status": "open"}, paged=True
        ),
        Call(
            "proposals list team_to_act",
            "GET",
            "/api/v1/proposals",
            {"team_to_act": s.consumer_team},
            paged=True,
        ),
        Call("proposal get (open)", "GET", f"/api/v1/proposals/{s.open_proposal}"),
        Call("registrations list p1", "GET", "/api/v1/registrations", paged=True),
        Call("registrations of an asset", "GET", "/api/v1/registrations", {"asset_id": typ}),
        Call(
            "registrations of a team",
            "GET",
            "/api/v1/registrations",
            {"team_id": s.consumer_team},
            paged=True,
        ),
    ]


ROWS: dict[tuple[str, str], int] = {}  # (base url, path name): items in the last answer


class CallFailed(RuntimeError):
    pass


def send(c: httpx.Client, call: Call, **override: str | int) -> float:
    params = {**call.params, **override}
    t = time.perf_counter()
    r = c.request(call.method, call.url, params=params, json=call.body)
    elapsed = time.perf_counter() - t
    if r.status_code != 200:
        code = (
            r.json().get("code", "") if r.headers.get("content-type", "").endswith("json") else ""
        )
        raise CallFailed(f"{r.status_code} {code}".strip())
    if not override:
        body = r.json()
        items = body.get("items") if isinstance(body, dict) else None
        if isinstance(body, dict) and isinstance(body.get("downstream"), dict):
            items = body["downstream"].get("assets")
        ROWS[(str(c.base_url), call.name)] = len(items) if isinstance(items, list) else -1
    return elapsed


# --------------------------------------------------------------------------- databases


def small_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_small").render_as_string(hide_password=False)


def seed(url: str, shape: Shape, label: str, reuse: bool) -> Seeded:
    if reuse:
        found = asyncio.run(load(url))
        if (
            found is not None
            and found.assets == shape.assets
            and (shape.total_versions is None or found.versions == shape.total_versions)
        ):
            print(f"[{label}] reusing {make_url(url).database}: {found.assets} assets, "
                  f"{found.versions} versions")  # fmt: skip
            return found
    t = time.perf_counter()
    with running_server_process(url, extra_env=ENV) as (base, env, _):
        templates = seed_templates(base, bootstrap_admin(env))
    api_s = time.perf_counter() - t
    seeded = asyncio.run(clone(url, templates, shape, label, print))
    seeded = replace(seeded, seconds=time.perf_counter() - t)
    asyncio.run(save(url, seeded))
    print(f"[{label}] seeded in {seeded.seconds:.0f} s (API {api_s:.0f} s): {_sizes(seeded)}")
    return seeded


async def _drop(url: str) -> None:
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username,
        password=parsed.password, database="postgres",
    )  # fmt: skip
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await conn.close()


@contextmanager
def serving(url: str) -> Iterator[str]:
    """A server on an existing database (no recreate, no migration)."""
    env = {**ENV, "ACCORD_DATABASE_URL": url}
    with running_server_process(None, extra_env=env) as (base, _, _):
        yield base


def client(base: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=300)


# --------------------------------------------------------------------------- profile


PROFILE_SETTINGS = {
    "log_min_duration_statement": "0",
    "session_preload_libraries": "'auto_explain'",
    "auto_explain.log_min_duration": "0",
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_timing": "on",
    "auto_explain.log_nested_statements": "off",
}


async def _logging(url: str, on: bool) -> None:
    conn = await pg_connect(url)
    name = make_url(url).database
    try:
        if on:
            for key, value in PROFILE_SETTINGS.items():
                await conn.execute(f'ALTER DATABASE "{name}" SET "{key}" = {value}')
        else:
            await conn.execute(f'ALTER DATABASE "{name}" RESET ALL')
    finally:
        await conn.close()


PREFIX = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (?:(\S*)@(\S*) )?([A-Z]+):  (.*)$"
)
DURATION = re.compile(
    r"^duration: ([\d.]+) ms  (parse|bind|execute|statement|plan)([^:]*):(.*)$", re.S
)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


@dataclass
class Entry:
    pid: int
    db: str
    level: str
    text: str


@dataclass
class Plan:
    ms: float
    query: str
    plan: str

    @property
    def generic(self) -> bool:
        """A prepared statement's generic plan: parameters ($1) instead of values."""
        return re.search(r"(Cond|Filter): .*\$\d", self.plan) is not None

    @property
    def filtered(self) -> int:
        """Rows an index or sequential scan read and threw away (a missing index)."""
        return sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", self.plan))

    @property
    def seq_scans(self) -> list[str]:
        return sorted({t for t in SEQ_SCAN.findall(self.plan) if t in LARGE_TABLES})


@dataclass
class Profile:
    requests: int
    round_trips: int = 0
    queries: int = 0
    db_ms: float = 0.0
    plans: list[Plan] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)

    @property
    def per_request(self) -> float:
        return self.queries / self.requests

    @property
    def trips_per_request(self) -> float:
        return self.round_trips / self.requests


def read_entries(path: str, offset: int) -> list[Entry]:
    with open(path, "rb") as f:
        if os.path.getsize(path) < offset:  # rotated meanwhile
            offset = 0
        f.seek(offset)
        raw = f.read().decode("utf-8", "replace")
    entries: list[Entry] = []
    for line in raw.splitlines():
        m = PREFIX.match(line)
        if m:
            entries.append(Entry(int(m[1]), m[3] or "", m[4], m[5]))
        elif entries:
            entries[-1].text += "\n" + line
    return entries


TRIVIAL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SET |SHOW |;|$)", re.I)


def attribute(entries: list[Entry], db: str) -> dict[str, Profile]:
    """Statements and plans between begin/end marks, by mark key."""
    found: dict[str, Profile] = {}
    current: Profile | None = None
    marker_pid = -1
    for e in entries:
        if e.db != db or e.level != "LOG":
            continue
        m = DURATION.match(e.text)
        if m is None:
            continue
        ms, kind, body = float(m[1]), m[2], m[4].strip()
        if kind == "statement" and MARK in body:
            marker_pid = e.pid
            _, what, key = body.split("|", 2)
            key = key.rstrip("'")
            current = found.setdefault(key, Profile(PROFILE_CALLS)) if what == "begin" else None
            continue
        if current is None or e.pid == marker_pid:
            continue
        if kind == "plan":
            lines = [ln.removeprefix("\t") for ln in body.split("\n")]
            start = next((i for i, ln in enumerate(lines) if "  (cost=" in ln), len(lines))
            query = " ".join(" ".join(lines[:start]).removeprefix("Query Text:").split())
            if not _counted(query):
                continue
            current.plans.append(Plan(ms, query, "\n".join(lines[start:])))
            continue
        if kind not in ("execute", "statement"):
            continue
        if not _counted(body):
            continue
        current.round_trips += 1
        if not TRIVIAL.match(body):
            current.queries += 1
            current.db_ms += ms
            current.sql.append(" ".join(body.split()))
    return found


def _counted(sql: str) -> bool:
    """Not the periodic flush of key usage (`UPDATE api_keys ...`): it is not per request."""
    return not (sql.lstrip().upper().startswith("UPDATE") and "api_keys" in sql)


def pg_log_path(given: str | None) -> str | None:
    if given:
        return given
    found = sorted(glob.glob("/var/log/postgresql/postgresql-*.log"), key=os.path.getmtime)
    return found[-1] if found else None


def mark(conn: asyncpg.Connection, loop: asyncio.AbstractEventLoop, what: str, key: str) -> None:
    loop.run_until_complete(conn.execute(f"SELECT '{MARK}|{what}|{key}'"))


def profile(url: str, seeded: Seeded, log_path: str) -> dict[str, Profile]:
    asyncio.run(_logging(url, True))
    loop = asyncio.new_event_loop()
    try:
        offset = os.path.getsize(log_path)
        with serving(url) as base, client(base, seeded.read_key) as c:
            conn = loop.run_until_complete(pg_connect(url))
            try:
                for call in calls_for(seeded, c):
                    variants: list[tuple[str, dict[str, str | int]]] = [(call.name, {})]
                    if call.paged:
                        variants.append((f"{call.name}|10", {"limit": 10}))
                    try:
                        # Past 5 executions PostgreSQL may switch a prepared statement to
                        # its generic plan: profile the plans the server keeps using.
                        warm = time.perf_counter()
                        for _ in range(WARM_CALLS):
                            send(c, call)
                            if time.perf_counter() - warm > 10:
                                break
                        for key, override in variants:
                            send(c, call, **override)
                            mark(conn, loop, "begin", key)
                            try:
                                for _ in range(PROFILE_CALLS):
                                    send(c, call, **override)
                                time.sleep(0.3)
                            finally:
                                mark(conn, loop, "end", key)
                    except CallFailed as exc:
                        print(f"  profile: {call.name} failed: {exc}")
            finally:
                loop.run_until_complete(conn.close())
        time.sleep(0.5)
        return attribute(read_entries(log_path, offset), make_url(url).database or "")
    finally:
        loop.close()
        asyncio.run(_logging(url, False))


# --------------------------------------------------------------------------- timing


Samples = dict[tuple[str, str], list[float]]  # (size, path name): ms
Rows = dict[tuple[str, str], int]  # (size, path name): items returned (-1: not a list)
FAILED: dict[str, str] = {}  # path name: the first failure


def timing(
    urls: dict[str, str], seeded: dict[str, Seeded], calls: int
) -> tuple[list[str], Samples, Rows]:
    samples: Samples = defaultdict(list)
    rows: Rows = {}
    with ExitStack() as stack:
        clients: dict[str, httpx.Client] = {}
        for label, url in urls.items():
            base = stack.enter_context(serving(url))
            clients[label] = stack.enter_context(client(base, seeded[label].read_key))
        plans = {label: calls_for(seeded[label], c) for label, c in clients.items()}
        names = [call.name for call in plans["small"]]
        for i, name in enumerate(names):
            try:
                slowest = 0.0
                for label in clients:
                    for _ in range(3):
                        slowest = max(slowest, send(clients[label], plans[label][i]))
                n = calls if slowest < 0.1 else max(6, min(calls, int(6 / slowest)))
                rounds = min(5, n)
                per_round = math.ceil(n / rounds)
                order = list(clients)
                for r in range(rounds):
                    for label in order if r % 2 == 0 else order[::-1]:
                        for _ in range(per_round):
                            ms = send(clients[label], plans[label][i]) * 1000
                            samples[(label, name)].append(ms)
            except CallFailed as exc:
                FAILED[name] = str(exc)
                print(f"  {name:<32} failed: {exc}")
                continue
            for label, c in clients.items():
                rows[(label, name)] = ROWS.get((str(c.base_url), name), -1)
            s, big = (statistics.median(samples[(x, name)]) for x in ("small", "large"))
            print(f"  {name:<32} {s:8.1f} {big:8.1f} ms  ({len(samples[('large', name)])} calls)")
    return names, samples, rows


# --------------------------------------------------------------------------- report


def flagged(p: Profile | None) -> list[Plan]:
    if p is None:
        return []
    return [pl for pl in p.plans if pl.seq_scans or pl.ms > SLOW_MS or pl.filtered > WASTE_ROWS]


def report(
    names: list[str],
    samples: Samples,
    rows: Rows,
    profiles: dict[str, dict[str, Profile]],
    explain: bool,
) -> None:
    print()
    head = (f"{'path':<32} {'small':>7} {'large':>7} {'ratio':>6} {'<=2x':>4} "
            f"{'rows S/L':>8}  {'sql/req S':>9} {'L':>4} {'L@10':>4} {'db ms S':>7} {'L':>6}  "
            "flags (large)")  # fmt: skip
    print(head)
    print("-" * len(head))
    for name in names:
        if name in FAILED or not samples.get(("small", name)) or not samples.get(("large", name)):
            print(f"{name:<32} failed: {FAILED.get(name, 'no samples')}")
            continue
        s = statistics.median(samples[("small", name)])
        big = statistics.median(samples[("large", name)])
        ratio = big / s
        ps = profiles.get("small", {}).get(name)
        pl = profiles.get("large", {}).get(name)
        p10 = profiles.get("large", {}).get(f"{name}|10")
        flags = []
        if pl is not None and p10 is not None and pl.per_request > p10.per_request + 1:
            flags.append(f"N+1 ({p10.per_request:.0f} @10 -> {pl.per_request:.0f} @50)")
        for plan in flagged(pl):
            scan = f" seq scan {','.join(plan.seq_scans)}" if plan.seq_scans else ""
            waste = f" {plan.filtered} rows filtered" if plan.filtered > WASTE_ROWS else ""
            flags.append(f"{plan.ms:.1f} ms{scan}{waste}{' (generic)' if plan.generic else ''}")
        flags = sorted(set(flags), key=flags.index)
        counts = "/".join(_r(rows.get((x, name), -1)) for x in ("small", "large"))
        print(f"{name:<32} {s:7.1f} {big:7.1f} {ratio:6.2f} {'yes' if ratio <= 2 else 'NO':>4} "
              f"{counts:>8}  {_n(ps):>9} {_n(pl):>4} {_n(p10):>4} {_ms(ps):>7} {_ms(pl):>6}  "
              f"{'; '.join(flags[:4])}")  # fmt: skip
    print("\nrows: items answered; sql/req: SQL statements per request (without BEGIN, "
          "ROLLBACK, COMMIT, the pool's ping, SET); L@10: the same list at limit=10; db ms: "
          "their summed server time (with auto_explain's instrumentation). typ: an asset of "
          "~100 versions; hot: the asset of --hot-versions versions (both sizes).")  # fmt: skip
    seen: set[str] = set()
    for name in names:
        for plan in flagged(profiles.get("large", {}).get(name)):
            key = plan.query[:300]
            if key in seen:
                continue
            seen.add(key)
            scan = f", Seq Scan on {', '.join(plan.seq_scans)}" if plan.seq_scans else ""
            kind = ", generic plan" if plan.generic else ""
            waste = f", {plan.filtered} rows filtered" if plan.filtered > WASTE_ROWS else ""
            print(f"\n[{name}] {plan.ms:.1f} ms{scan}{waste}{kind}\n  SQL: {plan.query[:1200]}")
            if explain:
                print("  " + plan.plan.replace("\n", "\n  "))


def _n(p: Profile | None) -> str:
    return f"{p.per_request:.0f}" if p is not None else "-"


def _ms(p: Profile | None) -> str:
    return f"{p.db_ms / p.requests:.1f}" if p is not None else "-"


def _r(n: int) -> str:
    return "-" if n < 0 else str(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="postgresql+asyncpg URL (LARGE)")
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--small-assets", type=int, default=100)
    parser.add_argument("--hot-versions", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=50, help="timed calls per path and size")
    parser.add_argument("--explain", action="store_true", help="print the flagged plans")
    parser.add_argument("--keep", action="store_true", help="keep both databases")
    parser.add_argument("--reuse", action="store_true", help="reuse databases seeded alike")
    parser.add_argument("--no-profile", action="store_true", help="skip statement logging")
    parser.add_argument("--pg-log", help="the PostgreSQL server log (default: newest in "
                        "/var/log/postgresql)")  # fmt: skip
    args = parser.parse_args()
    name = make_url(args.postgres).database or ""
    if not name.startswith("accord_bench_scale"):
        raise SystemExit("the database name must start with accord_bench_scale")

    per_asset = (args.versions - args.hot_versions) // (args.assets - 1)
    urls = {"small": small_url(args.postgres), "large": args.postgres}
    shapes = {
        "small": Shape(args.small_assets, per_asset, args.hot_versions),
        "large": Shape(args.assets, per_asset, args.hot_versions, args.versions),
    }
    try:
        seeded = {label: seed(urls[label], shapes[label], label, args.reuse) for label in urls}
        profiles: dict[str, dict[str, Profile]] = {}
        log_path = pg_log_path(args.pg_log)
        if args.no_profile:
            pass
        elif log_path is None or not os.access(log_path, os.R_OK):
            print("no readable PostgreSQL log: statement counts and plans skipped (--pg-log)")
        else:
            for label, url in urls.items():
                t = time.perf_counter()
                profiles[label] = profile(url, seeded[label], log_path)
                print(f"[{label}] profiled from {log_path} in {time.perf_counter() - t:.0f} s")
        print(f"\ntiming: p50 ms, {args.calls} calls per path and size, alternating rounds")
        names, samples, rows = timing(urls, seeded, args.calls)
        print(f"\nSMALL: {_sizes(seeded['small'])}\nLARGE: {_sizes(seeded['large'])}")
        report(names, samples, rows, profiles, args.explain)
    finally:
        if not args.keep:
            for url in urls.values():
                asyncio.run(_drop(url))


def _sizes(s: Seeded) -> str:
    return (f"{s.assets} assets, {s.versions} versions (hot asset {s.hot_versions}), "
            f"{s.registrations} registrations, {s.edges} edges, {s.proposals} proposals, "
            f"{s.teams} teams")  # fmt: skip


if __name__ == "__main__":
    main()
