"""One inclusion question answered with a verdict: proved, refuted by a witness, or undecided."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from accord.compat.js.document import Document
from accord.compat.js.inclusion import Checker, Gap, SearchSpent
from accord.compat.js.patterns import Unmatchable
from accord.compat.js.witness import strip
from accord.compat.model import Outcome

CANDIDATES = 96
OTHERS = 2  # a proof's other failures searched after its first (``Gap.others``)
SEARCH_CHECKS = 1_500  # validations one candidate source may make (nested filters included)


@dataclass(frozen=True)
class Decision:
    """Whether every document a writer produces is read by a reader, with a witness if not."""

    outcome: Outcome
    reason: str = ""
    witness: Any = None
    path: str = ""


def decide(
    writer: Document, reader: Document, lenient: bool, shared: Checker | None = None
) -> Decision:
    """Decide L(writer) ⊆ L(reader) (lenient: under the robustness principle).

    A pattern RE2 cannot run (``Unmatchable``) stops the proof, or a candidate's check;
    a witness the real validator confirms without it still counts. ``shared``: a strict
    checker whose memo earlier questions of the same check filled (its budget restarts).
    """
    checker = shared or Checker(lenient)
    checker.restart()
    try:
        return _decide(checker, writer, reader, lenient)
    finally:
        checker.checks = None  # the next question is a proof again, not a search


def _decide(checker: Checker, writer: Document, reader: Document, lenient: bool) -> Decision:
    root_w, root_r = (writer.root,), (reader.root,)
    unmatchable, blocked = "", False
    try:
        gap: Gap | None = checker.sub(root_w, root_r)
    except RecursionError:
        gap = Gap("", "schema too deeply nested to analyse", lambda: iter(()))
    except Unmatchable as exc:
        unmatchable, blocked = exc.reason, True
        gap = Gap("", "a value of the writer is not read by the reader", lambda: iter(()))
    if gap is None:
        return Decision(Outcome.COMPATIBLE)
    fallback = Gap("", gap.reason, lambda: checker.values(root_w))
    for source in (gap, *gap.others[:OTHERS], fallback):
        checker.checks = SEARCH_CHECKS
        try:
            for doc in _safe(source.cands()):
                if _refutes(doc, writer, reader, lenient):
                    return Decision(Outcome.INCOMPATIBLE, source.reason, doc, source.path)
        except Unmatchable as exc:
            unmatchable = unmatchable or exc.reason
        except SearchSpent:
            pass  # this source's candidates cost too much to check: try the next
    if unmatchable:
        reason = unmatchable if blocked else f"{gap.reason}; {unmatchable}"
        return Decision(Outcome.UNDECIDED, reason, None, gap.path)
    return Decision(Outcome.UNDECIDED, f"{gap.reason} (no witness found)", None, gap.path)


def _refutes(doc: Any, writer: Document, reader: Document, lenient: bool) -> bool:
    if not writer.valid(writer.root, doc):
        return False
    if lenient:
        if strip(doc, (writer.root,)) != doc:
            return False  # a lenient writer never emits undeclared properties
        doc = strip(doc, (reader.root,))
    return not reader.valid(reader.root, doc)


def _safe(values: Iterator[Any]) -> Iterator[Any]:
    """Candidate generation is heuristic; a failing generator just ends the search."""
    iterator = islice(values, CANDIDATES)
    while True:
        try:
            value = next(iterator)
        except StopIteration:
            return
        except (TypeError, ValueError, OverflowError, RecursionError, ZeroDivisionError):
            return
        yield value


__all__ = ["Decision", "chain", "decide"]
