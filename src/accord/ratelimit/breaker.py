"""Fail open, quietly and cheaply, when the limiter's storage fails.

A rate limiter protects the service; it must not become the reason the service is down.
So a storage error lets the request through, counts in
`accord_rate_limit_backend_errors_total`, and opens the breaker: for `cooldown_s` the
limiter does not call the storage at all (a dead Redis costs nothing per request), then
tries again. One warning is logged when a failure burst starts and one line when the
storage answers again, not one per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog

from accord.ratelimit.metrics import BACKEND_ERRORS


class Breaker:
    def __init__(self, cooldown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._open_until = float("-inf")
        self._failing = False

    def allows(self) -> bool:
        """May the storage be called now? (No during the cooldown after a failure.)"""
        return self._clock() >= self._open_until

    @property
    def failing(self) -> bool:
        return self._failing

    def failed(self, exc: BaseException) -> None:
        BACKEND_ERRORS.inc()
        self._open_until = self._clock() + self._cooldown_s
        if not self._failing:
            self._failing = True
            # Looked up here, not at import: this is rare, and it honours the logging
            # configuration of the moment (tests capture it).
            structlog.get_logger("accord.ratelimit").warning(
                "rate_limit_backend_unavailable",
                error=f"{type(exc).__name__}: {exc}"[:300],
                action="requests are not rate limited until the storage answers",
                retry_in_s=self._cooldown_s,
            )

    def succeeded(self) -> None:
        if self._failing:
            self._failing = False
            structlog.get_logger("accord.ratelimit").info("rate_limit_backend_recovered")
