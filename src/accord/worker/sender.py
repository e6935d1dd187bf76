"""One HTTP delivery: sign, POST to the vetted address, follow same-origin redirects only.

Connections go through `VettingResolver` (webhook/ssrf.py): the address checked is the
address connected to. A redirect to another origin (scheme, host or port) is not followed:
the signed body goes nowhere the subscription did not name. Every failure gets a stable
class (`ErrorClass`), which anyone managing the subscription may read; the detail text,
shown to admins only, is bounded and never names an address.

Each delivery is a span (`deliver`), a child of the trace context stored with its event
when the request that caused it ran, and sends that span as ``traceparent``: a receiver
(and a trace backend) sees the delivery in the trace of the request that caused it. Its
log lines carry that request's id. A delivery with no stored context starts a trace.

aiohttp rather than httpx here: at the worker's concurrency httpx's connection pool costs
about ten times more CPU per request (ADR 0007), and delivery throughput is CPU-bound.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

import aiohttp
import structlog
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from accord.telemetry import trace_context, tracing
from accord.webhook import signing
from accord.webhook.ssrf import UnresolvableTargetError, UnsafeTargetError, VettingResolver

MAX_REDIRECTS = 3
_REDIRECTS = (301, 302, 303, 307, 308)
# The most of a failing receiver's body ever kept (for admins: it may be an internal
# service's error page).
ERROR_SNIPPET_BYTES = 200

log = structlog.get_logger("accord.worker")


class ErrorClass(StrEnum):
    http_3xx = "http_3xx"
    http_4xx = "http_4xx"
    http_5xx = "http_5xx"
    timeout = "timeout"
    connection = "connection"
    tls = "tls"
    dns = "dns"
    unsafe_target = "unsafe_target"
    redirect_refused = "redirect_refused"
    too_many_redirects = "too_many_redirects"
    subscription_inactive = "subscription_inactive"
    secret_unavailable = "secret_unavailable"  # its pepper is gone: rotate the secret


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str | None
    latency_ms: int
    retry_after: str | None = None
    permanent: bool = False  # dead letter whatever the status code says
    error_class: ErrorClass | None = None


@dataclass
class WebhookClient:
    """The worker's HTTP session and the resolver every one of its connections uses."""

    http: aiohttp.ClientSession
    vetting: VettingResolver

    async def __aenter__(self) -> WebhookClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()
        await self.vetting.close()


def new_client(concurrency: int, timeout_s: float, vetting: VettingResolver) -> WebhookClient:
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency, resolver=vetting),
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        skip_auto_headers=("User-Agent",),
        # No proxy from the environment: through a proxy, the resolver would vet the
        # proxy's address, not the receiver's.
        trust_env=False,
    )
    return WebhookClient(http, vetting)


def _origin(url: str) -> tuple[str, str, int] | None:
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    except ValueError:
        return None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    origin = _origin(a)
    return origin is not None and origin == _origin(b)


def _http_class(status: int) -> ErrorClass:
    if status >= 500:
        return ErrorClass.http_5xx
    return ErrorClass.http_4xx if status >= 400 else ErrorClass.http_3xx


def _describe(exc: aiohttp.ClientError) -> str:
    """The kind of failure, without the address aiohttp puts in its messages."""
    reason = ""
    if isinstance(exc, aiohttp.ClientConnectorError) and exc.os_error.errno:
        reason = os.strerror(exc.os_error.errno)
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


async def send(
    client: WebhookClient,
    url: str,
    *,
    msg_id: str,
    body: bytes,
    secret: bytes,
    timestamp: int,
    traceparent: str | None = None,
    request_id: str | None = None,
) -> SendResult:
    """POST once (plus at most three same-origin redirect hops), in a span that continues
    ``traceparent`` (the event's stored context); log lines carry ``request_id``."""
    with (
        structlog.contextvars.bound_contextvars(
            **({"request_id": request_id} if request_id else {})
        ),
        tracing.tracer().start_as_current_span(
            "deliver",
            context=trace_context.context_from(traceparent),
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": "POST", "accord.event_id": msg_id},
        ) as span,
    ):
        headers = signing.headers(secret, msg_id, timestamp, body)
        trace_context.inject(headers)
        result = await _post(client, url, body, headers)
        _record(span, result)
        return result


def _record(span: Span, result: SendResult) -> None:
    """The outcome on the span, and a log line for a failure (receivers' trouble is what
    an operator looks for)."""
    if result.status_code is not None:
        span.set_attribute("http.response.status_code", result.status_code)
    if result.error_class is None:
        return
    span.set_status(Status(StatusCode.ERROR, result.error_class.value))
    span.set_attribute("error.type", result.error_class.value)
    log.info(
        "webhook_delivery_failed",
        error_class=result.error_class.value,
        status_code=result.status_code,
        latency_ms=result.latency_ms,
    )


async def _post(
    client: WebhookClient, url: str, body: bytes, headers: dict[str, str]
) -> SendResult:
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    target = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            client.vetting.vet_url(target)
            async with client.http.post(
                target, data=body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                location = response.headers.get("Location")
                if status in _REDIRECTS and location:
                    following = urljoin(target, location)
                    if not same_origin(target, following):
                        log.warning("webhook_redirect_refused", url=target, location=following)
                        return SendResult(
                            status, "redirect to another origin not followed", elapsed(),
                            permanent=True, error_class=ErrorClass.redirect_refused,
                        )  # fmt: skip
                    target = following
                    continue
                if 200 <= status < 300:
                    return SendResult(status, None, elapsed())
                snippet = await response.content.read(ERROR_SNIPPET_BYTES)
                return SendResult(
                    status,
                    snippet.decode(errors="replace") or response.reason or f"HTTP {status}",
                    elapsed(),
                    response.headers.get("Retry-After"),
                    error_class=_http_class(status),
                )
        except UnresolvableTargetError as exc:
            log.info("webhook_target_unresolvable", url=target, detail=str(exc))
            return SendResult(None, exc.reason, elapsed(), error_class=ErrorClass.dns)
        except UnsafeTargetError as exc:
            log.warning("webhook_target_refused", url=target, detail=str(exc))
            return SendResult(
                None, f"refused: {exc.reason}", elapsed(),
                permanent=True, error_class=ErrorClass.unsafe_target,
            )  # fmt: skip
        except TimeoutError:
            return SendResult(None, "timeout", elapsed(), error_class=ErrorClass.timeout)
        except (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch) as exc:
            return SendResult(None, _describe(exc), elapsed(), error_class=ErrorClass.tls)
        except aiohttp.ClientError as exc:
            return SendResult(None, _describe(exc), elapsed(), error_class=ErrorClass.connection)
    return SendResult(
        None, f"more than {MAX_REDIRECTS} redirects", elapsed(),
        permanent=True, error_class=ErrorClass.too_many_redirects,
    )  # fmt: skip
