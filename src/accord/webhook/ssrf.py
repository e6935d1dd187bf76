"""Refuse webhook targets on loopback, private, link-local and other non-public addresses.

The check and the connection use ONE resolution: `VettingResolver` is the resolver of the
worker's aiohttp connector; it resolves a name once, refuses it if any answer is not
public, and hands aiohttp exactly the answers it vetted, so a DNS answer that changes
between check and connect (rebinding) is never connected to. aiohttp does not ask the
resolver about IP literals, so `vet_url` checks those (and the URL's shape) before each
request. Subscriptions are checked the same way when saved.

`ACCORD_WEBHOOK_ALLOW_PRIVATE=true` lifts the address rule for deployments whose
receivers live on an internal network (and for local testing).

Errors carry two texts: ``str(exc)`` is the detail for the log (it may name what a host
resolves to); ``exc.reason`` never names an address or quotes the resolver, and is what
may be stored or shown.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressRule = Callable[[IPAddress], bool]


class UnsafeTargetError(ValueError):
    """The URL is not an acceptable webhook target."""

    def __init__(self, detail: str, reason: str = "target refused") -> None:
        super().__init__(detail)
        self.reason = reason


class UnresolvableTargetError(UnsafeTargetError):
    """The host did not resolve (maybe for a while only: DNS can fail transiently)."""


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return is_public(embedded)
        if ip.teredo is not None or ip.is_site_local:
            return False
    if (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    return ip.is_global


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def check_url_shape(url: str) -> tuple[str, int]:
    """Scheme, host and port only; no I/O. Returns (host, port)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeTargetError("webhook URLs must use http or https", "unsupported scheme")
    if not parts.hostname:
        raise UnsafeTargetError("webhook URL has no host", "no host")
    if parts.username or parts.password:
        raise UnsafeTargetError("webhook URLs must not embed credentials", "credentials in URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTargetError("webhook URL has an invalid port", "invalid port") from None
    return parts.hostname, port


class VettingResolver(AbstractResolver):
    """An aiohttp resolver that only ever returns addresses it has vetted.

    ``base`` does the actual lookup (the system resolver by default). ``rule`` decides
    which addresses are acceptable (public ones); ``allow_private`` accepts all.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        base: AbstractResolver | None = None,
        rule: AddressRule = is_public,
    ) -> None:
        self.allow_private = allow_private
        self._base = base
        self._rule = rule

    def acceptable(self, ip: IPAddress) -> bool:
        return self.allow_private or self._rule(ip)

    def vet_url(self, url: str) -> None:
        """Shape, and the address itself when the host is an IP literal (no I/O)."""
        host, _ = check_url_shape(url)
        ip = _literal(host)
        if ip is not None and not self.acceptable(ip):
            raise UnsafeTargetError(
                f"{host} is a non-public address", "the URL names a non-public address"
            )

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        ip = _literal(host)
        if ip is not None:
            kind = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            answers = [
                ResolveResult(hostname=host, host=host, port=port, family=kind, proto=0, flags=0)
            ]
        else:
            if self._base is None:  # built here: it needs the running loop
                self._base = ThreadedResolver()
            try:
                answers = await self._base.resolve(host, port, family)
            except OSError as exc:
                raise UnresolvableTargetError(
                    f"cannot resolve {host}: {exc.strerror or exc}", "the host did not resolve"
                ) from None
        if not answers:
            raise UnresolvableTargetError(f"{host} has no address", "the host did not resolve")
        for answer in answers:
            address = _literal(answer["host"])
            if address is None or not self.acceptable(address):
                raise UnsafeTargetError(
                    f"{host} resolves to {answer['host']}, a non-public address; refused "
                    "(set ACCORD_WEBHOOK_ALLOW_PRIVATE=true to allow internal receivers)",
                    "the host resolves to a non-public address",
                )
        return answers

    async def close(self) -> None:
        if self._base is not None:
            await self._base.close()


async def check_target(url: str, allow_private: bool) -> None:
    """The save-time check: the same vetting the worker's connections go through."""
    vetting = VettingResolver(allow_private=allow_private)
    vetting.vet_url(url)
    if allow_private:
        return  # no lookup: internal names may only resolve where the worker runs
    host, port = check_url_shape(url)
    if _literal(host) is None:
        await vetting.resolve(host, port, socket.AF_UNSPEC)
