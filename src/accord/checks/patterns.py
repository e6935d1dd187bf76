"""Regex-free spellings of common pattern checks, for DuckDB (ADR 0020).

A pattern check is an unanchored RE2 search (``regexp_matches``) of the pattern's RE2
spelling (``accord.kit.regex.translate``: guarantees are ECMA-262, ADR 0023), which is what
``lower`` reads. It costs one regex call per row,
which costs more than reading the column. Two shapes that contracts use all the time have an
exact spelling without a regex, which DuckDB evaluates several times faster:

- **fixed width**: from the start, literals and positive ASCII classes, each a fixed number
  of times (``^ORD-[0-9]{8}$``, ``^[A-Z]{3}$``, dates, UUIDs), as ``GLOB``. GLOB compares
  bytes; that equals RE2's character matching because every item is one ASCII byte and a
  UTF-8 multi-byte character contains no ASCII byte.
- **one separator**: ``^[^@]+@[^@]+$`` and the like (segments ``[^c]+`` or ``[^c]*``
  between single ``c``): ``LIKE`` (which counts characters) for the layout, and a
  ``NOT LIKE`` that rules out one ``c`` more than the pattern has.

Everything else keeps the regex: alternation, groups, ``.``, flags, other negated classes,
open repetitions, and anything RE2 might read differently from this parser (which then
decides, and reports an invalid pattern as before). Tests compare every spelling with RE2.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

_META = set(".^$*+?()[]{}|\\")
_PERL = {
    "d": frozenset(string.digits),
    "w": frozenset(string.ascii_letters + string.digits + "_"),
    "s": frozenset("\t\n\f\r "),
}
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_HEX = set(string.hexdigits)
_MAX_COUNT = 1000  # RE2's own limit on a repetition count
_GLOB_SPECIAL = set("*?[]\\")
_CLASS_UNSAFE = set("[]\\!^")  # members not spelled inside a GLOB class
_LIKE_SPECIAL = set("%_\\")


@dataclass(frozen=True)
class Item:
    """One atom with its repetition: ``chars`` (or, ``negated``, any other character) from
    ``low`` to ``high`` times (None: no upper bound)."""

    chars: frozenset[str]
    negated: bool = False
    low: int = 1
    high: int | None = 1


@dataclass(frozen=True)
class Parsed:
    """A pattern of plain items, and whether it is anchored at either end."""

    start: bool
    items: tuple[Item, ...]
    end: bool


@dataclass(frozen=True)
class Glob:
    """``text GLOB pattern``."""

    pattern: str


@dataclass(frozen=True)
class Separated:
    """``text LIKE layout AND NOT text LIKE too_many`` (``escape``: with ESCAPE '\\')."""

    layout: str
    too_many: str
    escape: bool


def lower(pattern: str) -> Glob | Separated | None:
    """An exact regex-free equivalent of the unanchored RE2 search for ``pattern``, or None
    when the pattern is not one of the shapes above."""
    parsed = parse(pattern)
    if parsed is None:
        return None
    glob = glob_pattern(parsed)
    if glob is not None:
        return Glob(glob)
    separated = separator_patterns(parsed)
    if separated is not None:
        layout, too_many = separated
        return Separated(layout, too_many, "\\" in layout)
    return None


def parse(pattern: str) -> Parsed | None:
    """The items of a pattern made only of literals, classes and counted repetitions, with
    optional ``^`` / ``$`` at the ends; None for anything else."""
    start = pattern.startswith("^")
    body = pattern[int(start) :]
    items: list[Item] = []
    i = 0
    while i < len(body):
        if body[i] == "$" and i == len(body) - 1:
            return Parsed(start, tuple(items), True)
        atom = _atom(body, i)
        if atom is None:
            return None
        item, i = atom
        counted = _repetition(body, i)
        if counted is None:
            return None
        (low, high), i = counted
        items.append(Item(item.chars, item.negated, low, high))
    return Parsed(start, tuple(items), False)


def glob_pattern(parsed: Parsed) -> str | None:
    """The GLOB equivalent of a fixed-width pattern of ASCII items anchored at the start, or
    None. (Unanchored, GLOB would try every start position: RE2 is linear, DuckDB already
    turns a plain literal into ``contains``.)"""
    if not parsed.start or all(len(item.chars) == 1 for item in parsed.items):
        return None  # plain text: DuckDB's optimizer already spells it without the regex
    parts = []
    width = 0
    for item in parsed.items:
        if item.negated or item.high != item.low or not all(c.isascii() for c in item.chars):
            return None
        one = _glob_one(item.chars)
        if one is None:
            return None
        width += item.low
        parts.append(one * item.low)
    if width > _MAX_COUNT:
        return None
    parts.append("" if parsed.end else "*")
    return "".join(parts)


def separator_patterns(parsed: Parsed) -> tuple[str, str] | None:
    """For ``^S c S c … S$`` (each ``S`` is ``[^c]+`` or ``[^c]*``, one character ``c``): a
    LIKE pattern for the layout and one that matches any text with one ``c`` too many."""
    items = parsed.items
    if not (parsed.start and parsed.end) or len(items) < 3 or len(items) % 2 == 0:
        return None
    if len(items[1].chars) != 1:
        return None
    sep = next(iter(items[1].chars))
    layout: list[str] = []
    for n, item in enumerate(items):
        if n % 2:  # the separator itself, once
            if item != Item(frozenset(sep)):
                return None
            layout.append(_like_literal(sep))
        else:  # a segment without the separator
            if not (item.negated and item.chars == {sep} and item.high is None and item.low < 2):
                return None
            layout.append("_%" if item.low else "%")
    count = len(items) // 2 + 1
    too_many = "%" + "%".join([_like_literal(sep)] * count) + "%"
    return "".join(layout), too_many


def _atom(body: str, i: int) -> tuple[Item, int] | None:
    char = body[i]
    if char == "[":
        return _class(body, i + 1)
    if char == "\\":
        escaped = _escape(body, i + 1)
        if escaped is None:
            return None
        chars, i = escaped
        return Item(chars), i
    if char in _META:
        return None
    return Item(frozenset(char)), i + 1


def _escape(body: str, i: int) -> tuple[frozenset[str], int] | None:
    """``\\`` followed by punctuation (itself), a Perl class, a control letter or ``xHH``
    (how the translation spells other control characters)."""
    if i >= len(body):
        return None
    char = body[i]
    if char in _PERL:
        return _PERL[char], i + 1
    if char in _CONTROL:
        return frozenset(_CONTROL[char]), i + 1
    if char == "x" and len(body) >= i + 3 and set(body[i + 1 : i + 3]) <= _HEX:
        code = int(body[i + 1 : i + 3], 16)
        return (frozenset(chr(code)), i + 3) if code else None  # no NUL in a SQL literal
    if char.isascii() and not char.isalnum() and char.isprintable():
        return frozenset(char), i + 1
    return None


def _class(body: str, i: int) -> tuple[Item, int] | None:
    negated = body.startswith("^", i)
    i += int(negated)
    if body.startswith("]", i) or body.startswith("[", i):
        return None  # RE2's reading of a leading ']' or a POSIX class is not parsed here
    members: set[str] = set()
    first = i
    while i < len(body) and body[i] != "]":
        char = body[i]
        if char == "\\":
            escaped = _escape(body, i + 1)
            if escaped is None:
                return None
            chars, i = escaped
            members |= chars
            continue
        if char == "[":
            return None
        if char == "-" and i != first and not body.startswith("]", i + 1):
            return None  # a range's dash is consumed below; any other one is ambiguous
        if body.startswith("-", i + 1) and i + 2 < len(body) and body[i + 2] != "]":
            high = body[i + 2]
            if high in "\\[]" or high < char:
                return None
            members |= {chr(c) for c in range(ord(char), ord(high) + 1)}
            i += 3
            continue
        members.add(char)
        i += 1
    if i >= len(body) or not members:
        return None
    return Item(frozenset(members), negated), i + 1


def _repetition(body: str, i: int) -> tuple[tuple[int, int | None], int] | None:
    if i >= len(body):
        return (1, 1), i
    char = body[i]
    if char in "*+?":
        bounds: tuple[int, int | None] = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        i += 1
    elif char == "{":
        close = body.find("}", i)
        if close < 0:
            return None
        low_text, comma, high_text = body[i + 1 : close].partition(",")
        if not low_text.isdigit() or (high_text and not high_text.isdigit()):
            return None
        low = int(low_text)
        high = int(high_text) if high_text else (None if comma else low)
        if low > _MAX_COUNT or (high is not None and not low <= high <= _MAX_COUNT):
            return None
        bounds = (low, high)
        i = close + 1
    else:
        return (1, 1), i
    if i < len(body) and body[i] in "*+?{":
        return None  # lazy or stacked repetition: left to RE2
    return bounds, i


def _glob_one(chars: frozenset[str]) -> str | None:
    if len(chars) == 1:
        (char,) = chars
        return "\\" + char if char in _GLOB_SPECIAL else char
    if chars & _CLASS_UNSAFE:
        return None
    ordered = sorted(chars - {"-"}, key=ord)
    spelled: list[str] = []
    i = 0
    while i < len(ordered):
        j = i  # ordered[i..j]: consecutive letters or digits, spelled as a range when > 2
        while (
            j + 1 < len(ordered)
            and ordered[i].isalnum()
            and ordered[j + 1].isalnum()
            and ord(ordered[j + 1]) == ord(ordered[j]) + 1
        ):
            j += 1
        spelled.append(f"{ordered[i]}-{ordered[j]}" if j - i > 1 else "".join(ordered[i : j + 1]))
        i = j + 1
    return "[" + "".join(spelled) + ("-" if "-" in chars else "") + "]"


def _like_literal(char: str) -> str:
    return "\\" + char if char in _LIKE_SPECIAL else char
