"""W3C trace context as text: what an outbox event stores and a delivery sends.

A webhook delivery happens later than the request that caused it, in the worker, maybe in
another process: the request's span context cannot travel in memory. It is written with
the event as a ``traceparent`` value (55 characters: version, trace id, parent span id,
flags) and read back when the worker delivers it. ``tracestate`` is not kept: Accord puts
nothing in it, and a vendor's state from the caller does not concern the receivers.

Only the OpenTelemetry API is used here (no SDK), so the events package and the worker's
sender depend on nothing that needs configuring.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
TRACEPARENT_LENGTH = 55  # "00-" + 32 hex + "-" + 16 hex + "-" + 2 hex

# W3C trace context only: the global propagator also carries baggage, which a caller's
# request must not smuggle into the receivers' deliveries.
_W3C = TraceContextTextMapPropagator()


def current_traceparent() -> str | None:
    """The current span's context as a ``traceparent`` value; None outside any trace."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    value = carrier.get(TRACEPARENT)
    return value if value is not None and len(value) == TRACEPARENT_LENGTH else None


def context_from(traceparent: str | None) -> Context | None:
    """The parent context a stored ``traceparent`` names; None if absent or malformed (a
    delivery then starts a trace of its own)."""
    if not traceparent:
        return None
    context = _W3C.extract({TRACEPARENT: traceparent})
    if not trace.get_current_span(context).get_span_context().is_valid:
        return None
    return context


def extract(headers: Mapping[str, str]) -> Context:
    """The caller's context from request headers (lower-case names); an invalid or absent
    ``traceparent`` gives an empty context, so a new trace starts."""
    return _W3C.extract(headers)


def inject(headers: MutableMapping[str, str]) -> None:
    """Add the current span's ``traceparent`` to outgoing headers."""
    _W3C.inject(headers)


def ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span in hex, as logs show them; None outside
    any trace."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
