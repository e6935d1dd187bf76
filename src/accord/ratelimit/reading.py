"""What one bucket says about the caller after a request: remaining quota and reset.

Buckets are fixed windows anchored at their first hit (ADR 0024): the count is exact, so
`remaining` is exact, and the window ends a known number of seconds after it began, so
`t` and `Retry-After` are exact too (rounded up to whole seconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from accord.ratelimit.policy import Policy


def whole_seconds(seconds: float) -> int:
    """A wait in whole seconds, rounded up: never tell a client to come back too early."""
    return max(0, math.ceil(seconds))


@dataclass(frozen=True, slots=True)
class Reading:
    policy: Policy
    count: int
    resets_in: float

    @property
    def admitted(self) -> bool:
        """This request fitted (the count includes it)."""
        return self.count <= self.policy.quota

    @property
    def remaining(self) -> int:
        return max(0, self.policy.quota - self.count)

    @property
    def reset_s(self) -> int:
        """Seconds until the window resets: within them no more than `remaining` fits."""
        return whole_seconds(self.resets_in)

    @property
    def retry_after_s(self) -> int:
        return max(1, whole_seconds(self.resets_in))
