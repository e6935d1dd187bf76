"""The RateLimit fields of draft-ietf-httpapi-ratelimit-headers (-09 and later).

    RateLimit-Policy: "client";q=2400;w=60, "key";q=1200;w=60
    RateLimit: "client";r=2391;t=42, "key";r=1187;t=42

Both are Structured Field Lists of Items whose value is the policy name (an sf-string).
`q` is the quota and `w` the window in seconds; `r` is the quota still available and `t`
the seconds within which no more than `r` can be used. Names are our own fixed ASCII
words, so no escaping is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from accord.ratelimit.policy import Policy
from accord.ratelimit.reading import Reading

POLICY_HEADER = "RateLimit-Policy"
LIMIT_HEADER = "RateLimit"


def policy_item(policy: Policy) -> str:
    return f'"{policy.name}";q={policy.quota};w={policy.window_s}'


def limit_item(reading: Reading) -> str:
    return f'"{reading.policy.name}";r={reading.remaining};t={reading.reset_s}'


def policy_value(policies: Iterable[Policy]) -> str:
    return _policy_value(tuple(policies))


@lru_cache(maxsize=64)
def _policy_value(policies: tuple[Policy, ...]) -> str:
    """The same few policy lists answer every request: made once each."""
    return ", ".join(policy_item(p) for p in policies)


def limit_value(readings: Iterable[Reading]) -> str:
    return ", ".join(limit_item(r) for r in readings)


def rate_limit_headers(readings: Iterable[Reading]) -> list[tuple[bytes, bytes]]:
    """Raw ASGI headers for a response the limiter admitted."""
    readings = list(readings)
    if not readings:
        return []
    return [
        (b"ratelimit-policy", policy_value(r.policy for r in readings).encode("ascii")),
        (b"ratelimit", limit_value(readings).encode("ascii")),
    ]
