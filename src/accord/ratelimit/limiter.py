"""The decisions: admit or refuse a caller, and count a failed authentication.

For each request, in order, stopping at the first refusal:

1. `auth`: a client address with too many recent failed authentications is refused
   before anything else runs (its bad keys never reach the database);
2. `client`: every request of the address;
3. `key`: every request with that bearer credential;
4. `expensive`: compatibility checks, impact analyses and dbt imports, per key.

A refused request is counted in the bucket that refused it, which changes nothing: the
window still ends when it was going to. Any storage error fails open (see `breaker`):
the request proceeds without RateLimit headers.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.ratelimit.breaker import Breaker
from accord.ratelimit.counters import Counters, Guard, Hit, Tally
from accord.ratelimit.identity import Caller
from accord.ratelimit.memory import MemoryCounters
from accord.ratelimit.metrics import REJECTIONS
from accord.ratelimit.policy import Policy, RateLimitConfig
from accord.ratelimit.reading import Reading
from accord.ratelimit.redis_store import RedisCounters


def open_counters(config: RateLimitConfig) -> Counters:
    """In memory, or in Redis when configured; nothing connects before the first request."""
    if config.redis_url is None:
        return MemoryCounters()
    return RedisCounters(config.redis_url, config.key_prefix, config.redis_timeout_s)


@dataclass(frozen=True, slots=True)
class Admission:
    readings: tuple[Reading, ...]
    refused_by: Reading | None = None


UNLIMITED = Admission(())


class Limiter:
    def __init__(
        self,
        config: RateLimitConfig,
        counters: Counters | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.config = config
        self.counters = counters or open_counters(config)
        self.breaker = breaker or Breaker(config.backoff_s)

    async def admit(self, caller: Caller) -> Admission:
        config = self.config
        plan: list[tuple[Policy, str]] = [(config.client, caller.client)]
        if caller.key is not None:
            plan.append((config.key, caller.key))
            if caller.expensive:
                plan.append((config.expensive, caller.key))
        guard = Guard(config.auth.bucket(caller.client), config.auth.quota)
        tally = await self._apply(guard, plan)
        if tally is None:
            return UNLIMITED
        if tally.guarded is not None:
            failures = Reading(config.auth, tally.guarded.count, tally.guarded.resets_in)
            admission = Admission((failures,), failures)
        else:
            readings = tuple(
                Reading(policy, c.count, c.resets_in)
                for (policy, _), c in zip(plan, tally.counts, strict=False)
            )
            refused = readings[-1] if not readings[-1].admitted else None
            admission = Admission(readings, refused)
        if admission.refused_by is not None:
            REJECTIONS.labels(admission.refused_by.policy.name).inc()
        return admission

    async def record_auth_failure(self, client: str) -> Reading | None:
        """Count a 401 against the client address; the reading goes on that response."""
        tally = await self._apply(None, [(self.config.auth, client)])
        if tally is None:
            return None
        count = tally.counts[0]
        return Reading(self.config.auth, count.count, count.resets_in)

    async def aclose(self) -> None:
        await self.counters.aclose()

    async def _apply(self, guard: Guard | None, plan: list[tuple[Policy, str]]) -> Tally | None:
        if not self.breaker.allows():
            return None
        hits = [
            Hit(policy.bucket(identity), policy.quota, policy.window_s) for policy, identity in plan
        ]
        try:
            tally = await self.counters.apply(guard, hits)
        except Exception as exc:  # fail open: see the module docstring
            self.breaker.failed(exc)
            return None
        self.breaker.succeeded()
        return tally
