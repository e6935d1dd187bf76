from __future__ import annotations

from prometheus_client import REGISTRY
from pydantic import SecretStr

from accord.ratelimit.identity import Caller
from accord.ratelimit.limiter import Limiter
from accord.ratelimit.policy import RateLimitConfig
from accord.ratelimit.redis_store import RedisCounters
from tests.ratelimit.conftest import dead_port, limit_settings


def limiter(**overrides: str) -> Limiter:
    return Limiter(RateLimitConfig.from_settings(limit_settings(**overrides)))


def rejections(bucket: str) -> float:
    return REGISTRY.get_sample_value("accord_rate_limit_rejections_total", {"bucket": bucket}) or 0


async def test_buckets_in_order_and_the_first_refusal_wins() -> None:
    lim = limiter(rate_limit_per_client="4/minute", rate_limit_per_key="2/minute")
    caller = Caller("198.51.100.1", "k1", expensive=False)
    first = await lim.admit(caller)
    assert first.refused_by is None
    assert [(r.policy.name, r.remaining) for r in first.readings] == [("client", 3), ("key", 1)]
    assert (await lim.admit(caller)).refused_by is None
    before = rejections("key")
    third = await lim.admit(caller)
    assert third.refused_by is not None
    assert third.refused_by.policy.name == "key"
    assert rejections("key") - before == 1
    # The client bucket counted the third request; another key from it gets the last slot.
    other = await lim.admit(Caller("198.51.100.1", "k2", expensive=False))
    assert other.refused_by is None
    assert other.readings[0].remaining == 0
    refused = await lim.admit(Caller("198.51.100.1", "k3", expensive=False))
    assert refused.refused_by is not None
    assert refused.refused_by.policy.name == "client"


async def test_expensive_operations_spend_both_key_budgets() -> None:
    lim = limiter(rate_limit_expensive="1/minute")
    caller = Caller("198.51.100.2", "k", expensive=True)
    admitted = await lim.admit(caller)
    assert [r.policy.name for r in admitted.readings] == ["client", "key", "expensive"]
    refused = await lim.admit(caller)
    assert refused.refused_by is not None
    assert refused.refused_by.policy.name == "expensive"
    # Without a credential there is no key to charge: the request will be a 401.
    anonymous = await lim.admit(Caller("198.51.100.2", None, expensive=True))
    assert [r.policy.name for r in anonymous.readings] == ["client"]


async def test_failed_authentications_block_the_address_first() -> None:
    lim = limiter(rate_limit_auth_failures="2/minute")
    for remaining in (1, 0):
        reading = await lim.record_auth_failure("198.51.100.3")
        assert reading is not None
        assert reading.remaining == remaining
    blocked = await lim.admit(Caller("198.51.100.3", "good-key", expensive=False))
    assert blocked.refused_by is not None
    assert blocked.refused_by.policy.name == "auth"
    assert blocked.readings == (blocked.refused_by,)  # nothing else was counted
    assert 1 <= blocked.refused_by.retry_after_s <= 60
    assert (await lim.admit(Caller("198.51.100.4", "good-key", expensive=False))).refused_by is None


async def test_a_dead_redis_fails_open_and_the_breaker_spares_it() -> None:
    url = f"redis://127.0.0.1:{dead_port()}/0"
    lim = Limiter(RateLimitConfig.from_settings(limit_settings(redis_url=SecretStr(url))))
    assert isinstance(lim.counters, RedisCounters)
    errors = "accord_rate_limit_backend_errors_total"
    before = REGISTRY.get_sample_value(errors) or 0
    caller = Caller("198.51.100.5", "k", expensive=False)
    try:
        for _ in range(3):
            admission = await lim.admit(caller)
            assert admission.refused_by is None
            assert admission.readings == ()
        assert await lim.record_auth_failure("198.51.100.5") is None
    finally:
        await lim.aclose()
    # One storage call failed; the breaker kept the other requests away from Redis.
    assert (REGISTRY.get_sample_value(errors) or 0) - before == 1
    assert lim.breaker.failing
