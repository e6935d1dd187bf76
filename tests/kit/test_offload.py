"""The engine's pool: work off the event loop, a per-key limit, a hard deadline."""

from __future__ import annotations

import asyncio
import threading

import pytest

from accord.exceptions import TooManyRequestsError
from accord.kit.offload import EngineRunner, Offload, OffloadTimeout


def _blocking(started: threading.Event, release: threading.Event) -> str:
    started.set()
    release.wait(10)
    return "done"


async def test_work_runs_off_the_event_loop() -> None:
    pool = Offload(workers=1, per_key=1, timeout_s=5)
    started, release = threading.Event(), threading.Event()
    task = asyncio.create_task(pool.run("k", _blocking, started, release))
    await asyncio.to_thread(started.wait, 5)
    ticks = 0
    for _ in range(3):  # the loop keeps turning while the work blocks its thread
        await asyncio.sleep(0)
        ticks += 1
    release.set()
    assert await task == "done"
    assert ticks == 3
    pool.shutdown()


async def test_one_key_gets_429_past_its_concurrency() -> None:
    pool = Offload(workers=2, per_key=1, timeout_s=5)
    started, release = threading.Event(), threading.Event()
    first = asyncio.create_task(pool.run("k", _blocking, started, release))
    await asyncio.to_thread(started.wait, 5)
    with pytest.raises(TooManyRequestsError) as refused:
        await pool.run("k", _blocking, threading.Event(), release)
    assert refused.value.retry_after == 1
    other = await pool.run("other", lambda: "free")  # another key is not held up
    release.set()
    assert await first == "done"
    assert other == "free"
    assert await pool.run("k", lambda: "again") == "again"  # the slot was given back
    pool.shutdown()


async def test_the_deadline_answers_even_when_the_work_overruns() -> None:
    pool = Offload(workers=1, per_key=4, timeout_s=0.05)
    started, release = threading.Event(), threading.Event()
    with pytest.raises(OffloadTimeout) as late:
        await pool.run("k", _blocking, started, release)
    assert late.value.status == 503
    assert late.value.instance_code == "engine_timeout"
    # Queued behind the stuck call, the next one is cancelled at its deadline too.
    with pytest.raises(OffloadTimeout):
        await pool.run("k", lambda: "never")
    release.set()
    pool.shutdown()


async def test_budgeted_work_gets_what_is_left_of_the_deadline() -> None:
    pool = Offload(workers=1, per_key=1, timeout_s=3)

    def budget(*, budget_s: float) -> float:
        return budget_s

    left = await EngineRunner(pool, "k")(budget)
    assert 0 < left <= 3
    pool.shutdown()
