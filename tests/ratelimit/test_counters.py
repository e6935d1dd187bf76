"""The same contract for both stores: in memory, and in the real Redis (own prefix)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from accord.ratelimit.counters import Counters, Guard, Hit
from accord.ratelimit.memory import MemoryCounters
from accord.ratelimit.redis_store import RedisCounters

REDIS_URL = os.environ.get("ACCORD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["memory", "redis"])
async def counters(request: pytest.FixtureRequest) -> AsyncIterator[Counters]:
    if request.param == "memory":
        yield MemoryCounters()
        return
    prefix = f"accord-test-{uuid.uuid4().hex}"
    store = RedisCounters(REDIS_URL, prefix, timeout_s=0.25)
    try:
        yield store
    finally:
        await store.aclose()
        client = aioredis.Redis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_counts_in_order_and_stops_after_the_first_over_quota(counters: Counters) -> None:
    a, b = Hit("a", quota=2, window_s=60), Hit("b", quota=10, window_s=30)
    tallies = [await counters.apply(None, [a, b]) for _ in range(3)]
    assert [[c.count for c in t.counts] for t in tallies] == [[1, 1], [2, 2], [3]]
    assert all(t.guarded is None for t in tallies)
    first_a, first_b = tallies[0].counts
    assert 0 < first_a.resets_in <= 60
    assert 0 < first_b.resets_in <= 30


async def test_a_guard_at_its_quota_refuses_and_counts_nothing(counters: Counters) -> None:
    failures = Hit("failures", quota=2, window_s=60)
    guard, client = Guard("failures", quota=2), Hit("client", quota=100, window_s=60)
    assert (await counters.apply(guard, [client])).counts[0].count == 1
    await counters.apply(None, [failures])
    assert (await counters.apply(guard, [client])).counts[0].count == 2  # 1 of 2: not yet
    await counters.apply(None, [failures])
    refused = await counters.apply(guard, [client])
    assert refused.counts == ()
    assert refused.guarded is not None
    assert refused.guarded.count == 2
    assert 0 < refused.guarded.resets_in <= 60
    # The refused request was not counted for the client.
    assert (await counters.apply(None, [client])).counts[0].count == 3
