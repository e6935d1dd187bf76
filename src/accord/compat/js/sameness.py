"""Proof that two sub-schemas of two versions mean the same, references included.

Two versions of a real schema mostly share their definitions: a change to one property
leaves hundreds of ``$ref``-linked definitions as they were. Equal source is not enough when
the source holds a ``$ref``: the target may have changed. It is enough when every definition
reachable through references, transitively, has equal source in both documents, at the same
place, and references resolve the same way in both. This module checks that on the *raw*
documents (no parsing), memoised per document pair, so an unchanged sub-tree of a changed
schema costs a comparison of its source, not an analysis.

It answers only where resolution is plain: JSON-pointer references (``#/…``) against one
base URI, no ``$id``/``id`` below the root, no anchors and no dynamic references. Anything
else is "not proved" (the engine then analyses the pair as before), never a wrong "same".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

_IDENTIFIERS = ("$id", "id", "$anchor", "$dynamicAnchor", "$recursiveAnchor")
_DYNAMIC = ("$dynamicRef", "$recursiveRef")
_MISSING = object()


class Plain:
    """A raw document's reference structure, if it is plain (else ``ok`` is False)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.ok = isinstance(raw, dict) and _plain(raw)
        self._refs: dict[int, tuple[str, ...]] = {}
        self._keep: list[Any] = []  # ids in _refs stay valid while the values live

    def refs(self, value: Any) -> tuple[str, ...]:
        """The JSON pointers of every ``$ref`` inside ``value`` (a sub-tree of ``raw``)."""
        found = self._refs.get(id(value))
        if found is None:
            found = self._refs[id(value)] = tuple(_collect(value))
            self._keep.append(value)
        return found

    def at(self, pointer: str) -> Any:
        node: Any = self.raw
        for part in pointer.split("/")[1:]:
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return _MISSING
        return node


class Pair:
    """Sameness questions between the same two raw documents, memoised."""

    def __init__(self, old: Plain, new: Plain) -> None:
        self.old, self.new = old, new
        self.usable = old.ok and new.ok and _root_id(old.raw) == _root_id(new.raw)
        self._same: dict[str, bool] = {}  # pointer → its whole reference closure is equal

    def same(self, old_raw: Any, new_raw: Any) -> bool:
        """Both sub-trees (equal or not) mean the same in their documents."""
        if not _equal(old_raw, new_raw):
            return False
        if not self.usable:
            return False
        pending = list(self.old.refs(old_raw))
        seen: set[str] = set()
        while pending:
            pointer = pending.pop()
            if pointer in seen or self._same.get(pointer):
                continue
            seen.add(pointer)
            if self._same.get(pointer) is False:
                return False
            old_target, new_target = self.old.at(pointer), self.new.at(pointer)
            if old_target is _MISSING or not _equal(old_target, new_target):
                self._same[pointer] = False
                return False
            pending.extend(self.old.refs(old_target))
        for pointer in seen:  # every closure in here is inside an all-equal closure
            self._same[pointer] = True
        return True


def _equal(a: Any, b: Any) -> bool:
    # Python's == says False == 0 and 1 == 1.0; repr tells them apart
    return bool(a == b) and repr(a) == repr(b)


def _root_id(raw: dict[str, Any]) -> Any:
    return raw.get("$id", raw.get("id"))


def _plain(raw: dict[str, Any]) -> bool:
    """No identifier below the root, no anchors, no dynamic references, and every ``$ref``
    a JSON pointer into this document."""
    stack: list[tuple[Any, bool]] = [(raw, True)]
    while stack:
        value, root = stack.pop()
        if isinstance(value, dict):
            for word, sub in value.items():
                if word in _DYNAMIC:
                    return False
                if (
                    word in _IDENTIFIERS
                    and isinstance(sub, str)
                    and (not root or word in ("$anchor", "$dynamicAnchor") or sub.startswith("#"))
                ):
                    return False
                if word == "$ref" and isinstance(sub, str) and not _pointer(sub):
                    return False
                stack.append((sub, False))
        elif isinstance(value, list):
            stack.extend((item, False) for item in value)
    return True


def _pointer(ref: str) -> bool:
    return ref == "#" or ref.startswith("#/")


def _collect(value: Any) -> list[str]:
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                out.append(ref[1:])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out
