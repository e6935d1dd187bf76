"""Strings that match a regular expression, for building witnesses.

A small walk over Python's own regex parse tree. It handles what schemas use in practice
(literals, classes, categories, repeats, groups, alternation, anchors); for anything else it
gives up, and the caller tries other candidates. Every candidate is checked by the real
validator before it is reported, so a wrong guess here costs time, never correctness.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

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
    try:
        tree = _parser.parse(pattern)
    except Exception:  # pragma: no cover - patterns are compiled before we get here
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
            out.extend(_emit(sub, extra, pick) for _ in range(times))
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1], extra, pick))
        elif name == "BRANCH":
            branches = arg[1]
            out.append(_emit(branches[pick % len(branches)], extra, pick))
        elif name != "AT":
            raise _GiveUp(name)
    return "".join(out)


def _class(items: Any, pick: int) -> str:
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            raise _GiveUp(name)
        if name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            chars.append(chr(arg[0] + (pick if arg[1] > arg[0] else 0)))
        else:  # CATEGORY: the parser puts nothing else in a class (and never an empty one)
            chars.append(_CATEGORY.get(str(arg), "a"))
    return chars[pick % len(chars)]


def equivalent(left: str, right: str) -> bool:
    """True when two patterns parse to the same tree (``+`` vs ``{1,}``, ``(?:a)`` vs ``a``)."""
    if left == right:
        return True
    try:
        return repr(_parser.parse(left)) == repr(_parser.parse(right))
    except Exception:  # pragma: no cover - patterns are compiled before we get here
        return False
