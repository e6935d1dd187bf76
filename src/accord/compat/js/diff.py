"""Change reports: walk two normalised schemas in parallel and name every difference.

Paths are JSON pointers into the *schema* (the new one, or the old one for removals).
Directions of keyword changes follow from the keyword's meaning; directions of structural
changes (a property added under a catch-all, a branch swapped) come from the same inclusion
procedure that decides the verdict, so they cannot contradict it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accord.compat.budget import tick
from accord.compat.canonical import key
from accord.compat.js.dialect import Dialect
from accord.compat.js.diff_base import B, N, R, T
from accord.compat.js.diff_base import limit as _limit
from accord.compat.js.diff_structure import _walk_arrays, _walk_combinators, _walk_objects
from accord.compat.js.flat import ObjPart
from accord.compat.js.inclusion import Checker
from accord.compat.js.keywords import _ASSERTIONS
from accord.compat.js.node import ANNOTATIONS, Bound, Node, escape
from accord.compat.js.objects import _governing
from accord.compat.js.patterns import Unmatchable
from accord.compat.model import Change, Direction

MAX_CHANGES = 1000
# Annotations consumers act on, with the stem of their change kinds.
CONSUMED = {
    "format": "format",
    "contentEncoding": "content_encoding",
    "contentMediaType": "content_media_type",
}


class Differ:
    """Collects ``Change``s between an old and a new document."""

    def __init__(self, lenient: bool, assert_formats: bool, checker: Checker | None = None) -> None:
        self.lenient = lenient
        self.assert_formats = assert_formats
        self.changes: list[Change] = []
        self.seen: set[tuple[int, int, str]] = set()
        # (old, new) walked once: its changes, replayed under every other path that reaches
        # the pair (a shared definition), so refs that double per level stay linear
        self.done: dict[tuple[int, int], tuple[Node, Node, str, int, int]] = {}
        self.active: set[tuple[int, int]] = set()
        self.checker = checker or Checker(False)

    def add(self, path: str, kind: str, direction: Direction, message: str) -> None:
        if len(self.changes) < MAX_CHANGES:
            self.changes.append(Change(path or "/", kind, direction, message))

    def direction(self, old: tuple[Node, ...], new: tuple[Node, ...]) -> Direction:
        """Direction of a change between two sub-schemas, by inclusion both ways (``both``
        when a pattern RE2 cannot run stands in the way)."""
        try:
            wider = self.checker.sub(old, new) is None
            narrower = self.checker.sub(new, old) is None
        except Unmatchable:
            return B
        return N if wider and narrower else R if wider else T if narrower else B

    def walk(self, old: Node, new: Node, path: str) -> None:
        """Report the differences between ``old`` and ``new`` at schema path ``path``."""
        pair = (id(old), id(new))
        if (
            old.same_as(new)
            or (*pair, path) in self.seen
            or path.count("/") > 64
            or len(self.changes) >= MAX_CHANGES
            or pair in self.active  # recursion: reported where the pair was entered
        ):
            return
        self.seen.add((*pair, path))
        done = self.done.get(pair)
        if done is not None:
            self._replay(done[2], done[3], done[4], path)
            return
        tick()
        self.active.add(pair)
        start = len(self.changes)
        try:
            self._walk(old, new, path)
        finally:
            self.active.discard(pair)
        self.done[pair] = (old, new, path, start, len(self.changes))

    def _replay(self, first: str, start: int, end: int, path: str) -> None:
        """The changes found under ``first`` for the same pair, re-rooted at ``path``."""
        for change in self.changes[start:end]:
            at = "" if change.path == "/" else change.path
            if at == first or at.startswith(first + "/"):
                self.add(path + at[len(first) :], change.kind, change.direction, change.message)

    def _walk(self, old: Node, new: Node, path: str) -> None:
        if old is old.doc.root and new is new.doc.root:
            self._dialect(old, new, path)
        if _only_ref(old) or _only_ref(new):
            if old.ref is not None and new.ref is not None:
                # the referrers' own annotations (from 2019-09 they apply beside the $ref)
                self._annotations(_siblings(old), _siblings(new), path)
            self.walk(_deref(old), _deref(new), path)
            return
        if old.always is not None or new.always is not None:
            if not (self.unconstrained(old) and self.unconstrained(new)):
                self._boolean(old, new, path)
            if old.always is not False and new.always is not False:
                self._annotations(_raw(old), _raw(new), path)
            return
        self._annotations(old.raw, new.raw, path)
        self._types(old, new, path)
        self._enum(old, new, path)
        self._scalars(old, new, path)
        _walk_arrays(self, old, new, path)
        _walk_objects(self, old, new, path)
        _walk_combinators(self, old, new, path)
        if old.ref is not None and new.ref is not None:
            self.walk(old.ref, new.ref, path)
        elif old.ref is not None or new.ref is not None:
            self.add(
                path + "/$ref",
                "ref_changed",
                self.direction((old,), (new,)),
                "reference added or removed",
            )

    def unconstrained(self, node: Node) -> bool:
        """Accepts every value: ``true``, only annotations, or an annotation ``format``."""
        if node.always is not None:
            return node.always
        return not self.assert_formats and _ASSERTING.isdisjoint(node.raw)

    def _dialect(self, old: Node, new: Node, path: str) -> None:
        """A dialect change ``$schema`` does not show (inferred from the keywords used)."""
        o, n = old.doc.dialect, new.doc.dialect
        if o != n and key(_raw(old).get("$schema")) == key(_raw(new).get("$schema")):
            self.add(
                f"{path}/$schema",
                "dialect_changed",
                N,
                f"dialect {o.label} → {n.label} (inferred from the keywords used)",
            )

    def _boolean(self, old: Node, new: Node, path: str) -> None:
        if new.always is False:
            self.add(path, "schema_made_false", T, "schema now rejects every value")
        elif old.always is False:
            self.add(path, "schema_made_satisfiable", R, "schema no longer rejects everything")
        elif new.always is True:
            self.add(path, "constraints_removed", R, "schema now accepts every value")
        else:
            self.add(path, "constraints_added", T, "schema was unconstrained")

    def _annotations(self, o: dict[str, Any], n: dict[str, Any], path: str) -> None:
        for word in sorted(set(o) | set(n)):
            if word in ("$defs", "definitions") or (
                word not in ANNOTATIONS and not _extension(word)
            ):
                continue
            if word in o and word in n and key(o[word]) == key(n[word]):
                continue
            where = f"{path}/{escape(word)}"
            if word == "default":
                kind = "default_" + _verb(word in o, word in n)
                self.add(
                    where,
                    kind,
                    N,
                    "default value changed: consumers applying it see different data",
                )
            elif word in CONSUMED:
                self._consumed(word, o, n, where)
            elif word in ("$id", "id"):
                self.add(where, "id_changed", N, "$id changed: external references may break")
            elif word == "$schema":
                self.add(where, "dialect_changed", N, f"dialect {o.get(word)} → {n.get(word)}")
            elif _extension(word):
                self.add(where, "extension_changed", N, f"extension keyword {word} changed")
            else:
                self.add(where, "annotation_changed", N, f"{word} changed")

    def _consumed(self, word: str, o: dict[str, Any], n: dict[str, Any], where: str) -> None:
        """``format``, ``contentEncoding``, ``contentMediaType``: consumers act on them
        (parse a date, decode base64) even where the validator does not assert them: a new
        one tightens (values written before may not conform), a dropped one relaxes, a
        different one does both. The verdict still follows the validator."""
        verb = _verb(word in o, word in n)
        direction = {"added": T, "removed": R}.get(verb, B)
        if verb == "changed":
            message = f"{word} {o[word]!r} → {n[word]!r}"
        else:
            message = f"{word} {(n if verb == 'added' else o)[word]!r} {verb}"
        self.add(where, f"{CONSUMED[word]}_{verb}", direction, message)

    def _types(self, old: Node, new: Node, path: str) -> None:
        o, n = _widen(old.types), _widen(new.types)
        if o == n:
            return
        where = f"{path}/type"
        message = f"type {_show(old.types)} → {_show(new.types)}"
        if o <= n:
            self.add(where, "type_widened", R, message)
        elif n <= o:
            self.add(where, "type_narrowed", T, message)
        else:
            self.add(where, "type_changed", B, message)

    def _enum(self, old: Node, new: Node, path: str) -> None:
        o, n = old.enum, new.enum
        if (o is None and n is None) or (o is not None and n is not None and o.keys == n.keys):
            return
        where = f"{path}/enum"
        if o is None:
            self.add(where, "enum_added", T, "values restricted to an enumeration")
        elif n is None:
            self.add(where, "enum_removed", R, "enumeration removed")
        else:
            added = [v for v in n.values if key(v) not in o.keys]
            removed = [v for v in o.values if key(v) not in n.keys]
            if added:
                self.add(where, "enum_value_added", R, f"values added: {_few(added)}")
            if removed:
                self.add(where, "enum_value_removed", T, f"values removed: {_few(removed)}")

    def _scalars(self, old: Node, new: Node, path: str) -> None:
        _bound(self, path, "minimum", old.lower, new.lower, 1)
        _bound(self, path, "maximum", old.upper, new.upper, -1)
        _limit(self, path, "min_length", "minLength", old.min_length, new.min_length, 0)
        _limit(self, path, "max_length", "maxLength", old.max_length, new.max_length, None)
        if old.multiple_of != new.multiple_of:
            om, nm = old.multiple_of, new.multiple_of
            if om is None or nm is None:
                kind, direction = ("added", T) if om is None else ("removed", R)
            elif (nm / om).denominator == 1:
                kind, direction = "expanded", T
            elif (om / nm).denominator == 1:
                kind, direction = "reduced", R
            else:
                kind, direction = "changed", B
            self.add(
                f"{path}/multipleOf", f"multiple_of_{kind}", direction, f"multipleOf {om} → {nm}"
            )
        if old.pattern != new.pattern:
            verb = _verb(old.pattern is not None, new.pattern is not None)
            direction = {"added": T, "removed": R}.get(verb) or _pattern_direction(self, old, new)
            self.add(
                f"{path}/pattern",
                f"pattern_{verb}",
                direction,
                f"pattern {old.pattern!r} → {new.pattern!r}",
            )


def _pattern_direction(d: Differ, old: Node, new: Node) -> Direction:
    from accord.compat.js.regex_sample import equivalent

    if equivalent(old.pattern or "", new.pattern or ""):
        return N
    return d.direction((old,), (new,))


def _bound(d: Differ, path: str, name: str, o: Bound | None, n: Bound | None, sign: int) -> None:
    if o == n:
        return
    where = f"{path}/{name}"
    if o is None or n is None:
        verb = "added" if o is None else "removed"
        d.add(where, f"{name}_{verb}", T if o is None else R, f"{name} {verb}")
        return
    if o.value == n.value:
        tighter = n.exclusive
        d.add(
            where,
            f"{name}_exclusivity_changed",
            T if tighter else R,
            f"{name} {'became' if tighter else 'stopped being'} exclusive",
        )
        return
    raised = n.value > o.value
    tighter = raised == (sign > 0)
    d.add(
        where,
        f"{name}_{'increased' if raised else 'decreased'}",
        T if tighter else R,
        f"{name} {o.value} → {n.value}",
    )


def _verb(before: bool, after: bool) -> str:
    return "added" if after and not before else "removed" if before and not after else "changed"


def _extension(word: str) -> bool:
    return word.startswith("x-") or (
        word not in _ASSERTIONS and word not in ANNOTATIONS and word not in _STRUCTURAL
    )


_STRUCTURAL = frozenset({"$anchor", "$dynamicAnchor", "$recursiveAnchor"})
# What makes a schema more than "accept everything" when formats are annotations.
_ASSERTING = _ASSERTIONS - {"format"}


def _widen(types: frozenset[str] | None) -> frozenset[str]:
    from accord.compat.js.node import TYPES

    out = TYPES if types is None else types
    return out | {"integer"} if "number" in out else out


def _show(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _few(values: list[Any]) -> str:
    shown = ", ".join(repr(v) for v in values[:5])
    return shown + (f" … ({len(values)} in all)" if len(values) > 5 else "")


def _raw(node: Node) -> dict[str, Any]:
    """A node's keywords (none for a boolean schema)."""
    return node.raw if isinstance(node.raw, dict) else {}


def _siblings(node: Node) -> dict[str, Any]:
    """The keywords beside a ``$ref`` that apply: none before 2019-09."""
    return _raw(node) if node.doc.dialect >= Dialect.DRAFT2019 else {}


def _only_ref(node: Node) -> bool:
    return node.ref is not None and (
        node.doc.dialect <= 7 or set(node.raw) <= ANNOTATIONS | {"$ref"}
    )


def _deref(node: Node) -> Node:
    seen = 0
    while _only_ref(node) and seen < 64:
        assert node.ref is not None
        node, seen = node.ref, seen + 1
    return node


__all__ = ["Callable", "Differ", "ObjPart", "_governing"]
