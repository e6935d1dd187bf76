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

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        raw = min(self.cap_s, self.base_s * 2 ** max(0, attempt - 1))
        jitter: float = (rng or random).uniform(0.8, 1.2)
        return float(min(self.cap_s, raw * jitter))

    @property
    def max_attempts(self) -> int:
        """Attempts that fit in the horizon with un-jittered delays (at least 1)."""
        elapsed, attempt = 0.0, 1
        while True:
            step = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
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
