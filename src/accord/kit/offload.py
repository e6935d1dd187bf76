"""CPU-bound work away from the server: worker processes with a hard deadline and a
per-caller concurrency limit (issue 14; ADR 0025).

The compatibility engine is pure Python. Run on the event loop, one hostile schema stalled
every other request, health probes included. Run on threads it still competes for the GIL,
and its garbage-collector pauses (hundreds of ms on big schemas) stop the whole process.
So it runs in ``workers`` processes of its own (``pebble``, started by a fork server that
preloads the engine). Each call has a deadline measured from submission; a call still
running then is abandoned *and its worker process is killed* (the pool starts another), so
nothing can hold the engine for ever. A caller (an API key) may have at most ``per_key``
calls in flight: more is a 429, not a queue, so one key cannot fill the pool. The engine
also stops itself at its own budget (``budgeted=True``), which is what normally turns a
too-hard check into an ``undecided`` verdict; the kill is the backstop.

Each worker is a *lane* (a pool of one process). A call may name an ``affinity`` (the
asset it is about): it goes to that affinity's home lane when the lane is idle, so the
versions that lane's process already parsed (``contract.version_cache``) are parsed there
again only when evicted. With one shared queue, consecutive publishes to one asset took
turns between the workers, and each worker parsed the previous version again (issue 21).
A call without an affinity, or whose home lane is busy, goes to the least busy lane.

Functions run in another process: they and their arguments must pickle (top-level
functions, plain data).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pebble import ProcessPool

from accord.exceptions import ServiceUnavailableError, TooManyRequestsError

T = TypeVar("T")

# Time allowed past the budget for the engine to notice it and return its verdict.
GRACE_S = 0.5
# Imported once by the fork server, so a new worker starts in milliseconds.
PRELOAD = ["accord.compat.engine", "accord.compat.js.backend", "accord.contract.evaluate"]


class OffloadTimeout(ServiceUnavailableError):
    """The work did not finish by its deadline (the pool is saturated, or it overran)."""


def _call(
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    submitted: float | None,
    timeout_s: float,
) -> T:
    """In the worker: give ``fn`` what is left of the deadline as its budget, if asked.
    (`time.monotonic` is one clock for every process of the machine.)"""
    if submitted is not None:
        left = timeout_s - (time.monotonic() - submitted)
        return fn(*args, budget_s=max(0.001, left), **kwargs)
    return fn(*args, **kwargs)


def _ready() -> bool:
    return True


class Offload:
    def __init__(
        self,
        *,
        workers: int,
        per_key: int,
        timeout_s: float,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        """``initializer(*initargs)`` runs in each worker process as it starts (a top-level
        function: it is sent to the process)."""
        self.timeout_s = timeout_s
        self.per_key = per_key
        # Not fork: the server has threads (database drivers, the event loop's executor),
        # and forking a threaded process can deadlock the child.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self._lanes = [
            ProcessPool(max_workers=1, context=context, initializer=initializer, initargs=initargs)
            for _ in range(workers)
        ]
        self._busy = [0] * workers  # calls submitted to each lane and not yet answered
        self._next = 0  # where the search for the least busy lane starts (round robin)
        self._running: dict[str, int] = {}

    async def start(self) -> None:
        """Start the workers now rather than on the first request."""
        await asyncio.gather(*(asyncio.wrap_future(lane.schedule(_ready)) for lane in self._lanes))

    def lane_for(self, affinity: str | None) -> int:
        """The lane a call goes to: ``affinity``'s home lane if it is idle, else the least
        busy one (the first of equals after the last one chosen)."""
        count = len(self._lanes)
        if affinity is not None:
            home = zlib.crc32(affinity.encode()) % count
            if not self._busy[home]:
                return home
        start = self._next
        lane = min(((start + i) % count for i in range(count)), key=self._busy.__getitem__)
        self._next = (lane + 1) % count
        return lane

    async def run(
        self,
        key: str | None,
        fn: Callable[..., T],
        *args: Any,
        budgeted: bool = False,
        affinity: str | None = None,
        **kwargs: Any,
    ) -> T:
        """Run ``fn(*args, **kwargs)`` in a worker; ``key`` identifies the caller. With
        ``budgeted``, ``fn`` also gets ``budget_s``: what is left of the deadline when it
        starts, so a call that waited in the queue gets less. ``affinity``: what the call
        is about (an asset id), to run it where that was parsed before (`lane_for`)."""
        submitted = time.monotonic()
        with self._slot(key), self._lane(affinity) as lane:
            future = lane.schedule(
                _call, args=(fn, args, kwargs, submitted if budgeted else None, self.timeout_s)
            )
            try:
                result: T = await asyncio.wait_for(
                    asyncio.wrap_future(future), self.timeout_s + GRACE_S
                )
            except TimeoutError:
                # Queued: it never starts; running: its worker process is killed.
                future.cancel()  # type: ignore[no-untyped-call]
                raise OffloadTimeout(
                    f"the compatibility engine did not answer within {self.timeout_s:g} s "
                    "(ACCORD_COMPAT_TIMEOUT_S; the server may be busy); retry later",
                    code="engine_timeout",
                ) from None
            return result

    @contextlib.contextmanager
    def _lane(self, affinity: str | None) -> Iterator[ProcessPool]:
        index = self.lane_for(affinity)
        self._busy[index] += 1
        try:
            yield self._lanes[index]
        finally:
            self._busy[index] -= 1

    @contextlib.contextmanager
    def _slot(self, key: str | None) -> Iterator[None]:
        if key is None:
            yield
            return
        if self._running.get(key, 0) >= self.per_key:
            raise TooManyRequestsError(
                f"at most {self.per_key} compatibility checks per key run at once; "
                "retry when one has finished",
                retry_after=1,
                code="too_many_concurrent_checks",
            )
        self._running[key] = self._running.get(key, 0) + 1
        try:
            yield
        finally:
            left = self._running[key] - 1
            if left:
                self._running[key] = left
            else:
                del self._running[key]

    def shutdown(self) -> None:
        for lane in self._lanes:
            lane.stop()  # type: ignore[no-untyped-call]
        for lane in self._lanes:
            lane.join(timeout=5)


@dataclass(frozen=True)
class EngineRunner:
    """An ``Offload`` bound to one caller: what services receive to run engine work.
    ``fn`` gets ``budget_s``, the engine's own time budget."""

    offload: Offload
    key: str | None
    affinity: str | None = None

    def near(self, affinity: object) -> EngineRunner:
        """This runner, for calls about ``affinity`` (an asset id: `Offload.lane_for`)."""
        return replace(self, affinity=str(affinity))

    async def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.offload.run(
            self.key, fn, *args, budgeted=True, affinity=self.affinity, **kwargs
        )
