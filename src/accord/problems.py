"""RFC 9457 problem+json for every error, with a stable `code` and the request id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from accord.exceptions import AccordError, DatabaseTroubleError, TooManyRequestsError
from accord.kit.context import current_request_id

PROBLEM_TYPE_BASE = "urn:accord:problem:"
MEDIA_TYPE = "application/problem+json"

log = structlog.get_logger("accord.errors")

_PROBED_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
}


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": current_request_id(),
    }
    if instance is not None:
        body["instance"] = instance
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _db_retry_after(request: Request) -> int:
    state = getattr(request.app.state, "accord", None)
    return int(state.settings.db_retry_after_s) if state is not None else 2


async def _accord_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AccordError)
    headers: dict[str, str] | None = None
    if exc.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, TooManyRequestsError):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, DatabaseTroubleError):
        headers = {"Retry-After": str(exc.retry_after or _db_retry_after(request))}
    return problem_response(
        exc.status,
        exc.instance_code,
        exc.title,
        exc.detail,
        request.url.path,
        exc.extra,
        headers,
    )


def _clean_loc(loc: tuple[int | str, ...]) -> list[int | str]:
    return list(loc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Echo where and why, never the offending input: it may be huge or secret.
    errors = [
        {"loc": _clean_loc(tuple(e.get("loc", ()))), "msg": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()[:50]
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return problem_response(
        422,
        "validation_failed",
        "Validation failed",
        f"{where}: {first['msg']}" if where else str(first["msg"]),
        request.url.path,
        {"errors": errors},
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods(request)}
    return problem_response(
        exc.status_code, code, title, str(exc.detail), request.url.path, headers=headers
    )


def allowed_methods(request: Request) -> str:
    """Every method the request's path answers (RFC 9110 15.5.6). Starlette's own `Allow`
    names only the first route of the path, though GET and POST are separate routes;
    each method is probed against the whole router instead."""
    routes = request.app.router.routes
    methods = [
        method
        for method in _PROBED_METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]
    return ", ".join(methods)


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness first; this is the safety net for a lost race.
    log.warning("integrity_error", error=str(exc.__cause__ or exc)[:500])
    return problem_response(
        409,
        "conflict",
        "Conflict",
        "the change conflicts with the current state; retry or reload",
        request.url.path,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path)
    return problem_response(
        500,
        "internal_error",
        "Internal error",
        "an unexpected error occurred; it has been logged with this request id",
        request.url.path,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(AccordError, _accord_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unexpected)


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is returned."""

    type: str = Field(examples=["urn:accord:problem:team_not_found"])
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable, machine-readable error code.")
    request_id: str | None = Field(description="Also in the X-Request-ID header and the logs.")
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Validation errors: loc, msg, type (422 only)."
    )


PROBLEM_DESCRIPTIONS = {
    400: "Malformed request: invalid X-Request-ID, unparsable body or Content-Length",
    401: "No valid credential",
    403: "The credential lacks the scope or team right",
    404: "Not found in the caller's workspace",
    408: "The request body did not arrive in time",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Invalid input",
    429: "Too many requests: see Retry-After",
    503: "Temporarily unable to answer: retry later",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses."""
    return {
        status: {
            "model": Problem,
            "description": PROBLEM_DESCRIPTIONS[status],
            "content": {MEDIA_TYPE: {}},
        }
        for status in statuses
    }


STANDARD_ERRORS = problem_responses(401, 403, 404, 409, 413, 422, 429)
