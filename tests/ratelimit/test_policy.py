from __future__ import annotations

import pytest
from pydantic import SecretStr

from accord.config import Settings
from accord.ratelimit.policy import RateLimitConfig, parse_policy, parse_trusted_proxies


def test_parses_the_limits_notation_once() -> None:
    policy = parse_policy("key", "ACCORD_RATE_LIMIT_PER_KEY", "1200/minute")
    assert (policy.name, policy.quota, policy.window_s) == ("key", 1200, 60)
    assert parse_policy("x", "S", "10 per 30 seconds").window_s == 30


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "ACCORD_RATE_LIMIT_PER_KEY='lots' is not a rate limit"),
        ("", "is not a rate limit"),
        ("5/fortnight", "is not a rate limit"),
        ("0/minute", "must allow at least one request"),
        ("5/minute;100/hour", "give exactly one limit"),
    ],
)
def test_a_bad_limit_names_its_variable(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_policy("key", "ACCORD_RATE_LIMIT_PER_KEY", value)


def test_trusted_proxies_take_addresses_and_networks() -> None:
    nets = parse_trusted_proxies(["10.0.0.5", "192.168.0.0/16", "fd00::/8"])
    assert [str(n) for n in nets] == ["10.0.0.5/32", "192.168.0.0/16", "fd00::/8"]
    with pytest.raises(ValueError, match=r"ACCORD_TRUSTED_PROXIES: 'proxy\.local'"):
        parse_trusted_proxies(["proxy.local"])


def test_config_from_settings() -> None:
    settings = Settings(
        _env_file=None,
        key_pepper=SecretStr("p" * 40),
        rate_limit_per_client="7/minute",
        rate_limit_auth_failures="3 per 10 seconds",
        redis_url=SecretStr("redis://127.0.0.1:6379/0"),
        trusted_proxies=["10.0.0.1"],
    )
    config = RateLimitConfig.from_settings(settings, key_prefix="t")
    assert config.enabled
    assert (config.client.quota, config.auth.quota, config.auth.window_s) == (7, 3, 10)
    assert config.key.quota == 1200
    assert config.expensive.quota == 60
    assert config.redis_url == "redis://127.0.0.1:6379/0"
    assert config.key_prefix == "t"
    assert b"p" * 40 not in config.fingerprint_secret
    with pytest.raises(ValueError, match="ACCORD_RATE_LIMIT_EXPENSIVE"):
        RateLimitConfig.from_settings(Settings(_env_file=None, rate_limit_expensive="often"))
