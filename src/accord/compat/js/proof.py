"""The vocabulary of inclusion proofs, below both the ``Checker`` and its per-type rules.

``inclusion`` drives a proof and ``shapes``/``objects`` supply the per-type rules; they all
speak of ``Nodes``, fail with a ``Gap``, and the rules see the checker only as a ``Prover``
(the part of ``Checker`` they call back into). Keeping these here lets the modules import
one another in one direction only: ``inclusion`` → ``shapes`` → ``objects`` → ``proof``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from accord.compat.js.node import Node
from accord.compat.js.values import Sampler

Nodes = tuple[Node, ...]
Skip = frozenset[tuple[int, str]]


@dataclass
class Gap:
    """Where a proof of inclusion failed (``path`` into the instance) and why."""

    path: str
    reason: str
    cands: Callable[[], Iterator[Any]]
    # other failures of the same proof, searched for a witness after this one's
    others: tuple[Gap, ...] = ()

    def under(self, segment: str, wrap: Callable[[Any], Any]) -> Gap:
        """The same gap seen from the parent instance."""
        inner = self.cands
        return Gap(
            f"/{segment}{self.path}",
            self.reason,
            lambda: (wrap(v) for v in inner()),
            tuple(other.under(segment, wrap) for other in self.others),
        )


class Prover(Protocol):
    """What the per-type rules need of the ``Checker`` driving the proof."""

    @property
    def lenient(self) -> bool:
        """Robustness principle: the reader ignores properties it does not declare."""
        ...

    @property
    def strict(self) -> Prover:
        """The strict helper for reader-vs-reader questions (itself when strict)."""
        ...

    @property
    def sampler(self) -> Sampler:
        """Sample values of the writer's schemas."""
        ...

    def sub(self, a: Nodes, b: Nodes, skip: Skip = ...) -> Gap | None:
        """``None`` when L(a) ⊆ L(b) is proved, else a ``Gap``."""
        ...

    def values(self, a: Nodes) -> Iterator[Any]:
        """Sample values of ``a``."""
        ...

    def outside(self, a: Nodes, b: Nodes, values: Iterable[Any]) -> Iterator[Any]:
        """Candidates valid under ``a`` and rejected by a reader on ``b``."""
        ...

    def type_node(self, like: Node, kind: str) -> Node:
        """A synthetic ``{"type": kind}`` node in ``like``'s document."""
        ...


def admits(types: frozenset[str], kind: str) -> bool:
    """Values of JSON type ``kind`` pass a ``type`` of ``types`` (integers are numbers)."""
    return kind in types or (kind == "integer" and "number" in types)


def gap(ck: Prover, path: str, reason: str, a: Nodes, b: Nodes, cands: Iterator[Any]) -> Gap:
    """A gap whose candidates are ``cands`` (drawn now), then sample values of ``a``: the
    ones a reader on ``b`` rejects."""
    values = list(cands)
    return Gap(path, reason, lambda: ck.outside(a, b, [*values, *ck.values(a)]))


def fixed(values: list[Any]) -> Callable[[], Iterator[Any]]:
    """A candidate source that yields exactly ``values``."""
    return lambda: iter(values)
