"""The hot read path of published versions, kept per process (issue 21).

Two caches, both bounded:

- `VersionBodies`: a version's response body, by version id. A version is immutable once
  published (`ContractVersion`), so its id names the same bytes for ever: never stale,
  never invalidated. Bounded by bytes (``ACCORD_READ_CACHE_MB``); least recently used go.
- `VisibleVersions`: which version id ``(workspace, asset, version)`` names while the
  asset is live, so a hit answers without the database. The one write that hides a
  version is deleting its asset (`asset.service.delete`): it announces the ``assets``
  topic after it commits (kit/invalidation.py), which empties this cache in its process at
  once; other processes drop the entry within ``ACCORD_READ_CACHE_TTL_S`` seconds (the
  documented bound, the same rule as the credential cache's). Misses (404) are never kept:
  a version published a moment ago in another process is found at once.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

from accord.kit import invalidation

_TOPIC = "assets"
Key = tuple[uuid.UUID, uuid.UUID, str]  # workspace, asset, version


class VersionBodies:
    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self.size = 0
        self._entries: OrderedDict[uuid.UUID, bytes] = OrderedDict()

    def get(self, version_id: uuid.UUID) -> bytes | None:
        body = self._entries.get(version_id)
        if body is not None:
            self._entries.move_to_end(version_id)
        return body

    def put(self, version_id: uuid.UUID, body: bytes) -> None:
        if len(body) > self.limit or version_id in self._entries:
            return
        self._entries[version_id] = body
        self.size += len(body)
        while self.size > self.limit:
            _, dropped = self._entries.popitem(last=False)
            self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)


def generation() -> int:
    return invalidation.generation(_TOPIC)


class VisibleVersions:
    def __init__(
        self,
        ttl_s: float,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[Key, tuple[uuid.UUID, float]] = {}
        self._seen = generation()

    def _current(self) -> None:
        now = generation()
        if self._seen != now:
            self._entries.clear()
            self._seen = now

    def get(self, key: Key) -> uuid.UUID | None:
        if self.ttl_s <= 0:
            return None
        self._current()
        found = self._entries.get(key)
        if found is None:
            return None
        if self._clock() >= found[1]:
            del self._entries[key]
            return None
        return found[0]

    def put(self, key: Key, version_id: uuid.UUID, *, seen_generation: int) -> None:
        """Remember what a read that began at ``seen_generation`` found (dropped if an
        asset was deleted since: the read may predate it)."""
        if self.ttl_s <= 0 or seen_generation != generation():
            return
        self._current()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (version_id, self._clock() + self.ttl_s)

    def __len__(self) -> int:
        return len(self._entries)


class HotVersions:
    """Both caches of one process (`AppState.versions`)."""

    def __init__(self, limit_bytes: int, ttl_s: float) -> None:
        self.bodies = VersionBodies(limit_bytes)
        self.visible = VisibleVersions(ttl_s)

    def body(self, key: Key) -> bytes | None:
        """The body, if both who may see it and the bytes are kept."""
        version_id = self.visible.get(key)
        return None if version_id is None else self.bodies.get(version_id)
