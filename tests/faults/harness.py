"""The fault matrix's harness: processes, a PostgreSQL cluster, HTTP load, checks, figures.

Nothing here asserts on Accord's behaviour; the tests do. What the harness itself
relies on (a process that should have started, a command that should have worked) is
an AssertionError naming the harness step and quoting the process log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import select

from accord.db import create_engine, create_sessionmaker, session_scope
from accord.models import ContractVersion, Delivery, Event
from accord.sdk.webhooks import WebhookVerificationError, verify_webhook
from tests.conftest import PEPPER, make_settings
from tests.lifecycle_helpers import ORDERS_V1, with_props, without
from tests.receiver import Received

ACCORD = str(Path(sys.executable).parent / "accord")
PROBLEM = "application/problem+json"

# Delivery settings both scenarios share: fast polling and retries, a short webhook
# timeout (the receiver "hangs" past it), a lease a killed worker's claims expire from
# quickly yet longer than the worst-case batch (ceil(20 / 32) x 2 s), and no rate limits
# (the load comes from one address and would trip them).
FAST_DELIVERY: dict[str, str] = {
    "webhook_allow_private": "true",
    "worker_poll_interval_s": "0.1",
    "webhook_backoff_base_s": "0.2",
    "webhook_backoff_max_s": "2",
    "webhook_timeout_s": "2",
    "worker_batch_size": "20",
    "worker_lease_s": "6",
    "rate_limit_enabled": "false",
    # Two CPUs shared by every process of the matrix: a compatibility verdict must not be
    # undecided (503) for want of CPU; that would hide the database's 503s.
    "compat_timeout_s": "10",
}


def accord_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of an `accord` process: ours, without the caller's ACCORD_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.update(
        ACCORD_DATABASE_URL=database_url,
        ACCORD_KEY_PEPPER=PEPPER,
        ACCORD_ENVIRONMENT="test",
        ACCORD_LOG_LEVEL="warning",
    )
    env.update({f"ACCORD_{name.upper()}": value for name, value in settings.items()})
    return env


def run_accord(args: Sequence[str], env: Mapping[str, str], timeout_s: float = 60) -> str:
    """Run an `accord` command to completion; its stdout, or AssertionError with output."""
    done = subprocess.run(
        [ACCORD, *args], env=dict(env), capture_output=True, text=True, timeout=timeout_s
    )
    assert done.returncode == 0, (
        f"harness: `accord {' '.join(args)}` exited {done.returncode}:\n"
        f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
    )
    return done.stdout


def accord_status(
    args: Sequence[str], env: Mapping[str, str], timeout_s: float = 60
) -> tuple[int, str]:
    """Run an `accord` command to completion: its exit code and output."""
    done = subprocess.run(
        [ACCORD, *args], env=dict(env), capture_output=True, text=True, timeout=timeout_s
    )
    return done.returncode, (done.stdout + done.stderr).strip()


def tail(path: Path, lines: int = 25, width: int = 400) -> str:
    """The last lines of a log, each cut to ``width`` (JSON log lines carry tracebacks)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    cut = [ln if len(ln) <= width else ln[:width] + " [...]" for ln in text.splitlines()]
    return "\n".join(cut[-lines:])


# --- processes ---------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    started_at: float
    killed_by_test: bool = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def tail(self, lines: int = 25) -> str:
        return f"--- {self.name} (pid {self.pid}) log tail ---\n{tail(self.log, lines)}"


class Processes:
    """Every process a test starts: each in its own session (process group), its output
    in a log file; `close` ends them all by id, gently first, then SIGKILL."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.all: list[Proc] = []
        self._logs: list[IO[bytes]] = []

    def start(self, name: str, args: Sequence[str], env: Mapping[str, str]) -> Proc:
        log = self.logdir / f"{name}.{len(self.all)}.log"
        out = log.open("wb")
        self._logs.append(out)
        popen = subprocess.Popen(
            [ACCORD, *args],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc = Proc(name, popen, log, time.time())
        self.all.append(proc)
        return proc

    def current(self, name: str) -> Proc:
        """The latest process started under ``name``."""
        return [p for p in self.all if p.name == name][-1]

    def sigkill(self, proc: Proc) -> None:
        """The fault: SIGKILL to that one process (no chance to release anything)."""
        proc.killed_by_test = True
        os.kill(proc.pid, signal.SIGKILL)
        proc.popen.wait(timeout=10)

    def died(self) -> list[Proc]:
        """Processes that ended without the test killing them."""
        return [p for p in self.all if not p.killed_by_test and p.returncode is not None]

    def close(self) -> None:
        live = [p for p in self.all if p.returncode is None]
        for p in live:
            _signal_group(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for p in live:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        for p in self.all:
            # The whole group, even if the leader is gone (the API's engine processes).
            _signal_group(p.pid, signal.SIGKILL)
            if p.popen.poll() is None:
                p.popen.wait(timeout=10)
        for out in self._logs:
            out.close()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def wait_ready(base: str, proc: Proc, timeout_s: float) -> None:
    """Poll ``base``/readyz until 200; AssertionError (with the log) if the process exits
    or the time runs out."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    async with httpx.AsyncClient(timeout=3) as http:
        while time.monotonic() < deadline:
            assert proc.returncode is None, (
                f"{proc.name} exited {proc.returncode} while starting\n{proc.tail()}"
            )
            try:
                r = await http.get(f"{base}/readyz")
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:300]}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            await asyncio.sleep(0.2)
    raise AssertionError(f"{proc.name} not ready in {timeout_s} s ({last})\n{proc.tail()}")


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], timeout_s: float, interval_s: float = 0.25
) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if await predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(interval_s)


# --- PostgreSQL ----------------------------------------------------------------------------


def find_pg_bindir() -> Path | None:
    """The newest server installation: /usr/lib/postgresql/<major>/bin, else PATH."""

    def major(p: Path) -> float:
        try:
            return float(p.parent.name)
        except ValueError:
            return 0.0

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=major, reverse=True)
    for bindir in found:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).parent
    return None


class PgCluster:
    """A throwaway PostgreSQL cluster: own directory, own port, trust auth, no fsync.

    initdb and postgres refuse to run as root; as root the commands run as the
    ``postgres`` OS user (``runuser``, else ``su``) on a directory it owns."""

    def __init__(self, bindir: Path, port: int) -> None:
        self.bindir = bindir
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="accord-faults-pg-"))
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self._as: list[str] = []
        self._su = False
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.root, ignore_errors=True)
                raise RuntimeError("running as root and there is no `postgres` OS user") from None
            os.chown(self.root, user.pw_uid, user.pw_gid)
            if shutil.which("runuser"):
                self._as = ["runuser", "-u", "postgres", "--"]
            else:
                self._su = True

    def url(self, database: str = "accord") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout_s: float = 60) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._su:
            cmd = ["su", "postgres", "-c", " ".join(_quote(c) for c in cmd)]
        else:
            cmd = [*self._as, *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        assert done.returncode == 0, (
            f"harness: {' '.join(args[:2])} exited {done.returncode}: "
            f"{done.stdout[-1500:]}{done.stderr[-1500:]}\n{tail(self.logfile)}"
        )

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "30",
            "-o", options,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "30")

    def destroy(self) -> None:
        """Stop it however it is, and remove its directory. Never raises."""
        pidfile = self.data / "postmaster.pid"
        if pidfile.exists():
            with contextlib.suppress(AssertionError, subprocess.SubprocessError, OSError):
                self.stop("immediate")
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
                time.sleep(0.5)
            except (OSError, ValueError, IndexError):
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


# --- HTTP load -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One HTTP request of the load: what was asked of which API, and what came back."""

    label: str
    api: int
    write: bool
    started: float  # time.time()
    ended: float
    status: int | None  # None: no HTTP answer at all (see `error`)
    code: str | None  # the problem+json `code` of an error answer
    retry_after: str | None
    error: str | None = None

    @property
    def kind(self) -> str:
        """ "503 database_unavailable", "201", "transport ReadTimeout", ..."""
        if self.status is None:
            return f"transport {self.error}"
        return f"{self.status} {self.code}" if self.code else str(self.status)


@dataclass
class Reply:
    status: int | None
    body: Any


class Traffic:
    """httpx clients to one or more API processes; every request is recorded, and
    successive requests go to the APIs in turn."""

    def __init__(self, bases: Sequence[str], timeout_s: float = 15.0) -> None:
        self.bases = list(bases)
        self.outcomes: list[Outcome] = []
        self._clients = [httpx.AsyncClient(base_url=b, timeout=timeout_s) for b in self.bases]
        self._turn = 0

    async def aclose(self) -> None:
        for c in self._clients:
            await c.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        label: str,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        api: int | None = None,
    ) -> Reply:
        if api is None:
            api = self._turn % len(self._clients)
            self._turn += 1
        started = time.time()
        try:
            r = await self._clients[api].request(
                method, path, headers=dict(headers or {}), json=body
            )
        except httpx.HTTPError as exc:
            self.outcomes.append(
                Outcome(
                    label, api, method != "GET", started, time.time(), None, None, None,
                    type(exc).__name__,
                )
            )  # fmt: skip
            return Reply(None, None)
        ended = time.time()
        parsed: Any = None
        if r.content and r.headers.get("content-type", "").split(";")[0] in (
            "application/json",
            PROBLEM,
        ):
            try:
                parsed = r.json()
            except ValueError:
                parsed = None
        code = None
        if r.status_code >= 400:
            code = str(parsed.get("code")) if isinstance(parsed, dict) else "(not problem+json)"
        self.outcomes.append(
            Outcome(
                label, api, method != "GET", started, ended, r.status_code, code,
                r.headers.get("retry-after"),
            )
        )  # fmt: skip
        return Reply(r.status_code, parsed)

    def kinds(self, outcomes: Iterable[Outcome] | None = None) -> Counter[str]:
        return Counter(o.kind for o in (self.outcomes if outcomes is None else outcomes))

    def server_errors(self, outcomes: Iterable[Outcome] | None = None) -> dict[str, int]:
        """5xx answers and transport failures, by "status code", most frequent first."""
        kinds = self.kinds(outcomes)
        return {k: n for k, n in kinds.most_common() if k.startswith(("5", "transport"))}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Team:
    id: str
    key: dict[str, str]


class Abandon(Exception):
    """A lifecycle step did not get the answer it needs: start a new lifecycle."""


async def must(
    traffic: Traffic,
    method: str,
    path: str,
    *,
    label: str,
    headers: Mapping[str, str],
    body: Any = None,
    expect: Collection[int],
) -> Any:
    """One request the setup depends on (no faults yet): the expected status or an
    AssertionError naming it."""
    reply = await traffic.call(method, path, label=label, headers=headers, body=body)
    assert reply.status in expect, f"harness: {label} answered {reply.status}: {reply.body}"
    return reply.body


async def new_team(traffic: Traffic, admin: Mapping[str, str], name: str) -> Team:
    team = await must(
        traffic, "POST", "/api/v1/teams", label="team", headers=admin,
        body={"name": name}, expect={201},
    )  # fmt: skip
    key = await must(
        traffic, "POST", "/api/v1/api-keys", label="api-key", headers=admin,
        body={"name": f"{name}-rw", "team_id": team["id"], "scopes": ["read", "write"]},
        expect={201},
    )  # fmt: skip
    return Team(str(team["id"]), bearer(str(key["key"])))


async def subscribe_all(traffic: Traffic, admin: Mapping[str, str], url: str) -> str:
    """A workspace webhook receiving every event; returns its signing secret."""
    hook = await must(
        traffic, "POST", "/api/v1/webhooks", label="webhook", headers=admin,
        body={"url": url, "scope": "all", "description": "fault matrix"}, expect={201},
    )  # fmt: skip
    return str(hook["secret"])


COMPATIBLE = with_props(ORDERS_V1, note={"type": "string"})
BREAKING = without(COMPATIBLE, "email")


@dataclass
class Lifecycles:
    """One load task: contract lifecycles, over and over, until ``stop_at`` (monotonic).

    Each lifecycle (a new asset) is: [a new team and key, every 4th time] -> create the
    asset -> publish 1.0.0 -> the consumer registers -> publish a compatible change ->
    publish a breaking change (202, a proposal) -> the consumer approves -> the producer
    publishes the proposal -> read the versions. A 503 is retried (the same request,
    with the same Idempotency-Key for publishes) after a short pause, as a client
    honouring Retry-After would; any other unexpected answer, or none, abandons the
    lifecycle and starts a new one."""

    traffic: Traffic
    admin: dict[str, str]
    producer: Team
    consumer: Team
    tag: str
    stop_at: float
    completed: int = 0
    abandoned: Counter[str] = field(default_factory=Counter)

    async def run(self) -> None:
        n = 0
        while time.monotonic() < self.stop_at:
            n += 1
            try:
                await self.lifecycle(n)
                self.completed += 1
            except Abandon as exc:
                self.abandoned[str(exc)] += 1
                await asyncio.sleep(0.2)

    async def _step(
        self,
        method: str,
        path: str,
        label: str,
        headers: Mapping[str, str],
        expect: int,
        body: Any = None,
    ) -> Any:
        while True:
            reply = await self.traffic.call(method, path, label=label, headers=headers, body=body)
            if reply.status == expect:
                return reply.body
            if reply.status == 503 and time.monotonic() < self.stop_at:
                await asyncio.sleep(0.3)
                continue
            code = reply.body.get("code") if isinstance(reply.body, dict) else None
            raise Abandon(f"{label}: {reply.status} {code or ''}".strip())

    async def _publish(self, asset: str, schema: dict[str, Any], expect: int) -> Any:
        headers = {**self.producer.key, "Idempotency-Key": f"faults-{uuid.uuid4()}"}
        body = {"schema": schema, "format": "jsonschema"}
        path = f"/api/v1/assets/{asset}/versions"
        return await self._step("POST", path, f"publish {expect}", headers, expect, body)

    async def lifecycle(self, n: int) -> None:
        """One lifecycle (about 8 events); raises Abandon if a step fails."""
        suffix = f"{n}_{uuid.uuid4().hex[:6]}"
        if n % 4 == 1:
            team = await self._step(
                "POST", "/api/v1/teams", "team", self.admin, 201,
                {"name": f"load-{self.tag}-{suffix}"},
            )  # fmt: skip
            await self._step(
                "POST", "/api/v1/api-keys", "api-key", self.admin, 201,
                {"name": f"k-{suffix}", "team_id": team["id"], "scopes": ["read"]},
            )  # fmt: skip
        asset = await self._step(
            "POST", "/api/v1/assets", "asset", self.producer.key, 201,
            {"fqn": f"faults.{self.tag}.a{suffix}", "owner_team_id": self.producer.id},
        )  # fmt: skip
        asset_id = str(asset["id"])
        await self._publish(asset_id, ORDERS_V1, 201)
        await self._step(
            "POST", "/api/v1/registrations", "register", self.consumer.key, 201,
            {"asset_id": asset_id, "team_id": self.consumer.id},
        )  # fmt: skip
        await self._publish(asset_id, COMPATIBLE, 201)
        opened = await self._publish(asset_id, BREAKING, 202)
        proposal = str(opened["proposal"]["id"])
        await self._step(
            "POST", f"/api/v1/proposals/{proposal}/acknowledgments", "approve",
            self.consumer.key, 200,
            {"team_id": self.consumer.id, "decision": "approve", "comment": "ok"},
        )  # fmt: skip
        await self._step(
            "POST", f"/api/v1/proposals/{proposal}/publish", "publish proposal",
            self.producer.key, 200,
        )  # fmt: skip
        await self._step("GET", f"/api/v1/assets/{asset_id}/versions", "versions", self.admin, 200)


# --- what the database and the receiver say ---------------------------------------------


@dataclass
class DbState:
    events: dict[str, datetime]  # event id -> created_at
    deliveries: Counter[str]  # status -> count
    undelivered: list[str]  # "event type status attempts last_error_class"
    assets_with_versions: int
    versions: int
    version_problems: list[str]


async def read_db(database_url: str) -> DbState:
    engine = create_engine(make_settings(database_url))
    try:
        async with session_scope(create_sessionmaker(engine), write=False) as s:
            events = {str(i): at for i, at in (await s.execute(select(Event.id, Event.created_at)))}
            types: dict[uuid.UUID, str] = dict(
                (await s.execute(select(Event.id, Event.type))).all()
            )
            rows = (
                await s.execute(
                    select(
                        Delivery.event_id,
                        Delivery.status,
                        Delivery.attempts,
                        Delivery.last_error_class,
                    )
                )
            ).all()
            versions = (
                await s.execute(
                    select(
                        ContractVersion.asset_id,
                        ContractVersion.seq,
                        ContractVersion.version,
                        ContractVersion.major,
                        ContractVersion.minor,
                        ContractVersion.patch,
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    undelivered = [
        f"{event_id} {types.get(event_id, '?')} {status} attempts={attempts} last={last}"
        for event_id, status, attempts, last in rows
        if status != "delivered"
    ]
    per_asset: dict[uuid.UUID, list[tuple[int, str, tuple[int, int, int]]]] = defaultdict(list)
    for asset_id, seq, version, major, minor, patch in versions:
        per_asset[asset_id].append((seq, version, (major, minor, patch)))
    problems: list[str] = []
    for asset_id, items in per_asset.items():
        items.sort()
        seqs = [seq for seq, _, _ in items]
        if seqs != list(range(1, len(items) + 1)):
            problems.append(f"asset {asset_id}: seq {seqs} (duplicates or gaps)")
        numbers = [v for _, v, _ in items]
        if len(set(numbers)) != len(numbers):
            problems.append(f"asset {asset_id}: duplicate versions {numbers}")
        semver = [sv for _, _, sv in items]
        if semver != sorted(semver):
            problems.append(f"asset {asset_id}: versions out of order {numbers}")
    return DbState(
        events=events,
        deliveries=Counter(status for _, status, _, _ in rows),
        undelivered=undelivered,
        assets_with_versions=len(per_asset),
        versions=len(versions),
        version_problems=problems,
    )


@dataclass
class Receipts:
    """What the receiver got, checked against the events table."""

    events: int
    requests: int
    distinct: int
    lost: list[str]  # event ids never received
    duplicates: int  # requests beyond the first per event
    inconsistent: list[str]  # webhook-id != body id, differing bodies, bad signatures
    strangers: list[str]  # received ids that are not in the events table


def event_id_of(r: Received) -> str | None:
    try:
        body = json.loads(r.body)
    except ValueError:
        return None
    return str(body["id"]) if isinstance(body, dict) and "id" in body else None


def occurred_at(r: Received) -> float | None:
    try:
        body = json.loads(r.body)
        return datetime.fromisoformat(str(body["occurred_at"])).timestamp()
    except (ValueError, KeyError, TypeError):
        return None


def check_receipts(
    received: Sequence[Received], event_ids: Collection[str], secret: str
) -> Receipts:
    bodies: dict[str, bytes] = {}
    inconsistent: list[str] = []
    count: Counter[str] = Counter()
    for r in received:
        eid = event_id_of(r)
        if eid is None:
            inconsistent.append(f"a body without an event id: {r.body[:80]!r}")
            continue
        count[eid] += 1
        header = r.headers.get("webhook-id")
        if header != eid:
            inconsistent.append(f"{eid}: webhook-id header {header}")
        if bodies.setdefault(eid, r.body) != r.body:
            inconsistent.append(f"{eid}: a duplicate with another body")
        try:
            verify_webhook(r.body, r.headers, secret, now=r.at)
        except WebhookVerificationError as exc:
            inconsistent.append(f"{eid}: {exc}")
    known = set(event_ids)
    return Receipts(
        events=len(known),
        requests=len(received),
        distinct=len(count),
        lost=sorted(known - set(count)),
        duplicates=sum(n - 1 for n in count.values()),
        inconsistent=inconsistent,
        strangers=sorted(set(count) - known),
    )


# --- figures -------------------------------------------------------------------------------


def render(title: str, figures: Mapping[str, object]) -> str:
    width = max(len(k) for k in figures)
    lines = [f"\n=== {title} ==="]
    for name, value in figures.items():
        if isinstance(value, float):
            shown = f"{value:.2f}"
        elif isinstance(value, Mapping):
            shown = ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
        else:
            shown = str(value)
        lines.append(f"  {name:<{width}}  {shown}")
    return "\n".join(lines) + "\n"


def seconds(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 2)


@dataclass
class HealthWatch:
    """Samples `accord worker --health-port` heartbeats; keeps each change of state."""

    ports: dict[str, int] = field(default_factory=dict)  # worker name -> health port
    changes: list[tuple[float, str, str]] = field(default_factory=list)
    _last: dict[str, str] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=1) as http:
            while not stop.is_set():
                for name, port in list(self.ports.items()):
                    try:
                        r = await http.get(f"http://127.0.0.1:{port}/healthz")
                        snap = r.json()
                        state = str(snap.get("status"))
                        if state != "ok":
                            state += f" ({str(snap.get('last_error'))[:120]})"
                    except (httpx.HTTPError, ValueError):
                        state = "unreachable"
                    if self._last.get(name) != state:
                        self._last[name] = state
                        self.changes.append((time.time(), name, state))
                await asyncio.sleep(0.5)

    def track(self, name: str, port: int) -> None:
        """Watch ``name`` on ``port`` from now on (a restarted worker: a new port)."""
        self.ports[name] = port
        self._last[name] = "starting"
        self.changes.append((time.time(), name, "starting"))

    def state(self, name: str) -> str | None:
        return self._last.get(name)

    def story(self, t0: float, limit: int = 30) -> list[str]:
        lines = [f"t+{at - t0:5.1f} {name}: {state}" for at, name, state in self.changes]
        return lines if len(lines) <= limit else [*lines[: limit - 1], f"... {len(lines)} in all"]
