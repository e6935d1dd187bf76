"""What the limiter asks of its counters, in memory (`memory`) or in Redis (`redis_store`).

One call per request does all of it, atomically: check the guard (the address's failed
authentications), then count the request in each bucket in order, stopping at the first
one over its quota. On Redis that is a single script, one round trip; bucket by bucket
it took five (about 2 ms a request here). Buckets are fixed windows that start at their
first hit (ADR 0024).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Guard:
    """Refuse everything while this counter is at or over `quota` (it is not counted)."""

    key: str
    quota: int


@dataclass(frozen=True, slots=True)
class Hit:
    key: str
    quota: int
    window_s: int


@dataclass(frozen=True, slots=True)
class Count:
    count: int
    resets_in: float


@dataclass(frozen=True, slots=True)
class Tally:
    """`guarded`: the guard's count, when it refused; else `counts`, one per hit made."""

    guarded: Count | None
    counts: tuple[Count, ...]


class Counters(Protocol):
    async def apply(self, guard: Guard | None, hits: Sequence[Hit]) -> Tally: ...

    async def aclose(self) -> None: ...
