"""Issue 14, hole 10: "200 bad keys in half a second, no 429."

Every test builds its own app with small limits ("5/minute": a burst is deterministic,
no timing), on the shared test database, and calls it through HTTP from chosen client
addresses. The shared limits run against the real Redis (ACCORD_TEST_REDIS_URL, default
127.0.0.1:6379) under a prefix of their own; "Redis down" is a port nothing listens on.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp
from structlog.testing import capture_logs

from accord.app import create_app
from accord.kit.crypto import generate_api_key
from accord.ratelimit import RateLimitConfig, RateLimitMiddleware
from tests.conftest import Actors, bearer, make_settings
from tests.ratelimit.conftest import dead_port

REDIS_URL = os.environ.get("ACCORD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# Explicit, so neither the suite's defaults nor the environment change what is tested.
ROOMY = {
    "rate_limit_enabled": True,
    "rate_limit_per_client": "1000/minute",
    "rate_limit_per_key": "1000/minute",
    "rate_limit_expensive": "1000/minute",
    "rate_limit_auth_failures": "1000/minute",
    "trusted_proxies": [],
    "redis_url": None,
}


@contextlib.asynccontextmanager
async def limited_app(database_url: str, **overrides: Any) -> AsyncIterator[FastAPI]:
    app = create_app(
        make_settings(database_url, **{**ROOMY, **overrides}), run_startup_checks=False
    )
    async with app.router.lifespan_context(app):
        yield app


def caller(app: ASGIApp, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def rejections(bucket: str) -> float:
    return sample("accord_rate_limit_rejections_total", bucket=bucket)


def assert_refused(r: httpx.Response, policy: str, quota: int) -> int:
    """A 429 problem naming `policy`; returns its Retry-After."""
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "rate_limited"
    assert body["violated_policies"] == [policy]
    # Under RequestContextMiddleware, as create_app wires it: the 429 has a request id.
    assert body["request_id"] == r.headers.get("x-request-id")
    retry_after = int(r.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert f'"{policy}";q={quota};w=60' in r.headers["ratelimit-policy"]
    # Only the violated policy, and its window ends when Retry-After says.
    assert r.headers["ratelimit"] == f'"{policy}";r=0;t={retry_after}'
    return retry_after


async def test_a_burst_of_bad_keys_is_refused_after_the_auth_failure_budget(
    database_url: str, actors: Actors
) -> None:
    refused_before = rejections("auth")
    async with (
        limited_app(database_url, rate_limit_auth_failures="5/minute") as app,
        caller(app, "203.0.113.50") as attacker,
        caller(app, "198.51.100.20") as bystander,
    ):
        responses = [
            await attacker.get("/api/v1/me", headers=bearer(generate_api_key())) for _ in range(8)
        ]
        assert [r.status_code for r in responses] == [401] * 5 + [429] * 3
        # Each 401 counts down the failures the address has left.
        assert [r.headers["ratelimit"].split(", ")[-1].split(";t=")[0] for r in responses[:5]] == [
            f'"auth";r={left}' for left in (4, 3, 2, 1, 0)
        ]
        assert_refused(responses[5], "auth", 5)
        assert responses[5].headers["x-request-id"]
        # From now on the address is refused before authentication runs: a good key
        # gets 429 too (authenticating it would have answered 200), and so does no key.
        assert_refused(await attacker.get("/api/v1/me", headers=actors.admin), "auth", 5)
        assert_refused(await attacker.get("/api/v1/me"), "auth", 5)
        # Another client is not affected.
        ok = await bystander.get("/api/v1/me", headers=actors.admin)
        assert ok.status_code == 200, ok.text
        assert ok.headers["ratelimit-policy"] == '"client";q=1000;w=60, "key";q=1000;w=60'
        assert ok.headers["ratelimit"].startswith('"client";r=999;t=')
    assert rejections("auth") - refused_before == 5


async def test_per_key_limit(database_url: str, actors: Actors) -> None:
    async with (
        limited_app(database_url, rate_limit_per_key="3/minute") as app,
        caller(app, "198.51.100.30") as client,
    ):
        seen = []
        for _ in range(3):
            r = await client.get("/api/v1/me", headers=actors.producer_read)
            assert r.status_code == 200, r.text
            seen.append(r.headers["ratelimit"].split(", ")[1].split(";t=")[0])
        assert seen == ['"key";r=2', '"key";r=1', '"key";r=0']
        assert_refused(await client.get("/api/v1/me", headers=actors.producer_read), "key", 3)
        # Another key from the same address has its own budget.
        r = await client.get("/api/v1/me", headers=actors.consumer_write)
        assert r.status_code == 200, r.text


async def test_per_client_limit(database_url: str, actors: Actors) -> None:
    async with (
        limited_app(database_url, rate_limit_per_client="3/minute") as app,
        caller(app, "198.51.100.40") as busy,
        caller(app, "198.51.100.41") as other,
    ):
        # Every request counts, whatever its key, route or outcome.
        assert (await busy.get("/api/v1/me", headers=actors.admin)).status_code == 200
        assert (await busy.get("/api/v1/me", headers=actors.producer_read)).status_code == 200
        assert (await busy.get("/no/such/route")).status_code == 404
        assert_refused(await busy.get("/api/v1/me", headers=actors.consumer_write), "client", 3)
        assert (await other.get("/api/v1/me", headers=actors.admin)).status_code == 200


async def test_expensive_routes_have_a_tighter_budget(database_url: str, actors: Actors) -> None:
    check = {"old": {"type": "integer"}, "new": {"type": "number"}, "mode": "backward"}
    key = actors.producer_read
    async with (
        limited_app(
            database_url, rate_limit_per_key="100/minute", rate_limit_expensive="2/minute"
        ) as app,
        caller(app, "198.51.100.50") as client,
    ):
        for left in (1, 0):
            r = await client.post("/api/v1/compat/check", json=check, headers=key)
            assert r.status_code == 200, r.text
            assert f'"expensive";r={left};' in r.headers["ratelimit"]
        assert_refused(
            await client.post("/api/v1/compat/check", json=check, headers=key), "expensive", 2
        )
        # One budget for all three operations: impact is refused before it looks anything up.
        impact = f"/api/v1/assets/{uuid.uuid4()}/impact"
        assert_refused(await client.post(impact, json={}, headers=key), "expensive", 2)
        # The general budget is barely touched: 5 of 100.
        r = await client.get("/api/v1/me", headers=key)
        assert r.status_code == 200, r.text
        assert '"key";r=95;' in r.headers["ratelimit"]
        assert "expensive" not in r.headers["ratelimit"]


async def test_forwarded_for_is_honoured_only_from_a_trusted_proxy(
    database_url: str, actors: Actors
) -> None:
    def via(address: str) -> dict[str, str]:
        return {**actors.admin, "X-Forwarded-For": address}

    async with (
        limited_app(
            database_url, rate_limit_per_client="2/minute", trusted_proxies=["10.0.0.0/8"]
        ) as app,
        caller(app, "10.0.0.7") as proxy,
        caller(app, "198.51.100.60") as direct,
    ):
        # Through the proxy, each client has its own budget ...
        for _ in range(2):
            assert (await proxy.get("/api/v1/me", headers=via("203.0.113.1"))).status_code == 200
        assert_refused(await proxy.get("/api/v1/me", headers=via("203.0.113.1")), "client", 2)
        assert (await proxy.get("/api/v1/me", headers=via("203.0.113.2"))).status_code == 200
        # ... and what a client prepends itself is not believed: the rightmost untrusted hop.
        spoofed = via("192.0.2.99, 203.0.113.1")
        assert_refused(await proxy.get("/api/v1/me", headers=spoofed), "client", 2)
        # A client talking directly cannot pick its bucket by sending the header.
        for i in range(2):
            r = await direct.get("/api/v1/me", headers=via(f"192.0.2.{i}"))
            assert r.status_code == 200, r.text
        assert_refused(await direct.get("/api/v1/me", headers=via("192.0.2.77")), "client", 2)


@contextlib.asynccontextmanager
async def redis_prefix() -> AsyncIterator[tuple[str, aioredis.Redis]]:
    prefix = f"accord-test-{uuid.uuid4().hex}"
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        yield prefix, client
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_limits_are_shared_across_instances_through_redis(
    database_url: str, actors: Actors
) -> None:
    settings = make_settings(
        database_url,
        **{
            **ROOMY,
            "rate_limit_per_client": "4/minute",
            "rate_limit_per_key": "3/minute",
            "redis_url": SecretStr(REDIS_URL),
        },
    )
    async with redis_prefix() as (prefix, redis):
        config = RateLimitConfig.from_settings(settings, key_prefix=prefix)
        # Two instances of the service: each app's own limiter is off, and each is wrapped
        # in a limiter of its own that shares the counters through Redis.
        apps = [
            create_app(
                settings.model_copy(update={"rate_limit_enabled": False}), run_startup_checks=False
            )
            for _ in range(2)
        ]
        limiters = [RateLimitMiddleware(app, config) for app in apps]
        try:
            async with (
                apps[0].router.lifespan_context(apps[0]),
                apps[1].router.lifespan_context(apps[1]),
                caller(limiters[0], "198.51.100.70") as one,
                caller(limiters[1], "198.51.100.70") as two,
            ):
                key = actors.producer_read
                statuses = [
                    (await instance.get("/api/v1/me", headers=key)).status_code
                    for instance in (one, two, one, two)
                ]
                assert statuses == [200, 200, 200, 429]  # 3 per key, across both
                # The client budget (4) was shared too: its 4th request was the 429 above.
                r = await one.get("/api/v1/me", headers=actors.admin)
                assert_refused(r, "client", 4)
                stored = [k.decode() async for k in redis.scan_iter(match=f"{prefix}:*")]
                assert f"{prefix}:client:4/60:198.51.100.70" in stored
                assert any(k.startswith(f"{prefix}:key:3/60:") for k in stored)
                raw_key = key["Authorization"].removeprefix("Bearer ")
                assert not any(raw_key in k for k in stored)
        finally:
            for limiter in limiters:
                await limiter.aclose()


async def test_redis_down_fails_open_with_a_metric_and_one_log_line(
    database_url: str, actors: Actors
) -> None:
    errors_before = sample("accord_rate_limit_backend_errors_total")
    dead = SecretStr(f"redis://127.0.0.1:{dead_port()}/0")
    async with (
        limited_app(
            database_url,
            redis_url=dead,
            rate_limit_per_client="1/minute",
            rate_limit_auth_failures="1/minute",
        ) as app,
        caller(app, "198.51.100.80") as client,
    ):
        with capture_logs() as logs:
            for _ in range(3):
                r = await client.get("/api/v1/me", headers=actors.admin)
                assert r.status_code == 200, r.text
                assert "ratelimit" not in r.headers
            for _ in range(3):
                r = await client.get("/api/v1/me", headers=bearer(generate_api_key()))
                assert r.status_code == 401  # never 429: nothing is counted
    assert sample("accord_rate_limit_backend_errors_total") > errors_before
    warnings = [e for e in logs if e["event"] == "rate_limit_backend_unavailable"]
    assert len(warnings) == 1
    assert warnings[0]["log_level"] == "warning"
    assert "ConnectionError" in warnings[0]["error"]


async def test_health_probes_are_never_limited(database_url: str, engine: AsyncEngine) -> None:
    async with (
        limited_app(
            database_url, rate_limit_per_client="1/minute", rate_limit_auth_failures="1/minute"
        ) as app,
        caller(app, "198.51.100.90") as client,
    ):
        assert (
            await client.get("/api/v1/me", headers=bearer(generate_api_key()))
        ).status_code == 401
        assert (await client.get("/api/v1/me")).status_code == 429  # blocked from here on
        for _ in range(5):
            for probe in ("/healthz", "/readyz"):
                r = await client.get(probe)
                assert r.status_code == 200, r.text
                assert "ratelimit" not in r.headers


async def test_disabled_limits_change_nothing(database_url: str, engine: AsyncEngine) -> None:
    async with (
        limited_app(
            database_url, rate_limit_enabled=False, rate_limit_auth_failures="1/minute"
        ) as app,
        caller(app, "198.51.100.100") as client,
    ):
        for _ in range(5):
            r = await client.get("/api/v1/me", headers=bearer(generate_api_key()))
            assert r.status_code == 401
            assert "ratelimit" not in r.headers


@pytest.mark.parametrize(
    ("setting", "value", "variable"),
    [
        ("rate_limit_per_key", "lots", "ACCORD_RATE_LIMIT_PER_KEY"),
        ("rate_limit_auth_failures", "0/minute", "ACCORD_RATE_LIMIT_AUTH_FAILURES"),
        ("trusted_proxies", ["proxy.internal"], "ACCORD_TRUSTED_PROXIES"),
    ],
)
def test_an_invalid_limit_stops_start_up(
    database_url: str, setting: str, value: object, variable: str
) -> None:
    with pytest.raises(ValueError, match=variable):
        create_app(make_settings(database_url, **{setting: value}))
