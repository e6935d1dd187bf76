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


@pytest.fixture
async def lanes() -> AsyncIterator[Offload]:
    offload = Offload(workers=2, per_key=4, timeout_s=5)
    await offload.start()
    yield offload
    offload.shutdown()


async def test_calls_about_one_asset_stay_in_one_idle_worker(lanes: Offload) -> None:
    """Its versions are parsed where the previous call parsed them (issue 21): with one
    shared queue, consecutive publishes took turns between the workers."""
    for affinity in ("asset-a", "asset-b", "asset-c"):
        pids = {await lanes.run("k", nap, 0, affinity=affinity) for _ in range(6)}
        assert len(pids) == 1
    homes = {lanes.lane_for(f"asset-{i}") for i in range(20)}
    assert homes == {0, 1}  # assets are spread over the lanes


async def test_a_busy_home_lane_sends_the_call_to_an_idle_one(lanes: Offload) -> None:
    home = await lanes.run("k", nap, 0, affinity="asset-a")
    slow = asyncio.create_task(lanes.run("k", nap, 1.0, affinity="asset-a"))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    other = await lanes.run("k", nap, 0, affinity="asset-a")
    assert other != home
    assert time.monotonic() - started < 0.9  # it did not queue behind the slow call
    assert await slow == home


async def test_calls_without_affinity_run_side_by_side(lanes: Offload) -> None:
    both = await asyncio.gather(lanes.run("k", nap, 0.3), lanes.run("k", nap, 0.3))
    assert len(set(both)) == 2


async def test_a_runner_near_an_asset_keeps_its_key_and_timing() -> None:
    from accord.telemetry.metrics_engine import TimedEngineRunner, timed

    offload = Offload(workers=1, per_key=1, timeout_s=5)
    near = timed(EngineRunner(offload, "k").near("asset-a"))
    assert (near.key, near.affinity) == ("k", "asset-a")
    again = TimedEngineRunner(offload, "k").near("asset-b")
    assert isinstance(again, TimedEngineRunner)
    assert again.affinity == "asset-b"
    offload.shutdown()
