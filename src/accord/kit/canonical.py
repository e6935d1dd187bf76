"""Canonical JSON (RFC 8785, JCS): one byte string per value, for hashing.

One extension: RFC 8785 writes numbers as IEEE 754 doubles, so it refuses integers
beyond ±(2^53 - 1) (the `rfc8785` library raises). Data platforms use them (a uint64
row-count bound, a BIGINT UNSIGNED or NUMBER(38,0) range), and rounding them to a double
would give two different contracts one hash. Such an integer is written as its exact
decimal digits instead: deterministic, and every value RFC 8785 accepts keeps its bytes
(so content hashes and the audit chain are unchanged).
"""

from __future__ import annotations

from typing import Any

import rfc8785

_SAFE = 2**53 - 1


def canonical_json(value: Any) -> bytes:
    try:
        result: bytes = rfc8785.dumps(value)
    except rfc8785.IntegerDomainError:
        return b"".join(_parts(value))
    return result


def _parts(value: Any) -> list[bytes]:
    """RFC 8785 with exact big integers: containers here, every other value by rfc8785."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SAFE:
        return [str(int(value)).encode()]
    if isinstance(value, list | tuple):
        out = [b"["]
        for i, item in enumerate(value):
            if i:
                out.append(b",")
            out.extend(_parts(item))
        return [*out, b"]"]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise rfc8785.CanonicalizationError("object keys must be strings")
        out = [b"{"]
        for i, k in enumerate(sorted(value, key=lambda k: k.encode("utf-16be"))):
            if i:
                out.append(b",")
            out.extend((rfc8785.dumps(k), b":", *_parts(value[k])))
        return [*out, b"}"]
    return [rfc8785.dumps(value)]
