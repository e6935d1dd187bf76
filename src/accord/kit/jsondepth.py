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
"""

from __future__ import annotations

import itertools
import operator

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
