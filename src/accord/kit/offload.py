"""CPU-bound work away from the server: worker processes with a hard deadline and a
per-caller concurrency limit (issue 14; ADR 0025, ADR 0041).

The compatibility engine is pure Python. Run on the event loop, one hostile schema stalled
every other request, health probes included. Run on threads it still competes for the GIL,
and its garbage-collector pauses (hundreds of ms on big schemas) stop the whole process.
So it runs in ``workers`` processes of its own (started by a fork server that preloads
the engine). Each call has a deadline measured from submission; a call still running then
is abandoned *and its worker process is killed* (the lane starts another on its next
call), so nothing can hold the engine for ever. A caller (an API key) may have at most
``per_key`` calls in flight: more is a 429, not a queue, so one key cannot fill the pool.
The engine also stops itself at its own budget (``budgeted=True``), which is what normally
turns a too-hard check into an ``undecided`` verdict; the kill is the backstop.

Each worker is a *lane*: one process, one call at a time, the others waiting their turn in
order. A call may name an ``affinity`` (the asset it is about): it goes to that affinity's
home lane when the lane is idle, so the versions that lane's process already parsed
(``contract.version_cache``) are parsed there again only when evicted. With one shared
queue, consecutive publishes to one asset took turns between the workers, and each worker
parsed the previous version again (issue 21). A call without an affinity, or whose home
lane is busy, goes to the least busy lane.

A lane talks to its process over one pipe, from the event loop itself (ADR 0041): the call
is pickled and written by the caller, and the answer is read when the loop sees the pipe
readable. A pool with threads of its own (``pebble``, before) passed each call through a
scheduler thread, an acknowledgement and a result thread, each waiting for the GIL while
the request went on reading the database: 1.6 of a 50-column publish's 11.6 ms.

Functions run in another process: they and their arguments must pickle (top-level
functions, plain data).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import multiprocessing
import pickle
import signal
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from accord.exceptions import ServiceUnavailableError, TooManyRequestsError

T = TypeVar("T")

# Time allowed past the budget for the engine to notice it and return its verdict.
GRACE_S = 0.5
# Imported once by the fork server, so a new worker starts in milliseconds.
PRELOAD = ["accord.compat.engine", "accord.compat.js.backend", "accord.contract.evaluate"]
# A call this large (pickled) is written from a thread: the loop does not wait while a
# process reads megabytes (a transitive check's history).
_WRITE_INLINE_MAX = 256 * 1024
# How long a worker process may take to exit once its pipe is closed or it was killed.
_STOP_WAIT_S = 2.0


class OffloadTimeout(ServiceUnavailableError):
    """The work did not finish by its deadline (the pool is saturated, or it overran)."""


class WorkerLost(ServiceUnavailableError):
    """The worker process ended while it ran the call (killed from outside, out of memory):
    the call's answer is lost; the next call starts another process."""


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


# What a worker sends back: (True, the result, "") or (False, the exception, its traceback
# as text: an exception's own pickling may drop its notes, `SchemaError` does).
_Outcome = tuple[bool, Any, str]


def _answer(outcome: _Outcome) -> bytes:
    """``outcome`` pickled; an answer that does not pickle comes back as a RuntimeError
    naming it (the call's failure is never lost in the pipe)."""
    try:
        return pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # anything pickle raises on a foreign object
        ok, value, trace = outcome
        what = f"result {type(value).__name__}" if ok else repr(value)
        failure = RuntimeError(f"the engine's answer could not be sent back ({what}): {exc}")
        return pickle.dumps((False, failure, trace), pickle.HIGHEST_PROTOCOL)


def _serve(
    conn: Connection, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> None:
    """A worker process: run each call read from ``conn``, write its answer back, until
    the pipe closes. SIGINT is the server's (its Ctrl-C stops the pool); SIGTERM ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            request = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            fn, args, kwargs = pickle.loads(request)
            outcome: _Outcome = (True, fn(*args, **kwargs), "")
        except BaseException as exc:  # every failure is the caller's answer
            failure = exc if isinstance(exc, Exception) else RuntimeError(f"stopped: {exc!r}")
            outcome = (False, failure, traceback.format_exc())
        try:
            conn.send_bytes(_answer(outcome))
        except OSError:
            return


class _Lane:
    """One worker process and the pipe to it; calls take turns (`turn`)."""

    def __init__(
        self,
        context: multiprocessing.context.BaseContext,
        initializer: Callable[..., None] | None,
        initargs: tuple[Any, ...],
    ) -> None:
        self._context = context
        self._initializer = initializer
        self._initargs = initargs
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._held = False
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    @contextlib.asynccontextmanager
    async def turn(self) -> Any:
        """This lane's process to oneself until the block ends (first come, first served)."""
        if self._held or self._waiting:
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._pass_on()  # it was our turn: give it to the next
                else:  # still waiting; or handed the turn, whose `_wake` passes it on
                    with contextlib.suppress(ValueError):
                        self._waiting.remove(waiter)
                raise
        else:
            self._held = True
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                # On the waiter's loop (a lane may serve several, in tests): if it was
                # cancelled in between, `_wake` passes the turn on, so it is never lost.
                waiter.get_loop().call_soon_threadsafe(self._wake, waiter)
                return  # still held: the turn passes to ``waiter``
        self._held = False

    def _wake(self, waiter: asyncio.Future[None]) -> None:
        if waiter.done():  # cancelled since it was handed the turn
            self._pass_on()
        else:
            waiter.set_result(None)

    def _spawn(self) -> Connection:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(  # type: ignore[attr-defined]
            target=_serve, args=(theirs, self._initializer, self._initargs), daemon=True
        )
        process.start()
        theirs.close()
        self._process, self._conn = process, ours
        return ours

    async def _connection(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self.kill()
        return await asyncio.to_thread(self._spawn)

    async def call(self, payload: bytes) -> _Outcome:
        """Send one pickled call and wait for its answer; the caller holds the turn and
        bounds the wait. If the wait ends early (the deadline, or the caller cancelled),
        the process is killed: it may still be running the call."""
        conn = await self._connection()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[_Outcome] = loop.create_future()
        fd = conn.fileno()
        loop.add_reader(fd, self._readable, conn, answer)
        try:
            try:
                try:
                    if len(payload) > _WRITE_INLINE_MAX:
                        await asyncio.to_thread(conn.send_bytes, payload)
                    else:
                        conn.send_bytes(payload)
                except OSError:  # it ended since `_connection` saw it alive
                    raise _lost() from None
                return await answer  # the caller's `timeout_at` bounds the wait
            finally:
                loop.remove_reader(fd)
        except BaseException:
            self.kill()
            raise

    @staticmethod
    def _readable(conn: Connection, answer: asyncio.Future[_Outcome]) -> None:
        if answer.done():
            return
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            answer.set_exception(_lost())
            return
        try:
            outcome = pickle.loads(message)
        except Exception as exc:  # an exception class that does not unpickle, say
            failure = RuntimeError(f"the engine's answer could not be read: {exc!r}")
            answer.set_exception(failure)
            return
        answer.set_result(outcome)

    def kill(self) -> None:
        """End the process at once (it may be running a call nobody waits for)."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is not None and process.is_alive():
            process.kill()
            process.join(timeout=_STOP_WAIT_S)

    def close(self) -> BaseProcess | None:
        """Close the pipe: an idle process exits by itself; one running a call is killed.
        Returns the process, to `join` once every lane is closed."""
        if self._held:
            self.kill()
            return None
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        return process


def _lost() -> WorkerLost:
    return WorkerLost(
        "the compatibility engine's process ended while it ran this check; retry (another "
        "process takes the next one)",
        code="engine_lost",
    )


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
        self._lanes = [_Lane(context, initializer, initargs) for _ in range(workers)]
        self._busy = [0] * workers  # calls submitted to each lane and not yet answered
        self._next = 0  # where the search for the least busy lane starts (round robin)
        self._running: dict[str, int] = {}

    async def start(self) -> None:
        """Start the workers now rather than on the first request."""
        await asyncio.gather(
            *(self._run_on(i, _ready, (), {}, None) for i in range(len(self._lanes)))
        )

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
        starts, so a call that waited for its lane gets less. ``affinity``: what the call
        is about (an asset id), to run it where that was parsed before (`lane_for`)."""
        submitted = time.monotonic()
        with self._slot(key):
            index = self.lane_for(affinity)
            return await self._run_on(
                index, fn, args, kwargs, submitted if budgeted else None, submitted
            )

    async def _run_on(
        self,
        index: int,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        budget_from: float | None,
        submitted: float | None = None,
    ) -> T:
        submitted = time.monotonic() if submitted is None else submitted
        deadline = submitted + self.timeout_s + GRACE_S
        payload = pickle.dumps(
            (_call, (fn, args, kwargs, budget_from, self.timeout_s), {}), pickle.HIGHEST_PROTOCOL
        )
        lane = self._lanes[index]
        self._busy[index] += 1
        try:
            async with asyncio.timeout_at(_loop_time(deadline)):
                async with lane.turn():
                    ok, value, trace = await lane.call(payload)
        except TimeoutError:
            # Waiting for its turn: it never starts; running: its worker process is killed.
            raise OffloadTimeout(
                f"the compatibility engine did not answer within {self.timeout_s:g} s "
                "(ACCORD_COMPAT_TIMEOUT_S; the server may be busy); retry later",
                code="engine_timeout",
            ) from None
        finally:
            self._busy[index] -= 1
        if not ok:
            value.add_note(f"in the engine's worker process:\n{trace}")
            raise value
        result: T = value
        return result

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
        """Stop every worker process (all pipes closed first: they exit side by side)."""
        closed = [lane.close() for lane in self._lanes]
        for process in closed:
            if process is None:
                continue
            process.join(timeout=_STOP_WAIT_S)
            if process.is_alive():
                process.kill()
                process.join(timeout=_STOP_WAIT_S)


def _loop_time(deadline: float) -> float:
    """A `time.monotonic` deadline on the running loop's clock."""
    loop = asyncio.get_running_loop()
    return loop.time() + (deadline - time.monotonic())


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
