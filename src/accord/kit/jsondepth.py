"""How deeply a JSON text nests, and whether it spells numbers JSON does not have,
measured before anything parses it (issue 14).

Deep nesting is cheap to send and expensive to receive: recursive code (validation,
serialisation, the compatibility engine) runs out of stack on it, and a RecursionError is
a 500. Bodies are refused past a depth limit instead. This measures the depth of raw bytes
in time linear in their size, every loop in C and no regular expression (a string pattern
can backtrack quadratically on hostile text):

1. drop escaped backslashes, then escaped quotes: every quote left delimits a string;
2. split on quotes and keep the even pieces, the text outside strings;
3. map the brackets left to +1/-1 and take the largest running sum.

For valid JSON the result is exact; for invalid JSON it is some number, and the parser
refuses the text anyway.

Python's parser also reads ``NaN``, ``Infinity`` and ``-Infinity``, which JSON does not
have: a schema holding one could not be hashed (RFC 8785) nor stored as JSON. Outside
strings, valid JSON has no letters but those of ``true``, ``false``, ``null`` and
exponents, so either word found there is one of those numbers (`non_json_number`).

Two more things JSON has and Python's parser reads into values no document can hold:

- a number past a double's range (``1e400``, or 400 digits and a fraction) becomes ``inf``,
  and an integer of more than 4300 digits is refused with a ValueError the route would
  answer with a 400 that names nothing (`out_of_range_number`). Only a body with an
  exponent or a run of 309 digits can hold one; only such a body is parsed once more
  here, to find it exactly;
- ``\\ud800``, half of a UTF-16 surrogate pair, becomes a string no UTF-8 text holds
  (`unpaired_surrogate`; a whole pair is one character, an emoji say, and is fine).

`json_text_problem` runs every scan, cheapest first. Apart from them, `nul_escape` finds
``\\u0000``: JSON and Python hold it, PostgreSQL's text and jsonb do not, so Accord stores it
on no backend.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import re
import sys
from typing import Any

_DROP = bytes(b for b in range(256) if b not in b"[]{}")
# `[` and `{` become 2, `]` and `}` become 0; minus 1 each, they are +1 and -1.
_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def _outside_strings(text: bytes) -> bytes:
    return b"".join(text.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')[::2])


def max_depth(text: bytes) -> int:
    """The deepest nesting of arrays and objects in ``text`` (0 for a scalar)."""
    steps = _outside_strings(text).translate(None, _DROP).translate(_STEP)
    return max(itertools.accumulate(map(operator.sub, steps, itertools.repeat(1))), default=0)


def deeper_than(text: bytes, limit: int) -> bool:
    """True when ``text`` nests more than ``limit`` levels (cheap when it cannot)."""
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    return max_depth(text) > limit


def non_json_number(text: bytes) -> str | None:
    """``NaN`` or ``Infinity`` when ``text`` spells one outside its strings, else None
    (two substring searches when it does not contain either word at all)."""
    words = [word for word in (b"NaN", b"Infinity") if word in text]
    if not words:
        return None
    outside = _outside_strings(text)
    return next((word.decode() for word in words if word in outside), None)


class UnheldValue(ValueError):
    """A JSON text that Python's parser reads into a value no JSON document can hold; the
    message says what, as the object of "holds"."""


def _constant(word: str) -> Any:
    raise UnheldValue(f"{word}, which is not a JSON number")


def _finite(token: str) -> float:
    value = float(token)
    if math.isinf(value):
        shown = token if len(token) <= _SHOWN else token[:_SHOWN] + "…"
        raise UnheldValue(f"{shown}, a number beyond the range of a double")
    return value


_SHOWN = 40  # characters of a number that a message shows
_HAS_DIGITS = re.compile(r"value has (\d+) digits")  # Python's own message says how long


def strict_loads(text: bytes) -> Any:
    """``json.loads``, refusing with `UnheldValue` what it would read into a value no JSON
    document holds (``NaN``, ``1e400``, half a surrogate pair, an integer longer than
    Python reads); a syntax error is its ``JSONDecodeError`` as before."""
    try:
        doc = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # an integer past sys.get_int_max_str_digits()
        if isinstance(exc, UnheldValue | UnicodeDecodeError):
            raise
        has = _HAS_DIGITS.search(str(exc))
        if has is None:
            raise
        limit = sys.get_int_max_str_digits()
        raise UnheldValue(
            f"an integer of {has.group(1)} digits (at most {limit} are read)"
        ) from None
    half = unpaired_surrogate(text)
    if half is not None:
        raise UnheldValue(_half_pair(half))
    return doc


_DIGITS = bytes.maketrans(b"0123456789", b"0" * 10)
_LONGEST_FINITE = b"0" * 309  # digits of a double's largest finite value (1.8e308)


def out_of_range_number(text: bytes) -> str | None:
    """What in ``text`` Python's parser turns into ``inf`` or refuses as too long an integer,
    else None (None too when ``text`` stops being JSON before any: its parser says why).
    Only a text with an exponent or a run of 309 digits (strings included: it is only a
    filter) is parsed to find out exactly."""
    digits = text.translate(_DIGITS)  # each digit a "0": a JSON exponent follows one
    if b"0e" not in digits and b"0E" not in digits and _LONGEST_FINITE not in digits:
        return None
    try:
        strict_loads(text)
    except UnheldValue as exc:
        return str(exc)
    except (ValueError, RecursionError):
        return None
    return None


_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")  # fixed length: no backtracking


def unpaired_surrogate(text: bytes) -> str | None:
    """The first escape in ``text`` that is half a UTF-16 surrogate pair without the other
    half (``\\ud800``), else None. Escaped backslashes are blanked first (same length), so
    every ``\\u`` left starts an escape."""
    if b"\\ud" not in text and b"\\uD" not in text:
        return None
    escapes = text.replace(b"\\\\", b"  ")
    awaiting: bytes | None = None  # a high half, and where its low half must start
    at = -1
    for found in _SURROGATE.finditer(escapes):
        high = found.group()[3] in b"89abAB"
        if awaiting is not None:
            if not high and found.start() == at:
                awaiting = None
                continue
            return awaiting.decode()
        if not high:
            return found.group().decode()
        awaiting, at = found.group(), found.end()
    return awaiting.decode() if awaiting is not None else None


def _half_pair(escape: str) -> str:
    return f"{escape}, half of a UTF-16 surrogate pair without its other half"


def json_text_problem(text: bytes) -> str | None:
    """What ``text`` holds that Python's parser reads and no JSON document can, as the
    object of "holds", else None: the cheap scans first, a parse only past their filter."""
    word = non_json_number(text)
    if word is not None:
        return f"{word}, which is not a JSON number"
    half = unpaired_surrogate(text)
    if half is not None:
        return _half_pair(half)
    return out_of_range_number(text)


def nul_escape(text: bytes) -> bool:
    """True when ``text`` escapes the NUL character (``\\u0000``) anywhere. JSON can, and
    PostgreSQL's text and jsonb cannot hold it (an escaped backslash before ``u0000`` is
    text, as a regex escape in a pattern)."""
    if b"\\u0000" not in text:
        return False
    return b"\\u0000" in text.replace(b"\\\\", b"  ")
