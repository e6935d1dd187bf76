"""The engine's pool: work in other processes, a per-key limit, a hard deadline that kills."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from accord.compat import SchemaError
from accord.exceptions import TooManyRequestsError
from accord.kit.offload import EngineRunner, Offload, OffloadTimeout


def nap(seconds: float) -> int:
    """Sleep in the worker; return its process id."""
    time.sleep(seconds)
    return os.getpid()


def budget(*, budget_s: float) -> float:
    return budget_s


def refuse() -> None:
    raise SchemaError("no", "/x")


@pytest.fixture
async def pool() -> AsyncIterator[Offload]:
    offload = Offload(workers=1, per_key=1, timeout_s=5)
    await offload.start()
    yield offload
    offload.shutdown()


async def test_work_runs_in_another_process_while_the_loop_turns(pool: Offload) -> None:
    task = asyncio.create_task(pool.run("k", nap, 0.3))
    ticks = 0
    while not task.done():
        await asyncio.sleep(0.01)
        ticks += 1
    assert await task != os.getpid()
    assert ticks > 3  # the event loop kept turning while the work ran


async def test_one_key_gets_429_past_its_concurrency(pool: Offload) -> None:
    first = asyncio.create_task(pool.run("k", nap, 0.3))
    await asyncio.sleep(0)  # the first call holds the key's one slot
    with pytest.raises(TooManyRequestsError) as refused:
        await pool.run("k", nap, 0)
    assert refused.value.retry_after == 1
    await first
    assert isinstance(await pool.run("k", nap, 0), int)  # the slot was given back


async def test_the_deadline_kills_a_worker_that_overruns() -> None:
    pool = Offload(workers=1, per_key=4, timeout_s=0.2)
    await pool.start()
    stuck = await pool.run(None, nap, 0)
    with pytest.raises(OffloadTimeout) as late:
        await pool.run("k", nap, 60)
    assert late.value.status == 503
    assert late.value.instance_code == "engine_timeout"
    # The stuck worker was killed and replaced: the pool answers again at once.
    fresh = await pool.run("k", nap, 0)
    assert fresh != stuck
    pool.shutdown()


async def test_budgeted_work_gets_what_is_left_of_the_deadline(pool: Offload) -> None:
    left = await EngineRunner(pool, "k")(budget)
    assert 0 < left <= 5


async def test_engine_errors_come_back_whole(pool: Offload) -> None:
    with pytest.raises(SchemaError) as error:
        await pool.run("k", refuse)
    assert (error.value.message, error.value.path) == ("no", "/x")
