"""The engine's pool: work in other processes, a per-key limit, a hard deadline that kills."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from accord.compat import SchemaError
from accord.exceptions import TooManyRequestsError
from accord.kit.offload import EngineRunner, Offload, OffloadTimeout, WorkerLost, _Lane


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


def nap_noting(path: str, seconds: float) -> int:
    """Write this worker's process id to ``path``, then sleep."""
    with open(path, "w") as out:
        out.write(str(os.getpid()))
    time.sleep(seconds)
    return os.getpid()


def started(path: Path) -> int:
    """The process id `nap_noting` wrote, once it has."""
    deadline = time.monotonic() + 10
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, "the call never started"
        time.sleep(0.01)
    return int(path.read_text())


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def stamp(index: int) -> tuple[int, float]:
    started_at = time.monotonic()
    time.sleep(0.02)
    return index, started_at


def unsendable() -> object:
    return threading.Lock()


def size(blob: bytes) -> int:
    return len(blob)


async def test_a_worker_killed_while_idle_is_replaced_by_the_next_call(pool: Offload) -> None:
    first = await pool.run("k", nap, 0)
    os.kill(first, signal.SIGKILL)
    while not gone(first) and pool._lanes[0]._process is not None:
        if not pool._lanes[0]._process.is_alive():  # reaps it
            break
        await asyncio.sleep(0.01)
    second = await pool.run("k", nap, 0)
    assert second != first


async def test_a_worker_killed_during_a_call_is_a_503_and_is_replaced(
    pool: Offload, tmp_path: Path
) -> None:
    note = tmp_path / "pid"
    call = asyncio.create_task(pool.run("k", nap_noting, str(note), 30))
    pid = await asyncio.to_thread(started, note)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(WorkerLost) as lost:
        await asyncio.wait_for(call, 10)
    assert (lost.value.status, lost.value.instance_code) == (503, "engine_lost")
    assert await pool.run("k", nap, 0) not in (pid, os.getpid())


async def test_a_cancelled_call_kills_its_worker(pool: Offload, tmp_path: Path) -> None:
    """The request that waited went away (the client disconnected): the work it started
    must not keep the lane, nor answer the next call with its own result."""
    note = tmp_path / "pid"
    call = asyncio.create_task(pool.run("k", nap_noting, str(note), 30))
    pid = await asyncio.to_thread(started, note)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert gone(pid)
    began = time.monotonic()
    assert await pool.run("k", nap, 0) != pid
    assert time.monotonic() - began < 5  # not behind the 30 s nap


async def test_calls_on_one_lane_take_turns_in_order() -> None:
    pool = Offload(workers=1, per_key=8, timeout_s=5)
    try:
        answers = await asyncio.gather(*(pool.run("k", stamp, i) for i in range(6)))
    finally:
        pool.shutdown()
    assert [index for index, _ in answers] == list(range(6))
    starts = [at for _, at in answers]
    assert starts == sorted(starts)  # one after the other, in the order they came


async def test_an_answer_that_cannot_be_sent_back_is_an_error(pool: Offload) -> None:
    with pytest.raises(RuntimeError, match="could not be sent back"):
        await pool.run("k", unsendable)
    assert isinstance(await pool.run("k", nap, 0), int)  # the lane still answers


async def test_a_call_of_megabytes_arrives_whole(pool: Offload) -> None:
    blob = os.urandom(3 * 1024 * 1024)  # written from a thread, not the loop
    assert await pool.run("k", size, blob) == len(blob)


async def test_an_engine_error_says_where_it_was_raised(pool: Offload) -> None:
    with pytest.raises(SchemaError) as error:
        await pool.run("k", refuse)
    notes = "\n".join(getattr(error.value, "__notes__", []))
    assert "in the engine's worker process" in notes
    assert "in refuse" in notes


async def test_shutdown_ends_every_worker_even_one_at_work(tmp_path: Path) -> None:
    pool = Offload(workers=2, per_key=4, timeout_s=30)
    await pool.start()
    idle = await pool.run("k", nap, 0, affinity="asset-a")
    note = tmp_path / "pid"
    busy = asyncio.create_task(pool.run("j", nap_noting, str(note), 30))
    working = await asyncio.to_thread(started, note)
    began = time.monotonic()
    pool.shutdown()
    assert time.monotonic() - began < 3
    assert gone(idle) or not _alive(idle)
    assert gone(working)
    busy.cancel()
    with contextlib.suppress(BaseException):
        await busy


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return not gone(pid)


async def test_a_turn_handed_to_a_call_cancelled_meanwhile_goes_to_the_next() -> None:
    """A lane's turn passes from one call to the next on the loop's next iteration; if the
    next call is cancelled in between (its client went away), the turn must go on to the
    one after, not stay with nobody (every later call would time out)."""
    lane = _Lane(multiprocessing.get_context("forkserver"), None, ())
    release, order = asyncio.Event(), []
    waiting: list[asyncio.Task[None]] = []

    async def holder() -> None:
        async with lane.turn():
            await release.wait()
        waiting[0].cancel()  # handed the turn a moment ago, it has not woken yet

    async def waiter(name: str) -> None:
        async with lane.turn():
            order.append(name)

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting += [asyncio.create_task(waiter("second")), asyncio.create_task(waiter("third"))]
    await asyncio.sleep(0)  # both wait for the turn
    release.set()
    await first
    await asyncio.wait_for(waiting[1], 5)
    assert order == ["third"]
    with pytest.raises(asyncio.CancelledError):
        await waiting[0]
    async with asyncio.timeout(5):
        async with lane.turn():  # and the lane is free again
            pass
