"""Refuse webhook targets on loopback, private, link-local and other non-public addresses.

Checked when a subscription is saved and again before every delivery and redirect hop
(DNS can change in between). `ACCORD_WEBHOOK_ALLOW_PRIVATE=true` lifts the rule for
deployments whose receivers live on an internal network (and for local testing).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeTargetError(ValueError):
    """The URL is not an acceptable webhook target."""


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return _is_public(embedded)
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


def check_url_shape(url: str) -> tuple[str, int]:
    """Scheme, host and port only; no I/O. Returns (host, port)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeTargetError("webhook URLs must use http or https")
    if not parts.hostname:
        raise UnsafeTargetError("webhook URL has no host")
    if parts.username or parts.password:
        raise UnsafeTargetError("webhook URLs must not embed credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTargetError("webhook URL has an invalid port") from None
    return parts.hostname, port


async def resolve(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeTargetError(f"cannot resolve {host}: {exc.strerror or exc}") from None
    return sorted({str(info[4][0]) for info in infos})


async def check_target(url: str, allow_private: bool) -> None:
    host, port = check_url_shape(url)
    if allow_private:
        return
    for address in await resolve(host, port):
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not _is_public(ip):
            raise UnsafeTargetError(
                f"{host} resolves to {address}, a non-public address; refused "
                "(set ACCORD_WEBHOOK_ALLOW_PRIVATE=true to allow internal receivers)"
            )
