"""Retry policy, pure: what an outcome means and when to try again.

Transient (retry): timeouts, connection errors, 408, 429 (honouring Retry-After), 5xx.
Permanent (dead letter at once): every other non-2xx, e.g. 400, 401, 404, 410.
Backoff: base * 2^(attempt-1), capped, with +-20 % jitter so a recovering receiver is
not hit by every worker at the same instant. The horizon (default a day) becomes a
maximum attempt count, so a replayed dead letter gets a full horizon again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum


class Outcome(StrEnum):
    delivered = "delivered"
    transient = "transient"
    permanent = "permanent"


def classify(status_code: int | None) -> Outcome:
    """`None` means no HTTP answer (timeout, connection error): transient."""
    if status_code is None:
        return Outcome.transient
    if 200 <= status_code < 300:
        return Outcome.delivered
    if status_code in (408, 429) or status_code >= 500:
        return Outcome.transient
    return Outcome.permanent


@dataclass(frozen=True)
class Backoff:
    base_s: float
    cap_s: float
    horizon_s: float

    def step(self, attempt: int) -> float:
        """The un-jittered delay after ``attempt``; never overflows (2**n is capped early)."""
        doublings = max(0, attempt - 1)
        if self.base_s * 2 ** min(doublings, 64) >= self.cap_s or doublings > 64:
            return self.cap_s
        return float(self.base_s * 2**doublings)

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        jitter: float = (rng or random).uniform(0.8, 1.2)
        return float(min(self.cap_s, self.step(attempt) * jitter))

    @property
    def max_attempts(self) -> int:
        """Attempts that fit in the horizon with un-jittered delays (at least 1).

        Doubling steps are summed one by one (at most ~64 of them); once a step reaches
        the cap the rest of the horizon is divided, not looped over."""
        elapsed, attempt = 0.0, 1
        while True:
            step = self.step(attempt)
            if step >= self.cap_s:
                return attempt + int((self.horizon_s - elapsed) // self.cap_s)
            if elapsed + step > self.horizon_s:
                return attempt
            elapsed += step
            attempt += 1


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
