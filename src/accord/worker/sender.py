"""One HTTP delivery: sign, guard against SSRF, POST, follow redirects only to safe targets.

aiohttp rather than httpx here: at the worker's concurrency httpx's connection pool costs
about ten times more CPU per request (ADR 0007), and delivery throughput is CPU-bound.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import aiohttp

from accord.webhook import signing
from accord.webhook.ssrf import UnsafeTargetError

MAX_REDIRECTS = 3
_REDIRECTS = (301, 302, 303, 307, 308)
_ERROR_BYTES = 300

Guard = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str | None
    latency_ms: int
    retry_after: str | None = None
    unsafe: bool = False


def new_session(concurrency: int, timeout_s: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency),
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        skip_auto_headers=("User-Agent",),
    )


async def send(
    session: aiohttp.ClientSession,
    url: str,
    *,
    msg_id: str,
    body: bytes,
    secret: bytes,
    timestamp: int,
    guard: Guard,
) -> SendResult:
    """POST once (plus at most three redirect hops, each checked by ``guard`` first)."""
    headers = signing.headers(secret, msg_id, timestamp, body)
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    target = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            await guard(target)
        except UnsafeTargetError as exc:
            return SendResult(None, f"refused: {exc}", elapsed(), unsafe=True)
        try:
            async with session.post(
                target, data=body, headers=headers, allow_redirects=False
            ) as response:
                location = response.headers.get("Location")
                if response.status in _REDIRECTS and location:
                    target = urljoin(target, location)
                    continue
                error = None
                if not 200 <= response.status < 300:
                    text = (await response.content.read(_ERROR_BYTES)).decode(errors="replace")
                    error = text or response.reason or f"HTTP {response.status}"
                return SendResult(
                    response.status, error, elapsed(), response.headers.get("Retry-After")
                )
        except TimeoutError:
            return SendResult(None, "timeout", elapsed())
        except aiohttp.ClientError as exc:
            return SendResult(None, f"{type(exc).__name__}: {exc}"[:500], elapsed())
    return SendResult(None, f"more than {MAX_REDIRECTS} redirects", elapsed(), unsafe=True)
