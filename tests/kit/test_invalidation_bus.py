"""Cache invalidations relayed between processes through the real Redis (kit/invalidation_bus.py).

Like the limiter's Redis tests, these run against ACCORD_TEST_REDIS_URL (default
127.0.0.1:6379), each bus on a channel prefix of its own, and are never skipped; "Redis
down" is a port nothing listens on. Two processes are simulated by two buses, each with
its own `Topics` (generation counters); the last test runs two real `accord serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr
from structlog.testing import capture_logs

from accord.config import Settings
from accord.kit import invalidation, invalidation_bus
from accord.kit.invalidation import Topics
from accord.kit.invalidation_bus import RedisInvalidationBus
from accord.ratelimit.policy import DEFAULT_KEY_PREFIX
from tests.cli.test_client_commands import accord_serve, running_server
from tests.cli.test_server_commands import free_port

REDIS_URL = os.environ.get("ACCORD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PEPPER = "invalidation-bus-pepper-0123456789abcdef0123"


async def eventually(check: Callable[[], bool], within_s: float) -> float:
    """Seconds until ``check()`` is true; fails after ``within_s``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < within_s, "not within the bound"
        await asyncio.sleep(0.01)
    return time.monotonic() - start


@contextlib.asynccontextmanager
async def running(bus: RedisInvalidationBus) -> AsyncIterator[RedisInvalidationBus]:
    bus.start()
    try:
        yield bus
    finally:
        tasks = list(bus._tasks)
        await bus.stop()
        assert all(task.done() for task in tasks)  # nothing left to be destroyed pending


def prefix() -> str:
    return f"accord-test-{uuid.uuid4().hex}"


async def test_an_announcement_in_one_process_is_applied_in_the_other() -> None:
    channel = prefix()
    a, b = Topics(), Topics()
    async with (
        running(RedisInvalidationBus(REDIS_URL, channel, 0.25, topics=a)) as bus_a,
        running(RedisInvalidationBus(REDIS_URL, channel, 0.25, topics=b)) as bus_b,
    ):
        await asyncio.wait_for(bus_a.subscribed.wait(), 5)
        await asyncio.wait_for(bus_b.subscribed.wait(), 5)
        assert bus_a.channel == f"{channel}:invalidate"
        a.announce("credentials")
        assert a.generation("credentials") == 1  # at once, locally
        await eventually(lambda: b.generation("credentials") == 1, within_s=1.0)
        b.announce("assets")
        await eventually(lambda: a.generation("assets") == 1, within_s=1.0)
        await asyncio.sleep(0.2)  # time for an echo, if there were one
        # Each process applied the other's once and never its own a second time.
        assert (a.generation("credentials"), a.generation("assets")) == (1, 1)
        assert (b.generation("credentials"), b.generation("assets")) == (1, 1)


async def test_another_deployments_channel_and_malformed_messages_change_nothing() -> None:
    mine = Topics()
    async with running(RedisInvalidationBus(REDIS_URL, prefix(), 0.25, topics=mine)) as bus:
        await asyncio.wait_for(bus.subscribed.wait(), 5)
        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            await client.publish(f"{prefix()}:invalidate", '{"origin": "x", "topic": "assets"}')
            for junk in ("not json", "[1]", '{"origin": "x", "topic": 3}'):
                await client.publish(bus.channel, junk)
            await client.publish(bus.channel, '{"origin": "x", "topic": "credentials"}')
        finally:
            await client.aclose()
        await eventually(lambda: mine.generation("credentials") == 1, within_s=1.0)
        assert mine.generation("assets") == 0


async def test_a_dead_redis_never_fails_nor_delays_an_announcement() -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    # The process's own topics, as the app uses them: the real `invalidation.announce`.
    bus = RedisInvalidationBus(dead, prefix(), 0.25, backoff_s=(0.05, 0.1))
    before = invalidation.generation("credentials")
    with capture_logs() as logs:
        async with running(bus):
            slowest = 0.0
            for _ in range(50):
                start = time.perf_counter()
                invalidation.announce("credentials")
                slowest = max(slowest, time.perf_counter() - start)
                await asyncio.sleep(0.01)  # publishes fail in between; reconnects retry
            assert invalidation.generation("credentials") == before + 50
            assert slowest < 0.05  # queued, never sent on the caller's time
    warnings = [e for e in logs if e["event"] == "invalidation_bus_unavailable"]
    assert len(warnings) == 1  # once per outage, not once per attempt
    assert warnings[0]["log_level"] == "warning"
    assert "ConnectionError" in warnings[0]["error"]
    invalidation.announce("credentials")  # stopped: no listener left, still counts
    assert invalidation.generation("credentials") == before + 51


async def test_the_subscription_comes_back_after_its_connection_is_killed() -> None:
    channel = prefix()
    a, b = Topics(), Topics()
    async with (
        running(RedisInvalidationBus(REDIS_URL, channel, 0.25, topics=a)) as bus_a,
        running(
            RedisInvalidationBus(REDIS_URL, channel, 0.25, topics=b, backoff_s=(0.05, 0.5))
        ) as bus_b,
    ):
        await asyncio.wait_for(bus_a.subscribed.wait(), 5)
        await asyncio.wait_for(bus_b.subscribed.wait(), 5)
        admin = aioredis.Redis.from_url(REDIS_URL)
        try:
            killed = await admin.client_kill_filter(
                _type="pubsub", skipme=True, _id=await _client_id(admin, bus_b)
            )
        finally:
            await admin.aclose()
        assert killed == 1
        await eventually(lambda: not bus_b.subscribed.is_set(), within_s=2.0)
        await asyncio.wait_for(bus_b.subscribed.wait(), 5)
        a.announce("credentials")
        await eventually(lambda: b.generation("credentials") == 1, within_s=1.0)


async def _client_id(admin: aioredis.Redis, bus: RedisInvalidationBus) -> str:
    name = f"accord-invalidate-{bus.origin}"
    found = [c for c in await admin.client_list(_type="pubsub") if c.get("name") == name]
    assert len(found) == 1, found
    return str(found[0]["id"])


async def test_no_redis_url_no_bus() -> None:
    settings = Settings(_env_file=None, key_pepper=SecretStr(PEPPER), redis_url=None)
    assert invalidation_bus.start(settings) is None
    with_redis = Settings(
        _env_file=None, key_pepper=SecretStr(PEPPER), redis_url=SecretStr(REDIS_URL)
    )
    bus = invalidation_bus.start(with_redis)
    assert bus is not None
    try:
        assert bus.channel == f"{DEFAULT_KEY_PREFIX}:invalidate"  # the limiter's prefix
    finally:
        await bus.stop()


def _subscribers(channel: str) -> int:
    async def count() -> int:
        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            return int(dict(await client.pubsub_numsub(channel))[channel.encode()])
        finally:
            await client.aclose()

    return asyncio.run(count())


@pytest.mark.slow
def test_a_key_revoked_through_one_server_is_refused_by_the_other_at_once(
    tmp_path: Path,
) -> None:
    channel = f"{DEFAULT_KEY_PREFIX}:invalidate"
    with (
        running_server(
            tmp_path, PEPPER, ACCORD_AUTH_CACHE_TTL_S="60", ACCORD_REDIS_URL=REDIS_URL
        ) as a,
        accord_serve(a.env) as b_url,  # a second server on the same SQLite file
    ):
        deadline = time.monotonic() + 10
        while _subscribers(channel) < 2:  # both servers' buses (at least) listen
            assert time.monotonic() < deadline, "the servers' buses did not subscribe"
            time.sleep(0.05)
        admin = {"Authorization": f"Bearer {a.admin_key}"}
        with httpx.Client(base_url=a.url, headers=admin, timeout=10) as on_a:
            made = on_a.post(
                "/api/v1/api-keys",
                json={"name": "doomed", "team_id": a.producer_team, "scopes": ["read"]},
            )
            assert made.status_code == 201, made.text
            key = {"Authorization": f"Bearer {made.json()['key']}"}
            with httpx.Client(base_url=b_url, headers=key, timeout=10) as on_b:
                for _ in range(3):  # verified, then answered from B's cache
                    assert on_b.get("/api/v1/me").status_code == 200
                revoked = on_a.delete(f"/api/v1/api-keys/{made.json()['id']}")
                assert revoked.status_code == 204, revoked.text
                start = time.monotonic()
                while (status := on_b.get("/api/v1/me").status_code) == 200:
                    assert time.monotonic() - start < 2.0, "B still accepts the revoked key"
                    time.sleep(0.02)
                delay = time.monotonic() - start
                assert status == 401
                logging.getLogger(__name__).info("revoked_to_refused_ms=%d", delay * 1000)
