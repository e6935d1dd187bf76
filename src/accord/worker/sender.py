"""One HTTP delivery: sign, guard against SSRF, POST, follow redirects only to safe targets."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from accord.webhook import signing
from accord.webhook.ssrf import UnsafeTargetError, check_target

MAX_REDIRECTS = 3
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str | None
    latency_ms: int
    retry_after: str | None = None
    unsafe: bool = False


async def send(
    client: httpx.AsyncClient,
    url: str,
    *,
    msg_id: str,
    body: bytes,
    secret: bytes,
    timestamp: int,
    allow_private: bool,
) -> SendResult:
    headers = signing.headers(secret, msg_id, timestamp, body)
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    target = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            await check_target(target, allow_private)
        except UnsafeTargetError as exc:
            return SendResult(None, f"refused: {exc}", elapsed(), unsafe=True)
        try:
            response = await client.post(target, content=body, headers=headers)
        except httpx.TimeoutException:
            return SendResult(None, "timeout", elapsed())
        except httpx.HTTPError as exc:
            return SendResult(None, f"{type(exc).__name__}: {exc}"[:500], elapsed())
        location = response.headers.get("location")
        if response.status_code in _REDIRECTS and location:
            target = urljoin(target, location)
            continue
        error = None if response.is_success else response.text[:300] or response.reason_phrase
        return SendResult(
            response.status_code, error, elapsed(), response.headers.get("retry-after")
        )
    return SendResult(None, f"more than {MAX_REDIRECTS} redirects", elapsed(), unsafe=True)
