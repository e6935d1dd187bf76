"""Time-ordered UUIDs (version 7, RFC 9562), so new rows land at the end of indexes.

Monotonic within a process (RFC 9562 section 6.2, method 2): an id made in the same
millisecond as the previous one, or while the clock stands behind it, is the previous
one's 74 random bits plus a random step, never a fresh draw below it. Rows one request
writes (the events of one publish, their outbox deliveries) therefore sort in the order
they were made, which is the order subscribers receive them in.
"""

from __future__ import annotations

import os
import threading
import uuid
from time import time_ns

_RAND_BITS = 74  # rand_a (12 bits) and rand_b (62 bits)
_STEP_BITS = 32  # an id after another in one millisecond is up to 2**32 past it
_lock = threading.Lock()
_last = (0, 0)  # (milliseconds, random bits) of the last id made here


def _pack(ms: int, rand: int) -> int:
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 62) << 64  # rand_a
    value |= 0b10 << 62  # variant
    return value | (rand & 0x3FFF_FFFF_FFFF_FFFF)  # rand_b


def uuid7() -> uuid.UUID:
    global _last
    ms = time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big") >> (80 - _RAND_BITS)
    with _lock:
        last_ms, last_rand = _last
        if (ms, rand) <= _last:
            ms, rand = last_ms, last_rand + 1 + (rand >> (_RAND_BITS - _STEP_BITS))
            if rand >> _RAND_BITS:  # the millisecond's ids are used up: borrow the next
                ms, rand = ms + 1, 0
        _last = (ms, rand)
    return uuid.UUID(int=_pack(ms, rand))
