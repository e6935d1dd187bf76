"""Fixed-window counters in Redis, shared by every instance of the service.

One Lua script per request (atomic, one round trip) over a connection pool we own, with
short timeouts and no client-side retries: a slow or dead Redis fails within
`timeout_s`, and the breaker then keeps requests away from it for a while. All keys
start with `prefix:`. A single Redis (or one address in front of a failover pair): the
script touches several keys, which Redis Cluster would refuse across slots.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from accord.ratelimit.counters import Count, Guard, Hit, Tally

# KEYS: the guard (when ARGV[1] > 0), then the buckets to count, in order.
# ARGV: the guard's quota (0: no guard), then quota and window (ms) of each bucket.
# Returns {1, count, pttl} when the guard refuses, else {0, count, pttl, ...} per bucket
# counted, stopping after the first one over its quota.
_APPLY = """
local first = 1
local guard_quota = tonumber(ARGV[1])
if guard_quota > 0 then
  local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
  if failures >= guard_quota then
    return {1, failures, redis.call('PTTL', KEYS[1])}
  end
  first = 2
end
local out = {0}
for i = first, #KEYS do
  local a = 2 * (i - first) + 2
  local quota, window_ms = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local count = redis.call('INCR', KEYS[i])
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[i], window_ms)
    ttl = window_ms
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
  if count > quota then
    break
  end
end
return out
"""


class RedisCounters:
    def __init__(self, url: str, prefix: str, timeout_s: float) -> None:
        self._prefix = prefix
        self._pool = ConnectionPool.from_url(
            url,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        self._script = Redis(connection_pool=self._pool).register_script(_APPLY)

    async def apply(self, guard: Guard | None, hits: Sequence[Hit]) -> Tally:
        keys: list[str] = []
        args: list[int] = [0 if guard is None else guard.quota]
        if guard is not None:
            keys.append(f"{self._prefix}:{guard.key}")
        for hit in hits:
            keys.append(f"{self._prefix}:{hit.key}")
            args += [hit.quota, hit.window_s * 1000]
        raw = [int(v) for v in await self._script(keys=keys, args=args)]
        counts = tuple(Count(raw[i], max(0, raw[i + 1]) / 1000) for i in range(1, len(raw) - 1, 2))
        if raw[0] == 1:
            return Tally(counts[0], ())
        return Tally(None, counts)

    async def aclose(self) -> None:
        await self._pool.aclose()
