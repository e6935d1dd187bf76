"""How an import is cut into chunks, one transaction each (pure).

The order is the synchronous import's, phase by phase: every asset exists (`assets`)
before any lineage is synced (`lineage`, by downstream asset, so an edge between two
chunks' assets is still made), consumers are registered (`registrations`) before any
version is published (`versions`), so a proposal opened by the import sees the current
graph and consumers. The plan depends only on the number of assets and the chunk size,
both fixed when the job is accepted: a job resumed by another process (whatever its
settings) cuts the same chunks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Phase = Literal["assets", "lineage", "registrations", "versions"]
# The phases that work asset by asset; `registrations` is one chunk for the exposures.
ASSET_PHASES: tuple[Phase, ...] = ("assets", "lineage", "versions")


@dataclass(frozen=True)
class Chunk:
    index: int
    phase: Phase
    start: int  # asset positions [start, stop) in manifest order
    stop: int

    def covers(self, position: int) -> bool:
        return self.start <= position < self.stop


def _slices(total: int, size: int) -> list[tuple[int, int]]:
    return [(s, min(s + size, total)) for s in range(0, total, size)]


def plan(total: int, size: int) -> list[Chunk]:
    """The chunks of an import of `total` assets, `size` assets each; never empty (the
    registrations chunk, which also finishes the job, is always there)."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    slices = _slices(total, size)
    phases: list[tuple[Phase, int, int]] = [
        *(("assets", a, b) for a, b in slices),
        *(("lineage", a, b) for a, b in slices),
        ("registrations", 0, 0),
        *(("versions", a, b) for a, b in slices),
    ]
    return [Chunk(i, phase, a, b) for i, (phase, a, b) in enumerate(phases)]


def done_phases(chunks: Iterable[Chunk], position: int) -> list[Phase]:
    """The asset phases the given (committed) chunks applied to the asset at `position`."""
    return [c.phase for c in chunks if c.phase in ASSET_PHASES and c.covers(position)]
