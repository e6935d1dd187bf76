from __future__ import annotations

import pytest

from accord.ratelimit.identity import ClientResolver, is_expensive, key_fingerprint
from accord.ratelimit.policy import parse_trusted_proxies

SECRET = b"s" * 32


def test_the_fingerprint_is_a_keyed_hash_never_the_key() -> None:
    key = b"acd_0123456789abcdefghijABCDEFGHIJxyzXYZ"
    print_ = key_fingerprint(b"Bearer " + key, SECRET)
    assert print_ is not None
    assert len(print_) == 32
    assert key.decode() not in print_
    # Parsed as authentication parses it: scheme case-insensitive, credential stripped.
    assert key_fingerprint(b"bearer  " + key + b" ", SECRET) == print_
    assert key_fingerprint(b"Bearer " + key, b"other-secret" * 3) != print_
    assert key_fingerprint(b"Bearer other", SECRET) != print_


def test_raw_credentials_are_not_remembered() -> None:
    """Rate limiting keeps no table of raw headers (a memory dump would list live keys):
    only the secret's HMAC state is kept, and fingerprints are recomputed."""
    key = b"acd_" + b"r" * 36
    first = key_fingerprint(b"Bearer " + key, SECRET)
    assert key_fingerprint(b"Bearer " + key, SECRET) == first
    assert not hasattr(key_fingerprint, "cache_info")  # no functools cache by header


@pytest.mark.parametrize("header", [None, b"Basic dXNlcjpwdw==", b"Bearer", b"Bearer   "])
def test_no_bearer_credential_no_key_bucket(header: bytes | None) -> None:
    assert key_fingerprint(header, SECRET) is None


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/api/v1/compat/check", True),
        ("POST", "/api/v1/imports/dbt", True),
        ("POST", "/api/v1/assets/0190e3c1-aaaa-7bbb-8ccc-123456789abc/impact", True),
        ("GET", "/api/v1/compat/check", False),
        ("POST", "/api/v1/assets/x/impact/more", False),
        ("POST", "/api/v1/assets/impact", False),
        ("POST", "/api/v1/assets", False),
    ],
)
def test_expensive_routes(method: str, path: str, expected: bool) -> None:
    assert is_expensive(method, path) is expected


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    resolve = ClientResolver(())
    assert resolve("198.51.100.7", "203.0.113.1") == "198.51.100.7"
    assert resolve("198.51.100.7", None) == "198.51.100.7"
    assert resolve(None, None) == "unknown"
    assert resolve("testclient", None) == "testclient"


def test_ipv6_clients_are_counted_per_64_and_mapped_v4_as_v4() -> None:
    resolve = ClientResolver(())
    assert resolve("2001:db8:1:2::1", None) == "2001:db8:1:2::/64"
    assert resolve("2001:db8:1:2:ffff::9", None) == "2001:db8:1:2::/64"
    assert resolve("::ffff:198.51.100.7", None) == "198.51.100.7"


@pytest.fixture
def behind_proxies() -> ClientResolver:
    return ClientResolver(parse_trusted_proxies(["10.0.0.0/8", "2001:db8:ffff::1"]))


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # From a trusted proxy: the rightmost untrusted hop; what the client wrote is left.
        ("10.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("10.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        ("10.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        ("2001:db8:ffff::1", "[2001:db8:5::1]:4711", "2001:db8:5::/64"),
        ("10.0.0.1", "203.0.113.9:51000", "203.0.113.9"),
        # Every hop trusted: the farthest one we know.
        ("10.0.0.1", "10.9.9.9, 10.0.0.2", "10.9.9.9"),
        # A garbled hop: stop at the nearest trusted address rather than guess.
        ("10.0.0.1", "203.0.113.9, garbage", "10.0.0.1"),
        ("10.0.0.1", "203.0.113.9, garbage, 10.0.0.2", "10.0.0.2"),
        # Not from a trusted proxy: X-Forwarded-For is the client's own claim, ignored.
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),
        ("10.0.0.1", None, "10.0.0.1"),
    ],
)
def test_forwarded_for_only_from_trusted_proxies(
    behind_proxies: ClientResolver, peer: str, forwarded: str | None, client: str
) -> None:
    assert behind_proxies(peer, forwarded) == client
