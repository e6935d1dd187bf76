"""CPU-bound work off the event loop: a bounded thread pool with a hard deadline and a
per-caller concurrency limit (issue 14).

The compatibility engine is pure Python: run on the event loop, one hostile schema would
stall every other request, health probes included. Here it runs on a few threads
(``workers``); each call has a deadline measured from submission, and a caller (an API
key) may have at most ``per_key`` calls in flight — more is a 429, not a queue, so one key
cannot fill the pool. The deadline is a backstop: the engine also stops itself at its
own budget (``budgeted=True``), which is what normally turns a too-hard check into an
``undecided`` verdict; a call that still overruns is abandoned with ``OffloadTimeout``
(its thread finishes on its own and its result is dropped).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from accord.exceptions import ServiceUnavailableError, TooManyRequestsError

T = TypeVar("T")

# Time allowed past the budget for the engine to notice it and return its verdict.
GRACE_S = 0.5


class OffloadTimeout(ServiceUnavailableError):
    """The work did not finish by its deadline (the pool is saturated, or it overran)."""


class Offload:
    def __init__(self, *, workers: int, per_key: int, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.per_key = per_key
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="accord-engine"
        )
        self._running: dict[str, int] = {}

    async def run(
        self,
        key: str | None,
        fn: Callable[..., T],
        *args: object,
        budgeted: bool = False,
        **kwargs: object,
    ) -> T:
        """Run ``fn(*args, **kwargs)`` on the pool; ``key`` identifies the caller. With
        ``budgeted``, ``fn`` also gets ``budget_s``: what is left of the deadline when it
        starts, so a call that waited in the queue gets less."""
        submitted = time.monotonic()

        def call() -> T:
            if budgeted:
                left = self.timeout_s - (time.monotonic() - submitted)
                return fn(*args, budget_s=max(0.001, left), **kwargs)
            return fn(*args, **kwargs)

        with self._slot(key):
            future = self._pool.submit(call)
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s + GRACE_S)
            except TimeoutError:
                future.cancel()  # a call still queued never starts
                raise OffloadTimeout(
                    f"the compatibility engine did not answer within {self.timeout_s:g} s "
                    "(server busy); retry later",
                    code="engine_timeout",
                ) from None

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
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class EngineRunner:
    """An ``Offload`` bound to one caller: what services receive to run engine work.
    ``fn`` gets ``budget_s``, the engine's own time budget."""

    offload: Offload
    key: str | None

    async def __call__(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        return await self.offload.run(self.key, fn, *args, budgeted=True, **kwargs)
