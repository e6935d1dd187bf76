"""OpenTelemetry traces: one tracer provider per process, a server span per request.

Sampling is ``ParentBased(TraceIdRatioBased(ACCORD_TRACE_SAMPLE_RATIO))``: a caller's
``traceparent`` decides for its request (and for the webhook deliveries the request
causes, which store it: see `trace_context`); without one, that share of traces is
recorded. Unsampled requests still get trace and span ids, so logs always carry a
``trace_id`` that correlates the lines of one request and its deliveries.

Export is off by default. ``ACCORD_OTLP_ENDPOINT`` adds a batching OTLP/HTTP exporter
(protobuf over HTTP; the exporter's own ``OTEL_EXPORTER_OTLP_*`` variables still apply
for headers and TLS).

Accord does not set the OpenTelemetry *global* provider: it can be set only once per
process, while tests build many apps with different settings. Providers are kept here,
one per distinct (ratio, endpoint), so building many apps creates no more exporter
threads than there are configurations; `tracer()` is the one the last `configure` chose,
which the worker's sender uses.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from accord import __version__
from accord.config import Settings
from accord.telemetry.trace_middleware import TracingMiddleware

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["configure", "install", "tracer"]

INSTRUMENTATION = "accord"

_lock = threading.Lock()
_providers: dict[tuple[float, str | None], TracerProvider] = {}
_current: trace.Tracer | None = None


def _build(ratio: float, endpoint: str | None) -> TracerProvider:
    provider = TracerProvider(
        sampler=ParentBased(root=TraceIdRatioBased(ratio)),
        resource=Resource.create({"service.name": "accord", "service.version": __version__}),
    )
    if endpoint:
        # Imported only when export is on: the exporter pulls in protobuf and requests.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def configure(settings: Settings) -> TracerProvider:
    """The provider for these settings, made once per process and configuration, and
    from now on the one `tracer()` answers with. It flushes its exporter at exit."""
    global _current
    key = (settings.trace_sample_ratio, settings.otlp_endpoint)
    with _lock:
        provider = _providers.get(key)
        if provider is None:
            provider = _providers[key] = _build(*key)
        _current = provider.get_tracer(INSTRUMENTATION, __version__)
    return provider


def tracer() -> trace.Tracer:
    """Accord's tracer: from the configured provider, or the API's no-op one before any
    `configure` (spans are then not recorded, but a parent's trace id still propagates)."""
    return _current or trace.get_tracer(INSTRUMENTATION, __version__)


def install(app: FastAPI, settings: Settings) -> None:
    """Trace every HTTP request of ``app``. Add it last (outermost), so the span covers
    every other middleware and the access log line carries its ids."""
    provider = configure(settings)
    app.add_middleware(TracingMiddleware, tracer=provider.get_tracer(INSTRUMENTATION, __version__))
