from __future__ import annotations

from accord.ratelimit.headers import limit_value, policy_value, rate_limit_headers
from accord.ratelimit.policy import parse_policy
from accord.ratelimit.reading import Reading

KEY = parse_policy("key", "S", "1200/minute")
CLIENT = parse_policy("client", "S", "2400/minute")


def test_policy_field_is_an_sf_list_of_named_quotas() -> None:
    assert policy_value([KEY]) == '"key";q=1200;w=60'
    assert policy_value([CLIENT, KEY]) == '"client";q=2400;w=60, "key";q=1200;w=60'
    assert policy_value([parse_policy("auth", "S", "20 per 10 minutes")]) == '"auth";q=20;w=600'


def test_limit_field_carries_remaining_and_reset() -> None:
    readings = [Reading(CLIENT, 9, 41.5), Reading(KEY, 13, 41.5)]
    assert limit_value(readings) == '"client";r=2391;t=42, "key";r=1187;t=42'
    assert rate_limit_headers(readings) == [
        (b"ratelimit-policy", b'"client";q=2400;w=60, "key";q=1200;w=60'),
        (b"ratelimit", b'"client";r=2391;t=42, "key";r=1187;t=42'),
    ]


def test_no_readings_no_headers() -> None:
    assert rate_limit_headers([]) == []
