"""Rate limits: per client address, per API key, per key on expensive operations, and
per client address on failed authentications (ADR 0024).

`RateLimitConfig.from_settings` parses the limits once; `RateLimitMiddleware` applies
them. Counters live in memory, or in Redis when `ACCORD_REDIS_URL` is set.
"""

from accord.ratelimit.middleware import RateLimitMiddleware
from accord.ratelimit.policy import RateLimitConfig

__all__ = ["RateLimitConfig", "RateLimitMiddleware"]
