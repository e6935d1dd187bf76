"""ECMA-262 patterns as regular languages: inclusion, intersection and emptiness decided
exactly, with witnesses.

**What a pattern means.** ``search_language(p)`` is the set of strings in which ``p`` finds a
match (JSON Schema searches patterns unanchored); ``full_language(p)`` the strings ``p``
matches entirely. Characters are code points (Python ``str`` characters), with the meaning
``accord.kit.regex`` gives patterns (ECMA-262, ``u`` flag, as RE2 runs them): ``\\d``,
``\\w``, ``\\b`` ASCII; ``\\s`` Unicode white space and line terminators; ``.`` anything but
``\\n \\r U+2028 U+2029``; ``^``/``$`` the start/end of the input (line starts/ends inside
``(?m:…)``), anywhere in the pattern; ``[^]`` anything, ``[]`` nothing; ``\\p{…}`` general
categories and scripts, read from RE2 itself. ``(?i:…)`` equates characters with the same
simple case folding (CaseFolding.txt C+S, as ECMA's ``u`` flag and RE2; computed from
Python's Unicode database plus the pairs added since, so characters newer than it fold only
to themselves); a complement under it (``\\W``, ``\\P{Lu}``, ``[^a]``) is that of the folded
set, and ``\\b`` stays ASCII, both as RE2. ``\\B`` is ECMA's: RE2 also finds one between
the UTF-8 bytes of a non-ASCII character (it matches ``"0é0"``; ECMA does not).

**Lookaround is supported** (the languages stay regular): ``(?=X)`` intersects what follows
with ``X·Σ*``, ``(?!X)`` with its complement, and ``^``, ``\\b``, ``\\B`` and lookbehind
``(?<=X)``/``(?<!X)`` are decided by *trackers*: automata for ``Σ*·X`` that read the text
alongside. A lookbehind whose body reads past its own end (``(?<=a$)``, ``(?<=a\\b)``, a
lookahead at its end) raises ``NotRegular``; ``(?<=\\bv)`` is fine. Lookaround inside
lookahead, at any depth, and repetition of groups holding assertions are exact (an empty
iteration adds nothing to the language). Backreferences raise ``NotRegular``: their
languages are not regular. A property RE2 does not know (``\\p{Emoji}``) raises it too.

**Method.** Brzozowski derivatives of extended regular expressions (union, intersection,
complement) over a symbolic alphabet. A pattern becomes a *term*, a language of rests of
the text built in continuation-passing style (``node`` then what follows), hash-consed and
normalised by smart constructors (union and intersection as sets, ``∅``/``Σ*``/``ε``
absorbed, ``a·K | a·L = a·(K|L)``, touching counters merged, ``r{m,n}·Σ* = r{m}·Σ*``), so
equal languages usually meet as the same term. A state of the deterministic automaton is a
term in head normal form plus the trackers' states; its successors are computed lazily,
once per *block* of characters that every character set at its head contains or misses
together (sets are sorted code point intervals, 0..0x10FFFF). Counted repetition is a
counter term unrolled one iteration at a time, so ``[0-9]{1,10000}`` costs nothing until
read, and in a search its upper bound vanishes (``x{1,10000}`` finds a match wherever ``x``
does). Deciding ``A ⊆ B`` is a breadth-first search of ``A ∩ ¬B`` for an accepting state,
which yields a shortest witness; representatives are picked readably (lower-case ASCII
letters, digits, upper case, punctuation, then the rest).

**Budget.** Every decision (``is_empty``, ``example``, ``subset_of``, ``witness_not_in``,
``included``) explores at most ``budget`` automaton states (``DEFAULT_BUDGET``; a combined
language keeps the larger of its operands') and raises ``TooComplex`` past it:
``^(a|b)*a(a|b){30}$`` needs 2^30 states, ``^[0-9]{1,10000}$`` 10,000 (unanchored, or
before ``Σ*``, the same counts cost nothing). Reading a pattern is linear in its text;
a group that may match empty only through an assertion cannot be repeated more than
``MAX_UNROLL`` times, and nesting too deep for Python's stack is ``TooComplex`` too.
``matches`` builds at most one state per character: linear in the text. Languages are
immutable and safe to share between threads; ``search_language`` is memoised by pattern
text, terms and states are hash-consed weakly (freed when no language uses them).
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from accord.kit.regex._charset import single
from accord.kit.regex._deriv import (
    ALT,
    ANY,
    BOT,
    EPS,
    REPEAT,
    SEQ,
    START,
    TOP,
    NotRegular,
    Re,
    State,
    Term,
    TooComplex,
    Tracker,
    and_,
    cont,
    count,
    not_,
    or_,
    pred,
    re_repeat,
    re_seq,
    resolve,
    state,
)
from accord.kit.regex._reader import read

DEFAULT_BUDGET = 4000  # automaton states one decision may explore
CACHE_SIZE = 512  # languages kept by search_language / full_language

_T = TypeVar("_T")


class Language:
    """An immutable regular language over code points (Python ``str`` characters).

    Build one with ``search_language``, ``full_language``, ``literal``, ``any_string`` or
    ``nothing``, and combine with ``&``, ``|``, ``~`` (complement) and ``-``.
    """

    __slots__ = ("_budget", "_start", "_trackers")

    def __init__(self, term: Term, trackers: frozenset[Tracker], budget: int) -> None:
        """Internal: the language of ``term`` read with the lookbehind ``trackers``."""
        ordered = sorted(trackers, key=Tracker.order)
        ctx = tuple((tracker, tracker.initial) for tracker in ordered)
        root = _guarded(lambda: resolve(term, dict(ctx), {}))
        self._start: State = state(root, ctx)
        self._trackers = trackers
        self._budget = budget

    # -- Boolean operations ---------------------------------------------------------------
    def _with(self, other: Language, term: Term) -> Language:
        budget = max(self._budget, other._budget)
        return Language(term, self._trackers | other._trackers, budget)

    def __and__(self, other: Language) -> Language:
        both = (self._start.term, other._start.term)
        return self._with(other, _guarded(lambda: and_(both)))

    def __or__(self, other: Language) -> Language:
        either = (self._start.term, other._start.term)
        return self._with(other, _guarded(lambda: or_(either)))

    def __sub__(self, other: Language) -> Language:
        minus = (self._start.term, not_(other._start.term))
        return self._with(other, _guarded(lambda: and_(minus)))

    def __invert__(self) -> Language:
        return Language(not_(self._start.term), self._trackers, self._budget)

    # -- questions ------------------------------------------------------------------------
    def matches(self, text: str) -> bool:
        """Is ``text`` in the language? Linear in ``len(text)``."""
        return _guarded(lambda: self._matches(text))

    def _matches(self, text: str) -> bool:
        at = self._start
        for char in text:
            if at.term is TOP or at.term is BOT:
                break
            at = at.step(ord(char))
        return at.null

    def is_empty(self) -> bool:
        return self.example() is None

    def example(self) -> str | None:
        """A shortest member (its characters as readable as the language allows), or None
        when the language is empty. Raises ``TooComplex`` past the budget."""
        return _guarded(lambda: _shortest(self._start, self._budget))

    def subset_of(self, other: Language) -> bool:
        return self.witness_not_in(other) is None

    def witness_not_in(self, other: Language) -> str | None:
        """A shortest member of ``self`` that is not in ``other``; None when ``self ⊆
        other``. Raises ``TooComplex`` past the budget."""
        return (self - other).example()

    def __repr__(self) -> str:
        return f"<Language {self._start.term!r}>"


def _shortest(start: State, budget: int) -> str | None:
    """Breadth-first search for an accepting state; the path to it, spelled."""
    if start.null:
        return ""
    came: dict[State, tuple[State, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        at = queue.popleft()
        for code, after in at.successors():
            if after in came or after.term is BOT:
                continue
            came[after] = (at, code)
            if after.null:
                return _spell(came, after)
            if len(came) > budget:
                raise TooComplex(f"deciding needs more than {budget} automaton states")
            queue.append(after)
    return None


def _spell(came: dict[State, tuple[State, int] | None], end: State) -> str:
    codes: list[int] = []
    link = came[end]
    while link is not None:
        codes.append(link[1])
        link = came[link[0]]
    return "".join(map(chr, reversed(codes)))


def _guarded(work: Callable[[], _T]) -> _T:
    try:
        return work()
    except RecursionError:
        raise TooComplex("the pattern nests too deeply to analyse") from None


# -- building languages -----------------------------------------------------------------------
@functools.lru_cache(maxsize=CACHE_SIZE)
def search_language(pattern: str, *, budget: int = DEFAULT_BUDGET) -> Language:
    """The strings in which the ECMA-262 ``pattern`` finds a match (an unanchored search).
    Raises ``InvalidPattern`` (syntax), ``NotRegular`` (backreferences) or ``TooComplex``."""
    node = _guarded(lambda: read(pattern))
    return Language(_guarded(lambda: _search_term(node)), node.trackers, budget)


@functools.lru_cache(maxsize=CACHE_SIZE)
def full_language(pattern: str, *, budget: int = DEFAULT_BUDGET) -> Language:
    """The strings ``pattern`` matches entirely (as ``^(?:pattern)$`` would search)."""
    node = _guarded(lambda: read(pattern))
    return Language(_guarded(lambda: cont(node, EPS, EPS)), node.trackers, budget)


def included(small: str, big: str, *, budget: int = DEFAULT_BUDGET) -> bool:
    """Does every string in which ``small`` finds a match also have a match of ``big``?
    Raises ``InvalidPattern``, ``NotRegular`` or ``TooComplex``."""
    little = search_language(small, budget=budget)
    if small == big:
        return True
    return little.subset_of(search_language(big, budget=budget))


def any_string(budget: int = DEFAULT_BUDGET) -> Language:
    return Language(TOP, frozenset(), budget)


def nothing(budget: int = DEFAULT_BUDGET) -> Language:
    return Language(BOT, frozenset(), budget)


def literal(text: str, budget: int = DEFAULT_BUDGET) -> Language:
    """The language of the one string ``text``."""
    term = EPS
    for char in reversed(text):
        term = pred(single(ord(char)), term)
    return Language(term, frozenset(), budget)


def _search_term(node: Re) -> Term:
    """``Σ*·node·Σ*``: branches that start with ``^`` are tried at the start only, and a
    leading repetition needs only its minimum after ``Σ*`` (``Σ*·r{m,n} = Σ*·r{m}``)."""
    branches = node.items if node.kind == ALT else (node,)
    anchored = [cont(b, TOP, TOP) for b in branches if _first(b).kind == START]
    floating = [_trim_start(b) for b in branches if _first(b).kind != START]
    if floating:
        anchored.append(count(ANY, 0, None, or_(cont(b, TOP, TOP) for b in floating)))
    return or_(anchored)


def _first(node: Re) -> Re:
    return node.items[0] if node.kind == SEQ and node.items else node


def _trim_start(node: Re) -> Re:
    items = list(node.items if node.kind == SEQ else (node,))
    while items and items[0].kind == REPEAT:
        first = items[0]
        if first.lo == 0:
            del items[0]
            continue
        if first.hi != first.lo:
            items[0] = re_repeat(first.items[0], first.lo, first.lo)
        break
    return re_seq(items)


__all__ = [
    "DEFAULT_BUDGET",
    "Language",
    "NotRegular",
    "TooComplex",
    "any_string",
    "full_language",
    "included",
    "literal",
    "nothing",
    "search_language",
]
