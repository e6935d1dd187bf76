"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs time on every request).

RequestContextMiddleware: validates or generates X-Request-ID, binds it for logs and
the audit ledger, echoes it on every response, logs one access line.
BodyLimitMiddleware: refuses bodies over the limit with 413 before the app reads them.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.kit.context import request_id_var
from accord.problems import problem_response

REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

access_log = structlog.get_logger("accord.access")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = _header(scope, REQUEST_ID_HEADER)
        supplied = raw.decode("latin-1") if raw is not None else None
        valid = supplied is not None and _REQUEST_ID_RE.fullmatch(supplied) is not None
        request_id = supplied if valid and supplied else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status: dict[str, int] = {"code": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if supplied is not None and not valid:
                response = problem_response(
                    400,
                    "invalid_request_id",
                    "Bad request",
                    "X-Request-ID must be 1-128 chars of letters, digits and . _ : -",
                    scope.get("path"),
                )
                await response(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status["code"],
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """`max_bytes` for every route, except the exact paths of `route_limits`."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, route_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_max = max_bytes
        self.route_limits = route_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        max_bytes = self.route_limits.get(scope.get("path", ""), self.default_max)
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                await self._reject(scope, receive, send, 400, "invalid Content-Length header")
                return
            if length > max_bytes:
                await self._too_large(scope, receive, send, max_bytes)
                return
        # Read (at most the limit) up front, then replay: a chunked body cannot sneak past.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > max_bytes:
                await self._too_large(scope, receive, send, max_bytes)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await self._reject(scope, receive, send, 413, f"request body exceeds {limit} bytes")

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, status: int, detail: str
    ) -> None:
        code = "payload_too_large" if status == 413 else "bad_request"
        title = "Payload too large" if status == 413 else "Bad request"
        response = problem_response(status, code, title, detail, scope.get("path"))
        await response(scope, receive, send)
