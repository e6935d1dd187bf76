"""Process-wide change counters for in-process caches (issue 21).

A cache that may hold an answer some write makes stale keeps the `generation` of its topic
when it reads, and drops what it holds when the generation moved. The write `announce`s
its topic once its transaction has committed (`accord.db.after_commit`), so every cache of
this process sees it at once; other processes see it within their cache's TTL, or at once
when a bus relays announcements between processes (kit/invalidation_bus.py: it listens to
this process's announcements and `apply`s the others' here, without echoing them).

Topics: ``credentials`` (a key revoked, a team deleted: auth/cache.py), ``assets`` (an
asset deleted or restored: contract/bodies.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import structlog

Listener = Callable[[str], None]


class Topics:
    """Generation counters and the listeners told of each local announcement. `PROCESS`
    is the one the caches read; tests make their own (one per simulated process)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._listeners: list[Listener] = []

    def announce(self, topic: str) -> None:
        """A local write: bump the counter, then tell the listeners (a listener must not
        block; one that raises is logged and never fails the write that announced)."""
        self.counts[topic] += 1
        for listener in tuple(self._listeners):
            try:
                listener(topic)
            except Exception:
                structlog.get_logger("accord.invalidation").exception("listener_failed")

    def apply(self, topic: str) -> None:
        """Another process's announcement: bump the counter, tell no listener."""
        self.counts[topic] += 1

    def generation(self, topic: str) -> int:
        return self.counts[topic]

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Tell ``listener`` of every local announcement; returns what stops it."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop


PROCESS = Topics()
_generations = PROCESS.counts  # read on every cache lookup: one dict access


def announce(topic: str) -> None:
    """Whatever was read about ``topic`` before now may be stale."""
    PROCESS.announce(topic)


def apply_remote(topic: str) -> None:
    """Another process announced ``topic``: this process's caches drop what they hold."""
    PROCESS.apply(topic)


def generation(topic: str) -> int:
    return _generations[topic]
