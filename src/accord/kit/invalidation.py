"""Process-wide change counters for in-process caches (issue 21).

A cache that may hold an answer some write makes stale keeps the `generation` of its topic
when it reads, and drops what it holds when the generation moved. The write `announce`s
its topic once its transaction has committed (`accord.db.after_commit`), so every cache of
this process sees it at once; other processes see it within their cache's TTL.

Topics: ``credentials`` (a key revoked, a team deleted: auth/cache.py), ``assets`` (an
asset deleted or restored: contract/bodies.py).
"""

from __future__ import annotations

from collections import Counter

_generations: Counter[str] = Counter()


def announce(topic: str) -> None:
    """Whatever was read about ``topic`` before now may be stale."""
    _generations[topic] += 1


def generation(topic: str) -> int:
    return _generations[topic]
