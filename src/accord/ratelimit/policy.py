"""The four rate-limit policies and everything else the limiter needs, parsed once.

`RateLimitConfig.from_settings` runs inside `create_app`, so a limit that does not parse
(`ACCORD_RATE_LIMIT_PER_KEY=lots`) stops the service at start-up with the variable's name,
never on the first request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network

from limits import parse_many

from accord.config import Settings

Network = IPv4Network | IPv6Network

DEFAULT_KEY_PREFIX = "accord:rl"


@dataclass(frozen=True, slots=True)
class Policy:
    """One quota: `name` is what the RateLimit headers and the metrics call it."""

    name: str
    quota: int
    window_s: int

    def bucket(self, identity: str) -> str:
        """The counter's key. A changed quota or window starts afresh."""
        return f"{self.name}:{self.quota}/{self.window_s}:{identity}"


def parse_policy(name: str, setting: str, value: str) -> Policy:
    """`value` in the `limits` notation ("1200/minute", "10 per second"); one limit only.

    `limits` is used for this notation only: counting is ours (see `counters`).
    """
    hint = f"{setting}={value!r} is not a rate limit; write e.g. '1200/minute'"
    try:
        items = parse_many(value)
    except ValueError as exc:
        raise ValueError(f"{hint} ({exc})") from None
    if len(items) != 1:
        raise ValueError(f"{setting}={value!r}: give exactly one limit, e.g. '1200/minute'")
    if items[0].amount < 1:
        raise ValueError(f"{setting}={value!r}: the limit must allow at least one request")
    return Policy(name, items[0].amount, items[0].get_expiry())


def parse_trusted_proxies(entries: list[str]) -> tuple[Network, ...]:
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"ACCORD_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(e.g. 10.0.0.5 or 10.0.0.0/8)"
            ) from None
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    enabled: bool
    client: Policy
    key: Policy
    expensive: Policy
    auth: Policy
    trusted_proxies: tuple[Network, ...]
    redis_url: str | None
    # Derived from the pepper: instances of one deployment agree on a key's bucket, and
    # Redis never holds anything that could be matched to the database's key hashes.
    fingerprint_secret: bytes
    key_prefix: str = DEFAULT_KEY_PREFIX
    backoff_s: float = 5.0
    redis_timeout_s: float = 0.25

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        backoff_s: float = 5.0,
        redis_timeout_s: float = 0.25,
    ) -> RateLimitConfig:
        pepper = settings.issuing_pepper.encode("utf-8")
        redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
        return cls(
            enabled=settings.rate_limit_enabled,
            client=parse_policy(
                "client", "ACCORD_RATE_LIMIT_PER_CLIENT", settings.rate_limit_per_client
            ),
            key=parse_policy("key", "ACCORD_RATE_LIMIT_PER_KEY", settings.rate_limit_per_key),
            expensive=parse_policy(
                "expensive", "ACCORD_RATE_LIMIT_EXPENSIVE", settings.rate_limit_expensive
            ),
            auth=parse_policy(
                "auth", "ACCORD_RATE_LIMIT_AUTH_FAILURES", settings.rate_limit_auth_failures
            ),
            trusted_proxies=parse_trusted_proxies(settings.trusted_proxies),
            redis_url=redis_url or None,
            fingerprint_secret=hashlib.sha256(b"accord:ratelimit\x00" + pepper).digest(),
            key_prefix=key_prefix,
            backoff_s=backoff_s,
            redis_timeout_s=redis_timeout_s,
        )
