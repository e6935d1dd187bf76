"""Proof that two sub-schemas of two versions mean the same, references included.

Two versions of a real schema mostly share their definitions: a change to one property
leaves hundreds of ``$ref``-linked definitions as they were. Equal source is not enough when
the source holds a ``$ref``: the target may have changed. It is enough when the two sources
are equal except for how references are spelled, and each pair of references reaches, in
its own document, definitions that are the same in that sense again (a bisimulation of the
two reference graphs: generated schemas rename definitions by content hash between
versions). This module checks that on the *raw* documents (no parsing), memoised per
document pair, so an unchanged sub-tree of a changed schema costs a comparison of its
source, not an analysis.

It answers only where resolution is plain: JSON-pointer references (``#/…``, whatever the
root's base URI), no ``$id``/``id`` below the root, no anchors and no dynamic references. Elsewhere
only equal sub-trees that hold no reference at all are the same (a lazily parsed
``properties`` map cannot tell its node whether it hides one). Anything else is "not
proved" (the engine then analyses the pair as before), never a wrong "same".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

_IDENTIFIERS = ("$id", "id", "$anchor", "$dynamicAnchor", "$recursiveAnchor")
_DYNAMIC = ("$dynamicRef", "$recursiveRef")
_REFS = ("$ref", *_DYNAMIC)
_MISSING = object()
_DATA = frozenset({"enum", "const"})  # values, not schemas: a "$ref" in them is data
# a reference whose ``repr`` needs no escape
_REF_TEXT = re.compile(r"'\$ref': '([^'\\]*)'")


class Plain:
    """A raw document's reference structure, if it is plain (else ``ok`` is False)."""

    def __init__(self, raw: Any, known: bool = False) -> None:
        self.raw = raw
        # ``known``: the caller saw it is plain (from the document's text); else walk it
        self.ok = known or (isinstance(raw, dict) and _plain(raw))

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
        # a root identifier is a base URI only: pointer references resolve in the document
        # whatever it is, so two plain documents compare even when their roots differ
        self.usable = old.ok and new.ok
        self._same: set[tuple[str, str]] = set()  # reference pairs proved to mean the same
        self._known: dict[tuple[int, int], tuple[Any, Any, bool]] = {}

    def same(self, old_raw: Any, new_raw: Any, text: str | None = None) -> bool:
        """Both sub-trees mean the same in their documents: the same source, except that
        references may be spelled differently as long as their targets mean the same
        (generated schemas rename definitions by content hash between versions).

        A bisimulation: reference pairs under comparison are assumed equal, which is sound
        for the finite trees JSON documents are. ``text``: the ``repr`` both sub-trees
        have, when the caller knows they have the same (it is not made again)."""
        if not self.usable:
            # resolution is not plain: only sub-trees that resolve nothing are compared
            return (text is not None or _equal(old_raw, new_raw)) and _ref_free(old_raw)
        # both answers are final (a failure under optimistic assumptions fails without
        # them): memoised by identity, the sub-trees kept alive with the answer
        memo_key = (id(old_raw), id(new_raw))
        known = self._known.get(memo_key)
        if known is None:
            same = self._bisimilar(old_raw, new_raw, text)
            known = self._known[memo_key] = (old_raw, new_raw, same)
        return known[2]

    def _bisimilar(self, old_raw: Any, new_raw: Any, text: str | None) -> bool:
        assumed: set[tuple[str, str]] = set()
        pending: list[tuple[Any, Any, bool]] = [(old_raw, new_raw, False)]
        walked: list[tuple[Any, Any]] = []
        while pending:
            a, b, data = pending.pop()
            spelled, text = text, None  # the first pair's text, when the caller gave it
            known = None if data else self._known.get((id(a), id(b)))
            if known is not None:  # a sub-tree already compared: its answer holds here
                if not known[2]:
                    return False
            elif data or not isinstance(a, dict | list) or not isinstance(b, dict | list):
                if not _equal(a, b):
                    return False
            elif (spelled is not None or a == b) and (
                shown := self._equal_refs(a, b, assumed, pending, spelled)
            ) is not None:
                if not shown:
                    return False
                walked.append((a, b))
            elif not self._step(a, b, assumed, pending):
                return False
            else:
                walked.append((a, b))
        self._same |= assumed
        # every pair walked is in the bisimulation just found: the same too
        self._known.update(((id(a), id(b)), (a, b, True)) for a, b in walked)
        return True

    def _equal_refs(
        self,
        a: dict[str, Any] | list[Any],
        b: dict[str, Any] | list[Any],
        assumed: set[tuple[str, str]],
        pending: list[tuple[Any, Any, bool]],
        text: str | None = None,
    ) -> bool | None:
        """Two equal containers with the same text (``text``, when the caller knows it),
        whose references (read off the text, data included: conservative) are plain
        strings: the same if each reference reaches the same in both documents (queued),
        not if one reaches nothing. None: not shown this way (walk them instead)."""
        if text is None:
            text = repr(a)
            if text != repr(b):
                return None
        refs = _REF_TEXT.findall(text)
        if len(refs) != text.count("'$ref'"):  # a reference spelled otherwise: walk
            return None
        return all(self._follow(ref, ref, assumed, pending) for ref in set(refs))

    def _step(
        self,
        a: dict[str, Any] | list[Any],
        b: dict[str, Any] | list[Any],
        assumed: set[tuple[str, str]],
        pending: list[tuple[Any, Any, bool]],
    ) -> bool:
        """Compare one level of two containers, queueing their children."""
        if isinstance(a, list) or isinstance(b, list):
            if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
                return False
            pending.extend((x, y, False) for x, y in zip(a, b, strict=True))
            return True
        if a.keys() != b.keys():
            return False
        for word, sub in a.items():
            other = b[word]
            if word == "$ref" and isinstance(sub, str) and isinstance(other, str):
                if not self._follow(sub, other, assumed, pending):
                    return False
            else:
                pending.append((sub, other, word in _DATA))
        return True

    def _follow(
        self,
        ref_a: str,
        ref_b: str,
        assumed: set[tuple[str, str]],
        pending: list[tuple[Any, Any, bool]],
    ) -> bool:
        pair = (ref_a[1:], ref_b[1:])
        if pair in self._same or pair in assumed:
            return True
        assumed.add(pair)
        target_a, target_b = self.old.at(pair[0]), self.new.at(pair[1])
        if target_a is _MISSING or target_b is _MISSING:
            return False
        pending.append((target_a, target_b, False))
        return True


def _equal(a: Any, b: Any) -> bool:
    # Python's == says False == 0 and 1 == 1.0; repr tells them apart
    return bool(a == b) and repr(a) == repr(b)


def _ref_free(raw: Any) -> bool:
    """No reference of any kind anywhere in ``raw`` (data included: conservative)."""
    stack = [raw]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(word in value for word in _REFS):
                return False
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


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
