"""ECMA-262 regular expressions on a linear-time engine (RE2), for every user pattern.

JSON Schema ``pattern`` and ``patternProperties`` are ECMA-262 expressions searched
unanchored. Python's ``re`` backtracks (``^(a+)+$`` on ``"a" * 30 + "!"`` takes minutes, all
of it holding the GIL) and reads several escapes differently, so user patterns are parsed
here with ECMA syntax, translated, and run on RE2, whose time is linear in the input.

What ECMA means, and how it is spelled for RE2 (tests compare with a JavaScript engine):

- ``\\d``/``\\w``/``\\b`` are ASCII, as in RE2; ``\\s`` is Unicode white space and line
  terminators (RE2's ``\\s`` is ASCII only), so it is spelled as a class.
- ``.`` is any character but ``\\n \\r \\u2028 \\u2029``; ``$`` is the end of the input only;
  ``[^]`` is any character, ``[]`` none; ``[\\b]`` is a backspace.
- ``\\uXXXX`` (surrogate pairs joined), ``\\u{…}``, ``\\xHH``, ``\\cX``, ``\\0``, ``\\p{…}``;
  ``(?<name>…)`` becomes ``(?P<name>…)``; the ES2025 modifiers ``(?i:…)``/``(?s:…)``.
- Like browsers (Annex B), a backslash before any ASCII punctuation is that character and a
  lone ``{``, ``}`` or ``]`` is literal; unknown letter escapes are errors, as in Python.

Lookahead, lookbehind and backreferences need backtracking: such patterns are valid
(``UnsupportedPattern``, a subclass of ``InvalidPattern``, says which feature), but no
engine here runs them. Counts above RE2's limit of 1,000 are split into several runs.

``translate(pattern, "postgres")`` spells the same pattern for PostgreSQL's ``~`` (ARE):
explicit ASCII classes, word boundaries as lookaround, counts split at 255.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import re2

from accord.kit.regex._emit import _Emitter
from accord.kit.regex._syntax import (
    MAX_NESTING,
    InvalidPattern,
    Target,
    UnsupportedPattern,
    _Parsed,
    _Parser,
)

MAX_MEM = 2 << 20  # per compiled pattern (program + DFA cache); past it RE2 falls back to NFA
CACHE_SIZE = 128  # compiled patterns kept (each may hold up to MAX_MEM of DFA cache)
_OPTIONS: Any = re2.Options()
_OPTIONS.max_mem = MAX_MEM
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr
_OPTIONS.never_capture = True  # a search only asks whether the pattern matches


# -- the API ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pattern:
    """A compiled ECMA-262 pattern: ``source`` as written, ``re2`` as RE2 runs it."""

    source: str
    re2: str
    regexp: Any = field(repr=False, compare=False)

    def search(self, text: str) -> bool:
        """Does the pattern match anywhere in ``text`` (JSON Schema ``pattern`` semantics)?"""
        try:
            return self.regexp.search(text) is not None
        except UnicodeEncodeError:
            # A lone surrogate cannot be UTF-8: U+FFFD stands in (no runnable pattern names one)
            return self.regexp.search(_without_surrogates(text)) is not None


def _without_surrogates(text: str) -> str:
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


@functools.lru_cache(maxsize=1024)
def _parse(pattern: str) -> _Parsed:
    try:
        return _Parser(pattern).parse()
    except RecursionError:
        raise UnsupportedPattern(pattern, "groups nested too deeply") from None


@functools.lru_cache(maxsize=1024)
def translate(pattern: str, target: Target = "re2") -> str:
    """``pattern`` spelled for ``target``: ``re2`` (RE2 syntax; Python's parser reads it too),
    ``postgres`` (PostgreSQL's ``~``), or ``python`` (the RE2 spelling, with lookaround and
    backreferences spelled too: for tools that only *parse* it, never to match with).

    Raises ``InvalidPattern`` for a syntax error, ``UnsupportedPattern`` for what the target
    cannot run (never for ``python``).
    """
    parsed = _parse(pattern)
    if parsed.unsupported and target != "python":
        raise UnsupportedPattern(pattern, parsed.unsupported[0])
    if parsed.unsupported_re2 and target == "re2":
        raise UnsupportedPattern(pattern, parsed.unsupported_re2[0])
    return _Emitter(pattern, target).emit(parsed.root)


@functools.lru_cache(maxsize=CACHE_SIZE)
def compile_ecma(pattern: str) -> Pattern:
    """The compiled pattern (cached). Raises ``InvalidPattern`` or ``UnsupportedPattern``."""
    text = translate(pattern, "re2")
    try:
        regexp = re2.compile(text, _OPTIONS)
    except re2.error as exc:  # e.g. nested counts above 1,000, a script RE2 does not know
        detail = exc.args[0] if exc.args else ""
        detail = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
        raise UnsupportedPattern(pattern, f"a construct RE2 refuses ({detail})") from None
    return Pattern(pattern, text, regexp)


def search(pattern: str, text: str) -> bool:
    """Unanchored ECMA-262 search of ``pattern`` in ``text``, in time linear in ``text``."""
    return compile_ecma(pattern).search(text)


__all__ = [
    "CACHE_SIZE",
    "MAX_MEM",
    "MAX_NESTING",
    "InvalidPattern",
    "Pattern",
    "Target",
    "UnsupportedPattern",
    "compile_ecma",
    "search",
    "translate",
]
