"""Strings that match a regular expression, for building witnesses.

A small walk over Python's regex parse tree of the pattern's translation (``patterns.
spelling``: ECMA-262 read as RE2 reads it; Python's parser only parses, it never matches).
It handles what schemas use in practice (literals, classes, negated classes, categories,
repeats, groups, alternation, anchors); for anything else it gives up, and the caller tries
other candidates. Every candidate is checked by the real validator before it is reported, so
a wrong guess here costs time, never correctness.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from accord.compat.js.patterns import spelling

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

MAX_SAMPLE = 10_000
_PICKS = "ab0- AzZ9_.@"  # tried in order for a negated class
_CATEGORY = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
}


class _GiveUp(Exception):
    pass


def samples(pattern: str, lengths: tuple[int, ...] = (0, 1, 3)) -> Iterator[str]:
    """Yield a few strings matching ``pattern``: each repeat expanded ``extra`` more times."""
    tree = _tree(pattern)
    if tree is None:
        return
    seen: set[str] = set()
    for extra in lengths:
        for pick in (0, 1):
            try:
                text = _emit(tree, extra, pick)
            except (_GiveUp, RecursionError, ValueError):
                continue
            if text not in seen:
                seen.add(text)
                yield text


def _emit(tree: Any, extra: int, pick: int) -> str:
    out: list[str] = []
    for op, arg in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_class(arg, pick))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            times = low + extra if high == _c.MAXREPEAT else min(high, low + extra)
            piece = _emit(sub, extra, pick)
            if len(piece) * times > MAX_SAMPLE:  # nested counts multiply: no giant strings
                raise _GiveUp(name)
            out.append(piece * times)
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1], extra, pick))
        elif name == "BRANCH":
            branches = arg[1]
            out.append(_emit(branches[pick % len(branches)], extra, pick))
        elif name != "AT":
            raise _GiveUp(name)
    return "".join(out)


def _class(items: Any, pick: int) -> str:
    if items and str(items[0][0]) == "NEGATE":
        allowed = [c for c in _PICKS if not _member(c, items[1:])]
        if not allowed:
            raise _GiveUp("NEGATE")
        return allowed[pick % len(allowed)]
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            chars.append(chr(arg[0] + (pick if arg[1] > arg[0] else 0)))
        else:  # CATEGORY: the parser puts nothing else in a class (and never an empty one)
            chars.append(_CATEGORY.get(str(arg), "a"))
    return chars[pick % len(chars)]


def _member(char: str, items: Any) -> bool:
    code = ord(char)
    for op, arg in items:
        name = str(op)
        if name == "LITERAL" and arg == code:
            return True
        if name == "RANGE" and arg[0] <= code <= arg[1]:
            return True
        if name == "CATEGORY" and _in_category(char, str(arg)):
            return True
    return False


def _in_category(char: str, category: str) -> bool:
    # the spelling's categories are RE2's ASCII \d and \w (ECMA \s is spelled as a class)
    inside = char.isascii() and (
        char.isdigit() if "DIGIT" in category else char.isalnum() or char == "_"
    )
    return inside != ("NOT" in category)


def _tree(pattern: str) -> Any:
    """Python's parse tree of the pattern's spelling, or None (e.g. ``\\p{L}``)."""
    text = spelling(pattern)
    if text is None:
        return None
    try:
        return _parser.parse(text)
    except _c.error:
        return None


def equivalent(left: str, right: str) -> bool:
    """True when two patterns parse to the same tree (``+`` vs ``{1,}``, ``(?:a)`` vs ``a``)."""
    if left == right:
        return True
    tree_left, tree_right = _tree(left), _tree(right)
    return tree_left is not None and repr(tree_left) == repr(tree_right)
