"""A pure ASGI middleware that puts every HTTP request in a server span.

It continues the caller's W3C ``traceparent`` (or starts a trace) and makes the span
current for everything inside, so the access log, error logs and the outbox events the
request writes all carry its trace id. The span is named after the matched route
template (``POST /api/v1/assets/{asset_id}/versions``), known only once routing ran;
unmatched paths are named by the method alone, so scanners cannot inflate the number of
span names. The request id (set by the request-context middleware inside) is read from
the response headers and recorded on the span, which links a trace to its log lines even
where a backend shows no logs.
"""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.telemetry import trace_context

_REQUEST_ID = b"x-request-id"


_TRACE_HEADERS = (b"traceparent", b"tracestate")
_NO_PARENT = Context()


def _parent(scope: Scope) -> Context:
    """The caller's context from the trace headers of the request (ASGI header names are
    already lower case); without them, an empty one: a new trace starts."""
    carrier = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name in _TRACE_HEADERS
    }
    return trace_context.extract(carrier) if carrier else _NO_PARENT


def _route(scope: Scope) -> str | None:
    """The matched route's template, with the prefix of any mount it sits under."""
    path = getattr(scope.get("route"), "path", None)
    if not isinstance(path, str):
        return None
    return f"{scope.get('root_path', '')}{path}"


class TracingMiddleware:
    def __init__(self, app: ASGIApp, *, tracer: trace.Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        # Started, made current and ended by hand rather than with
        # `start_as_current_span`: its generator-based context manager cost a third of
        # this middleware's time on every request (issue 21).
        span = self.tracer.start_span(
            method,
            context=_parent(scope),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope.get("path", "")},
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        recording = span.is_recording()  # unsampled: the ids propagate, nothing is kept

        async def send_traced(message: Message) -> None:
            if message["type"] == "http.response.start":
                _record_response(span, message)
            await send(message)

        try:
            await self.app(scope, receive, send_traced if recording else send)
        except BaseException as exc:
            if recording and isinstance(exc, Exception):
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            if recording:
                route = _route(scope)
                if route is not None:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
            otel_context.detach(token)
            span.end()


def _record_response(span: trace.Span, message: Message) -> None:
    status = int(message["status"])
    span.set_attribute("http.response.status_code", status)
    if status >= 500:  # a 4xx is the caller's error, not the server's (semantic conventions)
        span.set_status(Status(StatusCode.ERROR))
    for name, value in message.get("headers", ()):
        if name == _REQUEST_ID:
            span.set_attribute("accord.request_id", bytes(value).decode("latin-1"))
            break
