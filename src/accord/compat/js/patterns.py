"""User patterns inside the engine: ECMA-262 on RE2 (``accord.kit.regex``), never Python's
``re``, which backtracks.

A pattern RE2 cannot run (lookaround) runs on its automaton instead; one neither can run
(backreferences, or past the automata's budget) leaves its schema valid, and any decision
that needs to *match* it raises ``Unmatchable``, which the engine turns into ``undecided``
with the reason. Structural tools (pattern inclusion, witness sampling) read the Python
spelling of the translated pattern with Python's parser only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from accord.compat.errors import SchemaError
from accord.kit import regex
from accord.kit.regex import InvalidPattern, UnsupportedPattern


class Unmatchable(Exception):
    """A decision needs a pattern that no linear-time engine runs. Not a ``ValueError``:
    the witness search must not mistake it for a failing heuristic."""

    def __init__(self, error: UnsupportedPattern) -> None:
        self.reason = (
            f"pattern {error.pattern!r} uses {error.feature}, which Accord does not evaluate "
            "(patterns run in linear time)"
        )
        super().__init__(self.reason)


def check(pattern: Any, path: str) -> str:
    """``pattern`` if it is ECMA-262 syntax (runnable or not), else ``SchemaError``."""
    if not isinstance(pattern, str):
        raise SchemaError("pattern must be a string", path)
    try:
        regex.translate(pattern, "python")
    except UnsupportedPattern:
        pass  # valid; only decisions that match it are undecided
    except InvalidPattern as exc:
        raise SchemaError(f"invalid regular expression {pattern!r}: {exc.reason}", path) from None
    return pattern


MEMO_TEXT = 256  # longest text whose matches are kept (property names, short values)


def matches(pattern: str, text: str) -> bool:
    """Unanchored search, on RE2; a pattern RE2 cannot run (lookaround, ``(?m:…)``) runs on
    its automaton (``accord.kit.regex.automata``, also linear in the text). ``Unmatchable``
    when neither can: a backreference, or an automaton past its budget. Answers for short
    texts are kept (a bounded cache keyed by content): the engine asks the same property
    names of the same patterns at every level."""
    found = _memo(pattern, text) if len(text) <= MEMO_TEXT else _search(pattern, text)
    if isinstance(found, UnsupportedPattern):
        raise Unmatchable(found)
    return found


@functools.lru_cache(maxsize=8192)
def _memo(pattern: str, text: str) -> bool | UnsupportedPattern:
    return _search(pattern, text)


def _search(pattern: str, text: str) -> bool | UnsupportedPattern:
    try:
        return regex.search(pattern, text)
    except UnsupportedPattern as exc:
        from accord.kit.regex import automata

        try:
            return automata.search_language(pattern).matches(text)
        except (automata.NotRegular, automata.TooComplex):
            return exc


def spelling(pattern: str) -> str | None:
    """The pattern as Python's parser reads it (for structure only), None if invalid."""
    try:
        return regex.translate(pattern, "python")
    except InvalidPattern:  # or too large to spell: the structural tools give up
        return None


def implied(writer: Sequence[str], reader: str) -> tuple[bool | None, str | None]:
    """Does every string matching all ``writer`` patterns match ``reader``? Decided on
    automata (``accord.kit.regex.automata``): ``(True, None)``, or ``(False, witness)`` with
    a string that matches the writer's patterns and not the reader's; ``(None, None)`` when
    a pattern is not a regular language (backreferences) or past the automata's budget."""
    from accord.kit.regex import automata

    try:
        language = automata.any_string()
        for pattern in writer:
            language = language & automata.search_language(pattern)
        witness = language.witness_not_in(automata.search_language(reader))
    except (automata.NotRegular, automata.TooComplex, InvalidPattern):
        return None, None
    return witness is None, witness


def lengths_implied(
    writer: Sequence[str], have: tuple[int, int | None], need: tuple[int, int | None]
) -> tuple[bool | None, str | None]:
    """Does every string matching all ``writer`` patterns, of a length within ``have``
    (``minLength``, ``maxLength``), have a length within ``need``? Like ``implied``: a
    pattern may allow only long strings (``^[0-9]+(ms|s)$`` has at least two characters)."""
    from accord.kit.regex import automata

    try:
        language = _lengths(*have)
        for pattern in writer:
            language = language & automata.search_language(pattern)
        witness = language.witness_not_in(_lengths(*need))
    except (automata.NotRegular, automata.TooComplex, InvalidPattern):
        return None, None
    return witness is None, witness


StringSide = tuple[Sequence[str], tuple[int, int | None], Sequence[str] | None]
"""Patterns, (``minLength``, ``maxLength``) and enumerated strings (None: any) of a schema."""


def outside_union(writer: StringSide, readers: Sequence[StringSide]) -> str | None:
    """A string of the writer that none of ``readers`` accepts (the shortest), or None:
    none, or a pattern not a regular language or past the automata's budget. Each side
    stands for a schema's string constraints alone (a schema's other keywords may still
    reject the string: callers confirm it with the validator)."""
    from accord.kit.regex import automata

    try:
        union = automata.nothing()
        for side in readers:
            union = union | _strings(side)
        found: str | None = _strings(writer).witness_not_in(union)
    except (automata.NotRegular, automata.TooComplex, InvalidPattern):
        return None
    return found


def _strings(side: StringSide) -> Any:
    from accord.kit.regex import automata

    found, lengths, enum = side
    language = _lengths(*lengths)
    for pattern in found:
        language = language & automata.search_language(pattern)
    if enum is not None:
        listed = automata.nothing()
        for text in enum:
            listed = listed | automata.literal(text)
        language = language & listed
    return language


def _lengths(low: int, high: int | None) -> Any:
    """The strings of ``low`` to ``high`` code points (``[^]`` is any one of them)."""
    from accord.kit.regex import automata

    return automata.full_language(f"[^]{{{low},{'' if high is None else high}}}")


def apart(first: Sequence[str], second: Sequence[str]) -> bool:
    """Proof that no string matches every pattern of ``first`` and of ``second`` (False:
    unknown, also when a side has no pattern). Decided on automata, like ``implied``."""
    if not first or not second:
        return False
    return _apart(tuple(first), tuple(second))


@functools.lru_cache(maxsize=512)
def _apart(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    from accord.kit.regex import automata

    try:
        language = automata.any_string()
        for pattern in (*first, *second):
            language = language & automata.search_language(pattern)
        return language.is_empty()
    except (automata.NotRegular, automata.TooComplex, InvalidPattern):
        return False
