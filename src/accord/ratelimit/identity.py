"""Who is calling, from the request head alone: no database, no body.

The per-client bucket is the client address: the socket peer, or, when the peer is a
trusted proxy, the rightmost address of `X-Forwarded-For` that is not a trusted proxy
(everything left of it could have been written by the client). IPv6 clients are counted
per /64, the block one subscriber usually holds, so rotating addresses buys nothing.
The per-key bucket is a keyed hash of the bearer credential, never the credential.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

from accord.ratelimit.policy import Network

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})
_EXPENSIVE_PATHS = frozenset({"/api/v1/compat/check", "/api/v1/imports/dbt"})
_IMPACT_PATH = re.compile(r"/api/v1/assets/[^/]+/impact")

Address = IPv4Address | IPv6Address


@dataclass(frozen=True, slots=True)
class Caller:
    client: str
    key: str | None
    expensive: bool


def is_expensive(method: str, path: str) -> bool:
    """Compatibility checks, impact analyses and dbt imports: the costly operations."""
    return method == "POST" and (
        path in _EXPENSIVE_PATHS or _IMPACT_PATH.fullmatch(path) is not None
    )


@lru_cache(maxsize=8)
def _keyed(secret: bytes) -> hmac.HMAC:
    """The HMAC state after the secret: copying it halves what a fingerprint costs."""
    return hmac.new(secret, digestmod=hashlib.sha256)


def key_fingerprint(authorization: bytes | None, secret: bytes) -> str | None:
    """The bucket of a `Bearer` credential (parsed as `auth.dependencies` parses it).
    Not remembered by header: that would keep raw credentials in memory, which the
    credential cache (`auth.cache`, keyed by digests) is careful not to. About 2 us."""
    if authorization is None:
        return None
    scheme, _, credential = authorization.partition(b" ")
    credential = credential.strip()
    if scheme.lower() != b"bearer" or not credential:
        return None
    mac = _keyed(secret).copy()
    mac.update(credential)
    return mac.hexdigest()[:32]


@lru_cache(maxsize=4096)
def _parse(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1 : text.find("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    try:
        return ip_address(text)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def bucket_of(address: Address) -> str:
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ip_network(f"{address}/64", strict=False))
    return str(address)


class ClientResolver:
    def __init__(self, trusted: tuple[Network, ...]) -> None:
        self._trusted = trusted

    def is_trusted(self, address: Address) -> bool:
        return any(address in network for network in self._trusted)

    def __call__(self, peer: str | None, forwarded_for: str | None) -> str:
        if peer is None:  # e.g. a Unix socket without a proxy in front
            return "unknown"
        address = _parse(peer)
        if address is None:
            return peer[:64]
        if forwarded_for is None or not self._trusted or not self.is_trusted(address):
            return bucket_of(address)
        nearest = address
        for hop in reversed(forwarded_for.split(",")):
            parsed = _parse(hop)
            if parsed is None:  # a garbled chain: stop at the last hop we trust
                break
            nearest = parsed
            if not self.is_trusted(parsed):
                return bucket_of(parsed)
        return bucket_of(nearest)
