"""A small, sound inclusion test between two anchored "linear" regular expressions.

Both are read as Python's parser reads their translation (``patterns.spelling``: ECMA-262
as RE2 runs it), so ``\\d`` is ASCII on both sides and ``.`` is the class it stands for.

Both patterns must be anchored at both ends the same way and parse to sequences of the same
length whose items are character classes or groups under bounded repetition. Then
L(a) ⊆ L(b) holds when each item's class is a subset and each repetition range is inside
the other's. That covers what schemas generated from types look like (``^-?[0-9]{1,8}$``
vs ``^-?[0-9]{1,10}$``, optional fraction groups); everything else is "unknown" (False),
and the caller answers undecided unless a witness is found.
"""

from __future__ import annotations

import importlib
from typing import Any

from accord.compat.js.patterns import spelling

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

Item = tuple[str, Any, int, int]  # ("set", members, lo, hi) or ("seq", items, lo, hi)


class _Unknown(Exception):
    pass


def included(small: str, big: str) -> bool:
    """True only when every string matching ``small`` provably matches ``big``."""
    small_text, big_text = spelling(small), spelling(big)
    if small_text is None or big_text is None:
        return False
    try:
        a, b = list(_parser.parse(small_text)), list(_parser.parse(big_text))
        if len(a) < 2 or len(b) < 2 or str(a[0]) != str(b[0]) or str(a[-1]) != str(b[-1]):
            return False
        if str(a[0][0]) != "AT" or str(a[-1][0]) != "AT":
            return False
        return _seq_in(_items(a[1:-1]), _items(b[1:-1]))
    except (_Unknown, RecursionError, ValueError, TypeError, _c.error):
        return False


def _items(tree: Any) -> list[Item]:
    out: list[Item] = []
    for op, arg in tree:
        name = str(op)
        if name in ("LITERAL", "IN"):
            out.append(("set", _members(name, arg), 1, 1))
        elif name == "MAX_REPEAT":
            low, high, sub = arg
            inner = _items(sub)
            high = -1 if high == _c.MAXREPEAT else high
            if len(inner) == 1 and inner[0][2:] == (1, 1):
                out.append((inner[0][0], inner[0][1], low, high))
            else:
                out.append(("seq", inner, low, high))
        elif name == "SUBPATTERN":
            inner = _items(arg[-1])
            out.append(inner[0] if len(inner) == 1 else ("seq", inner, 1, 1))
        else:
            raise _Unknown(name)
    return out


def _members(name: str, arg: Any) -> list[tuple[Any, ...]]:
    if name == "LITERAL":
        return [("range", arg, arg)]
    out: list[tuple[Any, ...]] = []
    for op, value in arg:
        kind = str(op)
        if kind == "LITERAL":
            out.append(("range", value, value))
        elif kind == "RANGE":
            out.append(("range", value[0], value[1]))
        elif kind == "CATEGORY":
            out.append(("cat", str(value)))
        else:
            raise _Unknown(kind)
    return out


def _seq_in(a: list[Item], b: list[Item]) -> bool:
    return len(a) == len(b) and all(_item_in(x, y) for x, y in zip(a, b, strict=True))


def _item_in(x: Item, y: Item) -> bool:
    if x[0] != y[0] or x[2] < y[2] or (y[3] != -1 and (x[3] == -1 or x[3] > y[3])):
        return False
    if x[0] == "seq":
        return _seq_in(x[1], y[1])
    return all(_covered(m, y[1]) for m in x[1])


def _covered(member: tuple[Any, ...], pool: list[tuple[Any, ...]]) -> bool:
    if member[0] == "cat":
        return member in pool
    return any(p[0] == "range" and p[1] <= member[1] and member[2] <= p[2] for p in pool)
