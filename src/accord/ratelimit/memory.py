"""Fixed-window counters in this process's memory (the embedded default).

Not `limits.aio.storage.MemoryStorage`: after every increment it schedules a task that
walks *all* its keys to expire old ones, so each request costs O(keys). Measured on this
machine: 21 us per increment with 1 key, 0.33 ms with 1,000, 2.6 ms with 10,000, 30 ms
with 100,000 (and a client picks how many keys it creates by the addresses and bad keys
it uses). Here a request costs O(1); expired counters are dropped in one pass at most
every `purge_every_s`. `apply` never awaits, so requests cannot interleave inside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from accord.ratelimit.counters import Count, Guard, Hit, Tally


class MemoryCounters:
    def __init__(self, clock: Callable[[], float] = time.time, purge_every_s: float = 10.0) -> None:
        self._clock = clock
        self._purge_every_s = purge_every_s
        self._next_purge = clock() + purge_every_s
        # key -> (count, ends_at)
        self._counters: dict[str, tuple[int, float]] = {}

    def __len__(self) -> int:
        return len(self._counters)

    async def apply(self, guard: Guard | None, hits: Sequence[Hit]) -> Tally:
        now = self._clock()
        if now >= self._next_purge:
            self._purge(now)
        if guard is not None:
            entry = self._counters.get(guard.key)
            if entry is not None and entry[1] > now and entry[0] >= guard.quota:
                return Tally(Count(entry[0], entry[1] - now), ())
        counts: list[Count] = []
        for hit in hits:
            entry = self._counters.get(hit.key)
            if entry is None or entry[1] <= now:
                entry = (1, now + hit.window_s)
            else:
                entry = (entry[0] + 1, entry[1])
            self._counters[hit.key] = entry
            counts.append(Count(entry[0], entry[1] - now))
            if entry[0] > hit.quota:
                break
        return Tally(None, tuple(counts))

    async def aclose(self) -> None:
        self._counters.clear()

    def _purge(self, now: float) -> None:
        self._next_purge = now + self._purge_every_s
        self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
