"""Deadlines for DuckDB statements: one watchdog thread interrupts a statement that runs
past its deadline.

DuckDB has no ``statement_timeout``; a connection can only be interrupted from another
thread. A statement registers its connection for the time it runs (`Watchdog.running`); the
watchdog's one thread sleeps until the earliest deadline among those registered and calls
``interrupt()`` on that connection when it passes. While no deadline passes the thread only
wakes when a statement starts or ends: nothing runs per row, nothing per batch.

An interrupt that reaches a connection just before its statement begins is lost (DuckDB
clears the flag when a statement starts), so a fired watch is interrupted again every
`RETRY` seconds until its statement ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

RETRY = 0.05


class Interruptible(Protocol):
    """What the watchdog needs of a connection."""

    def interrupt(self) -> None:
        """Stop the statement running on the connection."""
        ...


@dataclass(eq=False)
class Watch:
    """One running statement: its connection, its deadline (`time.monotonic`), and whether
    the watchdog interrupted it."""

    con: Interruptible
    deadline: float
    fired: bool = False


class Watchdog:
    """Interrupts statements that outlive ``seconds`` (None: no deadline, no thread)."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        #: Set by the source once a statement was stopped at its deadline.
        self.expired = False
        self._watches: list[Watch] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextmanager
    def running(self, con: Interruptible) -> Iterator[Watch | None]:
        """Watch ``con`` while the block runs its statement; yields the `Watch` (None when
        there is no deadline), whose ``fired`` tells whether it was interrupted."""
        if not self.seconds:
            yield None
            return
        watch = Watch(con, time.monotonic() + self.seconds)
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="accord-deadline", daemon=True
                )
                self._thread.start()
            self._watches.append(watch)
            self._cond.notify()
        try:
            yield watch
        finally:
            with self._cond:
                self._watches.remove(watch)

    def close(self) -> None:
        """Stop the thread (statements still running are not interrupted)."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                waits: list[float] = []
                for watch in self._watches:
                    if watch.fired or watch.deadline <= now:
                        watch.fired = True
                        watch.con.interrupt()
                        waits.append(RETRY)
                    else:
                        waits.append(watch.deadline - now)
                self._cond.wait(min(waits) if waits else None)
