"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs time on every request).

RequestContextMiddleware: validates or generates X-Request-ID, binds it for logs and
the audit ledger, echoes it on every response with the security headers, logs one access
line, and renders any error that escapes the app as a 500 problem carrying the request id.
BodyLimitMiddleware: decides how much body a request may send *before* reading it (the
caller is authenticated from its headers first), reads it with a deadline, spools large
bodies to disk, and refuses JSON nested deeper than the limit.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import IO

import structlog
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.auth.principal import Principal
from accord.auth.principal import Scope as AuthScope
from accord.exceptions import DatabaseTroubleError
from accord.kit.context import request_id_var
from accord.kit.jsondepth import deeper_than, json_text_problem, nul_escape
from accord.problems import problem_response

REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_CHUNK = 64 * 1024

access_log = structlog.get_logger("accord.access")
error_log = structlog.get_logger("accord.errors")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    """Sent on every response: no sniffing, no framing, no referrer, HSTS over HTTPS.
    `frame-ancestors` alone (no `default-src`) keeps /docs, which loads its assets, usable."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", b"frame-ancestors 'none'"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.extra_headers = security_headers(https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = _header(scope, REQUEST_ID_HEADER)
        supplied = raw.decode("latin-1") if raw is not None else None
        valid = supplied is not None and _REQUEST_ID_RE.fullmatch(supplied) is not None
        request_id = supplied if valid and supplied else os.urandom(16).hex()  # 128 random bits
        token = request_id_var.set(request_id)  # logs read it (`logging.add_request_id`)
        started = time.perf_counter()
        status: dict[str, int] = {"code": 0}
        api = scope.get("path", "").startswith("/api/")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                present = {name.lower() for name, _ in headers}
                # A part of the app with its own policy (the web UI's CSP) keeps it.
                headers.extend(h for h in self.extra_headers if h[0] not in present)
                if api:  # answers to credentialed calls are never for shared caches
                    headers.append((b"cache-control", b"no-store"))
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
        except Exception:
            # Starlette's last-resort handler sits outside this middleware, where the
            # request id is gone: answer here so every 500 carries it (header and body).
            error_log.exception("unhandled_error", path=scope.get("path"))
            if status["code"]:
                raise  # the response has started; nothing sound can be sent any more
            response = problem_response(
                500,
                "internal_error",
                "Internal error",
                "an unexpected error occurred; it has been logged with this request id",
                scope.get("path"),
            )
            await response(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status["code"],
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            request_id_var.reset(token)


Authenticator = Callable[[Scope], Awaitable[Principal | None]]
# The web UI's page for a refusal answered here (scope, status, title, detail), or None
# where the path is not the UI's: errors under /ui are pages, as the routes' own are.
RefusalPage = Callable[[Scope, int, str, str], Response | None]


@dataclass(frozen=True)
class BodyLimits:
    default: int  # an authenticated caller, any route
    unauthenticated: int  # before (or without) a valid credential
    write_routes: dict[str, int]  # exact paths with a larger limit for write keys
    read_timeout_s: float
    spool_bytes: int
    max_depth: int


class _Refused(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.title, self.detail = status, code, title, detail


class BodyLimitMiddleware:
    """Bodies are read only after the caller is known, and only as much as it may send.

    A path or query string holding ``%00`` (the NUL character, which PostgreSQL's text
    cannot hold) is 422 for every method; GET/HEAD/OPTIONS then pass through. For the
    rest, ``authenticate`` resolves the principal from the headers (it raises only
    `DatabaseTroubleError`, answered 503 here; the route's dependency gives the real 401
    later; `auth.gate` remembers it so the request does not look the key up twice).
    The limit is then ``unauthenticated`` (64 KiB by default) without a valid
    key, ``write_routes[path]`` (the dbt import) for a key with write scope, ``default``
    otherwise; a declared Content-Length over it is refused before a byte is read. The
    body must arrive within ``read_timeout_s`` (408); above ``spool_bytes`` it goes to a
    temporary file rather than memory; a JSON body nested deeper than ``max_depth``, or
    holding what no JSON document can or the NUL character, is 422, and so is a form
    holding the NUL character (`_refused_content`).
    """

    def __init__(
        self,
        app: ASGIApp,
        limits: BodyLimits,
        authenticate: Authenticator,
        page: RefusalPage | None = None,
    ) -> None:
        self.app = app
        self.limits = limits
        self.authenticate = authenticate
        self.page = page

    def _refusal(
        self,
        scope: Scope,
        refused: _Refused,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The answer to a request refused here: the web UI's page for it (``page``, under
        /ui), else problem+json."""
        found = (
            self.page(scope, refused.status, refused.title, refused.detail) if self.page else None
        )
        if found is None:
            return problem_response(
                refused.status, refused.code, refused.title, refused.detail, scope.get("path"),
                headers=headers,
            )  # fmt: skip
        found.headers.update(headers or {})
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nul = _nul_in_target(scope)
        if nul is not None:
            in_target = _Refused(422, "nul_character", "Validation failed", nul)
            await self._refusal(scope, in_target)(scope, receive, send)
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.authenticate(scope)
        except DatabaseTroubleError as trouble:  # the key could not be looked up: 503
            state = getattr(scope["app"].state, "accord", None)
            retry = trouble.retry_after or (state.settings.db_retry_after_s if state else 2)
            busy = _Refused(trouble.status, trouble.instance_code, trouble.title, trouble.detail)
            answer = self._refusal(scope, busy, {"Retry-After": str(retry)})
            await answer(scope, receive, send)
            return
        limit, why = self._limit(scope, principal)
        try:
            declared = self._declared_length(scope)
            if declared is not None and declared > limit:
                raise _too_large(limit, why)
            body, size = await self._read(receive, limit, why)
        except _Refused as refused:
            await self._refusal(scope, refused)(scope, receive, send)
            return
        except _Disconnected:
            return
        try:
            unfit = self._refused_content(scope, body)
            if unfit is not None:
                code, detail = unfit
                unfit_body = _Refused(422, code, "Validation failed", detail)
                await self._refusal(scope, unfit_body)(scope, receive, send)
                return
            await self.app(scope, _replay(body, size, receive), send)
        finally:
            body.close()

    def _limit(self, scope: Scope, principal: Principal | None) -> tuple[int, str]:
        if principal is None:
            return self.limits.unauthenticated, " before authentication; send a valid key"
        route = self.limits.write_routes.get(scope.get("path", ""))
        if route is not None and principal.has(AuthScope.write):
            return route, ""
        return self.limits.default, ""

    @staticmethod
    def _declared_length(scope: Scope) -> int | None:
        declared = _header(scope, b"content-length")
        if declared is None:
            return None
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            raise _Refused(400, "bad_request", "Bad request", "invalid Content-Length header")
        return length

    async def _read(self, receive: Receive, limit: int, why: str) -> tuple[IO[bytes], int]:
        """The whole body and its size, within the limit and the deadline, in a (spooled)
        file."""
        # Closed by the caller once the app has read it (or here on failure).
        body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=self.limits.spool_bytes)  # noqa: SIM115
        size = 0
        deadline = time.monotonic() + self.limits.read_timeout_s
        try:
            while True:
                left = deadline - time.monotonic()
                try:
                    message = await asyncio.wait_for(receive(), max(left, 0.001))
                except TimeoutError:
                    raise _Refused(
                        408,
                        "request_timeout",
                        "Request timeout",
                        f"the body did not arrive within {self.limits.read_timeout_s:g} s",
                    ) from None
                if message["type"] == "http.disconnect":
                    raise _Disconnected
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit, why)
                body.write(chunk)
                if not message.get("more_body", False):
                    break
        except BaseException:
            body.close()
            raise
        body.seek(0)
        return body, size

    def _refused_content(self, scope: Scope, body: IO[bytes]) -> tuple[str, str] | None:
        """(code, detail) for a body of a JSON or form content type that the app must not
        see (`_not_json`; a form field holding the NUL character), else None."""
        kind = (_header(scope, b"content-type") or b"application/json").split(b";")[0].strip()
        if kind == b"application/json" or kind.endswith(b"+json"):
            return self._not_json(body)
        if kind in _FORMS:
            data = body.read()
            body.seek(0)
            if b"\x00" in data or (kind == _URLENCODED and b"%00" in data):
                return "nul_character", _nul("the form holds %00")
        return None

    def _not_json(self, body: IO[bytes]) -> tuple[str, str] | None:
        """(code, detail) for a JSON body no parser should see: nested too deep, or holding
        what Python's parser reads and no JSON document can (NaN, a number past a double's
        range, half a surrogate pair: `kit.jsondepth.json_text_problem`)."""
        # Spooled bodies are read back once here; every scan is linear (kit/jsondepth).
        data = body.read()
        body.seek(0)
        if deeper_than(data, self.limits.max_depth):
            return (
                "nesting_too_deep",
                f"the JSON body nests deeper than {self.limits.max_depth} levels",
            )
        held = json_text_problem(data)
        if held is not None:
            return "invalid_json", f"the JSON body holds {held}"
        if nul_escape(data):
            return "nul_character", _nul("the JSON body holds \\u0000")
        return None


class _Disconnected(Exception):
    pass


_URLENCODED = b"application/x-www-form-urlencoded"
_FORMS = (_URLENCODED, b"multipart/form-data")


def _nul(where: str) -> str:
    return (
        f"{where}, the NUL character, which Accord stores nowhere (PostgreSQL's text cannot "
        "hold it, so neither backend takes it); a pattern can still match it with the regex "
        "escape \\u0000, written \\\\u0000 in JSON"
    )


def _nul_in_target(scope: Scope) -> str | None:
    """What the path or query string holds that is the NUL character, percent-encoded (a
    request line cannot carry it raw), else None: every query would fail on PostgreSQL."""
    if "\x00" in scope.get("path", ""):
        return _nul("the path holds %00")
    if b"%00" in scope.get("query_string", b""):
        return _nul("the query string holds %00")
    return None


def _too_large(limit: int, why: str) -> _Refused:
    return _Refused(
        413, "payload_too_large", "Payload too large", f"request body exceeds {limit} bytes{why}"
    )


def _replay(body: IO[bytes], size: int, receive: Receive) -> Receive:
    """Hand the app the body in chunks, then whatever the server sends next."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if not done:
            chunk = body.read(_CHUNK)
            done = body.tell() >= size
            return {"type": "http.request", "body": chunk, "more_body": not done}
        return await receive()

    return replay
