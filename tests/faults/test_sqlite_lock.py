"""The SQLite scenario: another writer holds the write lock for 10 s under load.

One `accord serve` on a temporary SQLite file, with its in-process webhook worker (the
default on SQLite), `ACCORD_SQLITE_BUSY_TIMEOUT_MS=1000`. Two lifecycles' worth of
events are created while the receiver answers 1 s late, so some of their deliveries are
still in flight or pending when the test takes the lock: a plain `sqlite3` connection
runs `BEGIN IMMEDIATE` and a write (an UPDATE of `workspaces`), holds it 10 s, rolls
back. Meanwhile two load tasks keep writing (retrying 503s as a client would) and one
keeps reading.

What is asserted (all checked and reported together, after the figures print):

1. no request got a 500;
2. every write made entirely while the lock was held got a 503 (at least one did), and
   every 503 carried `Retry-After`;
3. after the release the process is up and `/readyz` answers 200 within 10 s (it
   includes the in-process worker's heartbeat: a dead worker makes it 503);
4. an event created after the release reached the receiver within 15 s;
5. every event, those created before the lock included, reached the receiver and is
   recorded as delivered (duplicates: same `webhook-id`, same body, valid signature).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND
from tests.faults.harness import (
    FAST_DELIVERY,
    Lifecycles,
    Processes,
    Traffic,
    accord_env,
    bearer,
    check_receipts,
    new_team,
    occurred_at,
    read_db,
    render,
    run_accord,
    seconds,
    subscribe_all,
    wait_for,
    wait_ready,
)
from tests.receiver import Receiver, free_port

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite leg runs this"),
]

OVERALL_S = 100  # hard bound (a pass takes ~35 s)
LOCK_S = 10.0
LOAD_AFTER_RELEASE_S = 4.0
READY_AFTER_RELEASE_S = 10.0
RECOVERY_LIMIT_S = 15.0
DRAIN_S = 30.0


class WriteLock:
    """SQLite's write lock, held from another connection (as another process would)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)

    def take(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("UPDATE workspaces SET name = name")

    def release(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.release()
        self.conn.close()


async def _reader(traffic: Traffic, headers: dict[str, str], stop_at: float) -> None:
    while time.monotonic() < stop_at:
        await traffic.call("GET", "/api/v1/assets?limit=5", label="list assets", headers=headers)
        await traffic.call("GET", "/api/v1/me", label="me", headers=headers)
        await asyncio.sleep(0.3)


async def test_sqlite_write_lock_held_10s(
    tmp_path: Path,
    processes: Processes,
    capsys: pytest.CaptureFixture[str],
    record_property: Callable[[str, object], None],
) -> None:
    try:
        async with asyncio.timeout(OVERALL_S):
            await _run(tmp_path, processes, capsys, record_property)
    except TimeoutError:
        tails = "\n".join(p.tail(10) for p in processes.all)
        pytest.fail(f"the SQLite scenario overran its hard bound of {OVERALL_S} s\n{tails}")


async def _run(
    tmp_path: Path,
    processes: Processes,
    capsys: pytest.CaptureFixture[str],
    record_property: Callable[[str, object], None],
) -> None:
    db = tmp_path / "accord.db"
    url = f"sqlite+aiosqlite:///{db}"
    key = (await asyncio.to_thread(run_accord, ["admin", "generate-key"], accord_env(url))).strip()
    env = accord_env(url, bootstrap_admin_key=key, sqlite_busy_timeout_ms="1000", **FAST_DELIVERY)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = processes.start("api", ["serve", "--port", str(port)], env)
    await wait_ready(base, api, 60)

    marks: dict[str, float] = {}
    traffic = Traffic([base])
    admin = bearer(key)
    lock = WriteLock(db)
    ready: httpx.Response | None = None
    try:
        async with Receiver() as receiver:
            secret = await subscribe_all(traffic, admin, receiver.url)
            producer = await new_team(traffic, admin, "producer")
            consumer = await new_team(traffic, admin, "consumer")
            flows = [
                Lifecycles(traffic, admin, producer, consumer, f"t{i}", time.monotonic() + 60)
                for i in range(2)
            ]
            # Events before the lock, delivered slowly: some still due when it is taken.
            receiver.delay_s = 1.0
            for n, flow in enumerate(flows, start=1):
                await flow.lifecycle(n)
            await asyncio.to_thread(lock.take)
            marks["lock taken"] = time.time()
            before = await read_db(url)
            due_at_lock = len(before.undelivered)
            lock_ends = time.monotonic() + LOCK_S
            for flow in flows:
                flow.stop_at = lock_ends + LOAD_AFTER_RELEASE_S

            async def is_ready() -> bool:
                nonlocal ready
                async with httpx.AsyncClient(timeout=3) as http:
                    try:
                        ready = await http.get(f"{base}/readyz")
                    except httpx.HTTPError:
                        return False
                return ready.status_code == 200

            async def hold() -> None:
                await asyncio.sleep(1.5)
                receiver.delay_s = 0.0
                await asyncio.sleep(max(0.0, lock_ends - time.monotonic()))
                await asyncio.to_thread(lock.release)
                marks["lock released"] = time.time()
                # The process and its worker are alive: /readyz includes its heartbeat.
                if await wait_for(is_ready, READY_AFTER_RELEASE_S, interval_s=0.5):
                    marks["readyz 200"] = time.time()

            await asyncio.gather(
                hold(),
                _reader(traffic, admin, lock_ends + LOAD_AFTER_RELEASE_S),
                *(f.run() for f in flows),
            )
            released = marks["lock released"]

            async def new_event_delivered() -> bool:
                return any((occurred_at(r) or 0) >= released for r in receiver.received)

            await wait_for(new_event_delivered, RECOVERY_LIMIT_S)

            async def drained() -> bool:
                if api.returncode is not None:
                    return True
                state = await read_db(url)
                seen = {r.headers.get("webhook-id") for r in receiver.received}
                return not state.undelivered and set(state.events) <= seen

            await wait_for(drained, DRAIN_S, interval_s=1.0)
            marks["drain ended"] = time.time()
            state = await read_db(url)
            receipts = check_receipts(receiver.received, state.events, secret)
            received = list(receiver.received)
    finally:
        lock.close()
        await traffic.aclose()

    taken = marks["lock taken"]
    outcomes = traffic.outcomes
    in_lock = [o for o in outcomes if o.started >= taken and o.ended <= released]
    writes_in_lock = [o for o in in_lock if o.write]
    reads_in_lock = [o for o in in_lock if not o.write]
    unavailable = [o for o in outcomes if o.status == 503]
    without_retry_after = [o for o in unavailable if not o.retry_after]
    pre_lock_ids = set(before.events)
    pre_lock_lost = sorted(pre_lock_ids - {r.headers.get("webhook-id") for r in received})
    first_delivery = min((r.at for r in received if r.at >= released), default=None)
    first_new = min(
        (r.at for r in received if (occurred_at(r) or 0) >= released and r.at >= released),
        default=None,
    )
    recovered_s = seconds(released, first_new)
    figures: dict[str, object] = {
        "requests made": len(outcomes),
        "lifecycles completed": sum(f.completed for f in flows) + len(flows),  # +2 before
        "lifecycles abandoned": dict(sum((f.abandoned for f in flows), Counter()).most_common()),
        "answers by status": dict(traffic.kinds().most_common()),
        "5xx / no answer": traffic.server_errors(),
        "500s": sum(1 for o in outcomes if o.status == 500),
        "writes while locked": dict(traffic.kinds(writes_in_lock).most_common()),
        "reads while locked": dict(traffic.kinds(reads_in_lock).most_common()),
        "503s with Retry-After": f"{len(unavailable) - len(without_retry_after)} of "
        f"{len(unavailable)}",
        "events": receipts.events,
        "events before the lock": len(pre_lock_ids),
        "deliveries due when the lock was taken": due_at_lock,
        "deliveries by status": dict(state.deliveries.most_common()),
        "received (requests)": receipts.requests,
        "delivered (distinct events)": receipts.distinct,
        "lost": len(receipts.lost),
        "lost of those before the lock": len(pre_lock_lost),
        "duplicates": receipts.duplicates,
        "inconsistent duplicates": len(receipts.inconsistent),
        "api process": "up" if api.returncode is None else f"exited {api.returncode}",
        "/readyz after release": "no answer"
        if ready is None
        else f"{ready.status_code} {ready.text[:300]}",
        "s release -> /readyz 200": seconds(released, marks.get("readyz 200")) or "never",
        "s release -> first delivery": seconds(released, first_delivery) or "never",
        "s release -> first new event delivered": recovered_s or "never",
        "timeline (s from lock taken)": {k: round(v - taken, 1) for k, v in marks.items()},
    }
    report = render("fault scenario (SQLite write lock held 10 s)", figures)
    with capsys.disabled():
        print(report, flush=True)  # noqa: T201
    record_property("fault_scenario_sqlite", report)

    problems: list[str] = []
    fivehundreds = [o for o in outcomes if o.status == 500]
    if fivehundreds:
        problems.append(
            f"{len(fivehundreds)} answers were 500: "
            f"{Counter(f'{o.label} ({o.code})' for o in fivehundreds).most_common(8)}"
        )
    if not writes_in_lock:
        problems.append("harness: no write was made entirely while the lock was held")
    elif any(o.status != 503 for o in writes_in_lock):
        problems.append(
            f"writes while the lock was held got {traffic.kinds(writes_in_lock)} "
            "(every one must be 503)"
        )
    if without_retry_after:
        problems.append(
            f"{len(without_retry_after)} of {len(unavailable)} 503s had no Retry-After: "
            f"{traffic.kinds(without_retry_after)}"
        )
    if api.returncode is not None:
        problems.append(f"accord serve exited {api.returncode}\n{api.tail()}")
    if "readyz 200" not in marks:
        shown = "no answer" if ready is None else f"{ready.status_code} {ready.text[:400]}"
        problems.append(
            f"/readyz was not 200 within {READY_AFTER_RELEASE_S:g} s of the release: {shown}"
        )
    if recovered_s is None or recovered_s > RECOVERY_LIMIT_S:
        problems.append(
            f"no event created after the release was delivered within {RECOVERY_LIMIT_S:g} s "
            f"(first after {recovered_s} s; first delivery of any event after "
            f"{seconds(released, first_delivery)} s)"
        )
    if pre_lock_lost:
        problems.append(
            f"{len(pre_lock_lost)} of {len(pre_lock_ids)} events created before the lock "
            f"never reached the receiver, e.g. {pre_lock_lost[:5]}"
        )
    if receipts.lost:
        problems.append(
            f"{len(receipts.lost)} of {receipts.events} events never reached the receiver, "
            f"e.g. {receipts.lost[:5]}"
        )
    if state.undelivered:
        problems.append(
            f"{len(state.undelivered)} deliveries not delivered after {DRAIN_S:g} s of drain, "
            f"e.g. {state.undelivered[:5]}"
        )
    if receipts.inconsistent or receipts.strangers:
        problems.append(
            f"inconsistent receipts: {receipts.inconsistent[:5]}, unknown ids "
            f"{receipts.strangers[:5]}"
        )
    if problems and api.returncode is None:
        problems.append(api.tail(15))
    assert not problems, "\n".join(problems)
