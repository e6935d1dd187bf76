"""Stored versions parsed once per engine process (issue 16: "hashed once").

A transitive check compares a candidate with every earlier version; parsing them again for
every publish cost more than deciding them (1,000 versions of 600 properties: seconds to
parse, a quarter of a second to decide once parsed). The engine runs in worker processes
(``kit.offload``), one call at a time each, so each worker keeps the versions it parsed here,
by content hash (identical content is the same version, and means the same under the same
settings), bounded by the size of their source.

Least recently used versions go first, but never one the current check is using: a
history larger than the whole cache keeps what fits rather than evicting each version just
before it is needed again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from accord.compat import Prepared

Key = tuple[str, str, Hashable]  # content hash, format, parse settings
DEFAULT_LIMIT_BYTES = 128 * 1024 * 1024
"""Source size (``repr`` characters) of the versions one worker keeps parsed."""


class VersionCache:
    def __init__(self, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> None:
        self.limit = limit_bytes
        self._entries: OrderedDict[Key, tuple[Prepared, int]] = OrderedDict()
        self.size = 0
        self.hits = 0
        self.misses = 0

    def prepared(
        self,
        items: Iterable[tuple[str, str, Any, Any]],
        make: Callable[[str, Any, Any], Prepared],
        settings: Hashable = None,
        size: int | None = None,
    ) -> list[Prepared]:
        """A ``Prepared`` for each ``(digest, format, schema, refs)`` (the schema may be its
        JSON text, for ``make`` to decode), cached ones first;
        ``settings``: what else ``make`` parses by (formats asserted, default dialect);
        ``size``: the source size of a single item when the caller knows it (``repr`` of
        a large document costs as much as parsing it)."""
        out: list[Prepared] = []
        using: set[Key] = set()
        for digest, fmt, schema, refs in items:
            if not digest:  # not stored: nothing to key it by
                out.append(make(fmt, schema, refs))
                continue
            key = (digest, fmt, settings)
            using.add(key)
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                out.append(found[0])
                continue
            self.misses += 1
            prepared = make(fmt, schema, refs)
            out.append(prepared)
            if size is None:
                size = len(schema) if isinstance(schema, str) else len(repr(schema))
            self._admit(key, prepared, size, using)
            size = None
        return out

    def _admit(self, key: Key, prepared: Prepared, size: int, using: set[Key]) -> None:
        if size > self.limit:
            return
        while self.size + size > self.limit:
            victim = next((k for k in self._entries if k not in using), None)
            if victim is None:
                return  # everything kept is in use by this check: keep what fits
            self.size -= self._entries.pop(victim)[1]
        self._entries[key] = (prepared, size)
        self.size += size

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0
