"""What the parts of a change report share, below both ``diff`` and ``diff_structure``.

``diff.Differ`` walks two schemas and calls into ``diff_structure`` for arrays, objects and
combinators; those see the differ only as a ``Reporter``, so the modules import one another
in one direction only: ``diff`` → ``diff_structure`` → ``diff_base``.
"""

from __future__ import annotations

from typing import Protocol

from accord.compat.js.node import Node
from accord.compat.model import Direction

T, R, B, N = Direction.TIGHTENS, Direction.RELAXES, Direction.BOTH, Direction.NEUTRAL


class Reporter(Protocol):
    """What the structural walkers need of the ``Differ`` collecting the changes."""

    @property
    def lenient(self) -> bool:
        """Robustness principle: readers ignore properties they do not declare."""
        ...

    def add(self, path: str, kind: str, direction: Direction, message: str) -> None:
        """Record one change at schema path ``path``."""
        ...

    def direction(self, old: tuple[Node, ...], new: tuple[Node, ...]) -> Direction:
        """Direction of a change between two sub-schemas, by inclusion both ways."""
        ...

    def walk(self, old: Node, new: Node, path: str) -> None:
        """Report the differences between ``old`` and ``new`` at schema path ``path``."""
        ...

    def unconstrained(self, node: Node) -> bool:
        """Accepts every value: ``true``, only annotations, or an annotation ``format``."""
        ...


def limit(
    d: Reporter, path: str, kind: str, word: str, o: int | None, n: int | None, none: int | None
) -> None:
    """Length/count limits; ``none`` is the value meaning "no limit" (0 for minimums)."""
    if o == n:
        return
    is_min = none == 0
    if o == none or n == none:
        verb = "added" if o == none else "removed"
        direction = T if verb == "added" else R
    else:
        assert o is not None
        assert n is not None
        verb = "increased" if n > o else "decreased"
        direction = T if (n > o) == is_min else R
    d.add(f"{path}/{word}", f"{kind}_{verb}", direction, f"{word} {o} → {n}")
