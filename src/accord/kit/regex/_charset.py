"""Sets of code points for the automata's symbolic alphabet: interval lists, case folding,
Unicode properties (read from RE2, the engine that validates), and the partition of the
alphabet into blocks that one automaton state cannot tell apart."""

from __future__ import annotations

import array
import bisect
import functools
import itertools
import sys
from collections.abc import Callable, Iterable
from typing import Any

import re2

END = 0x110000  # one past the last code point
_SURROGATES = (0xD800, 0xE000)


class Chars:
    """An immutable set of code points. ``pts`` lists the interval bounds ``(lo0, hi0 + 1,
    lo1, hi1 + 1, …)`` in ascending order: a code point is in the set when an odd number of
    bounds are at or below it."""

    __slots__ = ("_hash", "pts")

    def __init__(self, pts: tuple[int, ...]) -> None:
        self.pts = pts
        self._hash = hash(pts)

    @staticmethod
    def of(ranges: Iterable[tuple[int, int]]) -> Chars:
        """The set of the inclusive ``(low, high)`` ranges, in any order, overlapping or not."""
        pts: list[int] = []
        for low, high in sorted(ranges):
            if pts and low <= pts[-1]:
                pts[-1] = max(pts[-1], high + 1)
            else:
                pts += (low, high + 1)
        return Chars(tuple(pts))

    def __contains__(self, code: int) -> bool:
        return bisect.bisect_right(self.pts, code) & 1 == 1

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, Chars) and self.pts == other.pts)

    def __hash__(self) -> int:
        return self._hash

    def __bool__(self) -> bool:
        return bool(self.pts)

    def __or__(self, other: Chars) -> Chars:
        return _combine(self, other, lambda a, b: a or b)

    def __and__(self, other: Chars) -> Chars:
        return _combine(self, other, lambda a, b: a and b)

    def __sub__(self, other: Chars) -> Chars:
        return _combine(self, other, lambda a, b: a and not b)

    def __invert__(self) -> Chars:
        pts = self.pts[1:] if self.pts[:1] == (0,) else (0, *self.pts)
        return Chars(pts[:-1] if pts[-1:] == (END,) else (*pts, END))

    def ranges(self) -> list[tuple[int, int]]:
        """The inclusive ``(low, high)`` ranges, ascending."""
        return [(self.pts[i], self.pts[i + 1] - 1) for i in range(0, len(self.pts), 2)]

    def __repr__(self) -> str:
        spans = ", ".join(f"{lo:X}" if lo == hi else f"{lo:X}-{hi:X}" for lo, hi in self.ranges())
        return f"Chars({spans})"


def _combine(a: Chars, b: Chars, keep: Callable[[bool, bool], bool]) -> Chars:
    """The set of code points ``c`` with ``keep(c in a, c in b)``, in one sweep."""
    out: list[int] = []
    pa, pb = a.pts, b.pts
    i = j = 0
    in_a = in_b = inside = False
    while i < len(pa) or j < len(pb):
        at = min(pa[i] if i < len(pa) else END + 1, pb[j] if j < len(pb) else END + 1)
        if i < len(pa) and pa[i] == at:
            in_a, i = not in_a, i + 1
        if j < len(pb) and pb[j] == at:
            in_b, j = not in_b, j + 1
        now = keep(in_a, in_b)
        if now != inside:
            out.append(at)
            inside = now
    return Chars(tuple(out))


def union(sets: Iterable[Chars]) -> Chars:
    """The union of ``sets``, in one sort."""
    many = list(sets)
    if len(many) < 3:
        return many[0] | many[1] if len(many) == 2 else many[0] if many else EMPTY
    return Chars.of(itertools.chain.from_iterable(one.ranges() for one in many))


EMPTY = Chars(())
ALL = Chars((0, END))
LINE_ENDS = Chars.of([(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)])
WORD = Chars.of([(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])


def single(code: int) -> Chars:
    return Chars((code, code + 1))


# -- case folding -------------------------------------------------------------------------
# ECMA-262 with the u flag and RE2 both treat two characters as equal under (?i:…) when
# their simple case foldings (CaseFolding.txt, statuses C and S) are equal. Python exposes
# the full folding (C and F): the simple one is that when it is one character, else the
# lower case when it folds the same way (U+1E9E ẞ -> ß), else the character itself.
# Pairs CaseFolding.txt gained after Python's Unicode database (RE2 knows them):
_LATER_FOLDS = ((0x1FD3, 0x0390), (0x1FE3, 0x03B0), (0xFB05, 0xFB06))
_CASED_LIMIT = 0x20000  # no cased character lies above (the last are Adlam's, U+1E9xx)


def _simple_fold(char: str) -> str:
    folded = char.casefold()
    if len(folded) == 1:
        return folded
    lower = char.lower()
    return lower if len(lower) == 1 and lower.casefold() == folded else char


@functools.cache
def _orbits() -> tuple[tuple[int, ...], dict[int, tuple[int, ...]]]:
    """Every code point that folds together with another, and its class of such points."""
    classes: dict[int, set[int]] = {}
    for code in range(_CASED_LIMIT):
        if _SURROGATES[0] <= code < _SURROGATES[1]:
            continue
        folded = ord(_simple_fold(chr(code)))
        if folded != code:
            classes.setdefault(folded, {folded}).add(code)
    for one, other in _LATER_FOLDS:
        classes.setdefault(other, {other}).add(one)
    orbit = {code: tuple(sorted(members)) for members in classes.values() for code in members}
    return tuple(sorted(orbit)), orbit


@functools.lru_cache(maxsize=4096)
def fold(chars: Chars) -> Chars:
    """``chars`` with every character that is equal to one of them under ``(?i:…)``."""
    members, orbit = _orbits()
    extra: set[int] = set()
    for low, high in chars.ranges():
        start = bisect.bisect_left(members, low)
        stop = bisect.bisect_right(members, high)
        for code in members[start:stop]:
            extra.update(orbit[code])
    return chars | Chars.of((code, code) for code in extra) if extra else chars


def fold_equal(code: int) -> tuple[int, ...]:
    """The characters equal to ``code`` under ``(?i:…)`` (``code`` itself included)."""
    return _orbits()[1].get(code, (code,))


# -- Unicode properties -------------------------------------------------------------------
_RE2_OPTIONS: Any = re2.Options()
_RE2_OPTIONS.log_errors = False


@functools.cache
def _every_character() -> str:
    """All code points but the surrogates (RE2 reads UTF-8), in order."""
    codes = array.array("I", range(_SURROGATES[0]))
    codes.extend(range(_SURROGATES[1], END))
    return codes.tobytes().decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")


def _code_at(index: int) -> int:
    return index if index < _SURROGATES[0] else index + _SURROGATES[1] - _SURROGATES[0]


@functools.lru_cache(maxsize=256)
def unicode_property(name: str) -> Chars:
    """The characters of ``\\p{name}`` as RE2 (the validating engine) knows them: a general
    category (``Lu``) or a script (``Greek``). Raises ``ValueError`` for a name RE2 lacks."""
    try:
        runs = re2.compile(f"\\p{{{name}}}+", _RE2_OPTIONS)
    except re2.error:
        raise ValueError(name) from None
    ranges: list[tuple[int, int]] = []
    for found in runs.finditer(_every_character()):
        start, stop = found.start(), found.end() - 1
        if start < _SURROGATES[0] <= stop:  # a run across the gap: two ranges
            ranges += ((start, _SURROGATES[0] - 1), (_SURROGATES[1], _code_at(stop)))
        else:
            ranges.append((_code_at(start), _code_at(stop)))
    if name in ("C", "Cs"):  # surrogates are category Cs, which RE2 cannot be asked about
        ranges.append((_SURROGATES[0], _SURROGATES[1] - 1))
    return Chars.of(ranges)


# -- the alphabet as one state sees it ----------------------------------------------------
# The representative of a block is its most readable character: lower-case ASCII letters,
# digits, upper case, common punctuation, other printable ASCII, white space, then the rest
# (surrogates, which no UTF-8 text can hold, last).
_TIERS = (
    (0x61, 0x7A),
    (0x30, 0x39),
    (0x41, 0x5A),
    (0x2D, 0x2D),
    (0x5F, 0x5F),
    (0x2E, 0x2E),
    (0x21, 0x7E),
    (0x20, 0x20),
    (0x09, 0x0D),
    (0xA1, 0x24F),
    (0x250, 0xD7FF),
    (0xE000, 0xFFFD),
    (0x10000, 0x10FFFF),
    (0x7F, 0xA0),
    (0x00, 0x1F),
    (0xFFFE, 0xFFFF),
    (0xD800, 0xDFFF),
)


class Partition:
    """The alphabet cut into blocks of characters that every given set contains or misses
    together. ``starts[i]`` begins elementary interval ``i`` (which runs to the next start),
    ``block[i]`` is its block; blocks are numbered by how readable their ``reps`` are."""

    __slots__ = ("block", "reps", "starts")

    def __init__(self, sets: Iterable[Chars]) -> None:
        toggles: dict[int, int] = {}
        for bit, one in enumerate(sets):
            for point in one.pts:
                if point < END:
                    toggles[point] = toggles.get(point, 0) ^ (1 << bit)
        starts, masks, mask = [0], [0], 0
        for point in sorted(toggles):
            mask ^= toggles[point]
            if point == 0:
                masks[0] = mask
            elif mask != masks[-1]:
                starts.append(point)
                masks.append(mask)
        numbers: dict[int, int] = {}
        raw = [numbers.setdefault(one, len(numbers)) for one in masks]
        reps = _representatives(starts, raw, len(numbers))
        order = sorted(range(len(reps)), key=lambda b: reps[b])
        renumber = {old: new for new, old in enumerate(order)}
        self.starts = starts
        self.block = [renumber[b] for b in raw]
        self.reps = [reps[old][1] for old in order]

    def find(self, code: int) -> int:
        """The block of ``code``."""
        return self.block[bisect.bisect_right(self.starts, code) - 1]


@functools.lru_cache(maxsize=4096)
def partition(sets: frozenset[Chars]) -> Partition:
    """The partition for ``sets`` (shared: many states read the same sets)."""
    return Partition(sets)


def _representatives(starts: list[int], block: list[int], count: int) -> list[tuple[int, int]]:
    """For each block, ``(tier, code)`` of its most readable character."""
    best: list[tuple[int, int] | None] = [None] * count
    missing = count
    for tier, (low, high) in enumerate(_TIERS):
        i = bisect.bisect_right(starts, low) - 1
        while i < len(starts) and starts[i] <= high and missing:
            b = block[i]
            if best[b] is None:
                best[b] = (tier, max(starts[i], low))
                missing -= 1
            i += 1
        if not missing:
            break
    return [found if found is not None else (len(_TIERS), 0) for found in best]
