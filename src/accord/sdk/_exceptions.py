"""Every error the SDK raises. Catch ``AccordError`` for all of them.

    AccordError
    ├── TransportError                 the server could not be reached or did not answer
    │   └── RequestTimeoutError        ... within the client's timeout
    ├── UnexpectedResponseError        a 2xx whose body is not what the API promises
    └── APIError                       the server answered with an error (RFC 9457 problem)
        ├── BadRequestError            400
        ├── AuthenticationError        401  missing, unknown, revoked or expired key
        ├── PermissionDeniedError      403  known key without the scope or team right
        ├── NotFoundError              404  missing, or in another workspace
        ├── ConflictError              409  state conflict (version order, open proposal, ...)
        ├── PayloadTooLargeError       413
        ├── ValidationError            422  ``.errors`` lists loc / msg / type
        ├── RateLimitError             429
        └── ServerError                5xx

Other statuses raise ``APIError`` itself. ``APIError.code`` is the server's stable,
machine-readable code (``asset_not_found``, ``proposal_not_approved``, ...): branch on it,
not on ``detail``, which is prose for humans.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIError",
    "AccordError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "error_from_response",
]


class AccordError(Exception):
    """Base class of every exception raised by ``accord.sdk``."""


class TransportError(AccordError):
    """The request did not get an HTTP answer (connection refused, DNS, TLS, reset)."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class RequestTimeoutError(TransportError):
    """No answer within the client's timeout."""


class UnexpectedResponseError(AccordError):
    """A success status whose body does not match the API contract (wrong server?)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class APIError(AccordError):
    """The server answered with an error status.

    ``problem`` is the full RFC 9457 body (empty when the body was not problem+json, e.g.
    from a proxy); ``status``, ``code``, ``detail`` and ``request_id`` are read from it.
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        request_id: str | None = None,
        problem: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.request_id = request_id
        self.problem: dict[str, Any] = problem or {}


class BadRequestError(APIError):
    """400: the request is malformed (e.g. a body that is not JSON)."""


class AuthenticationError(APIError):
    """401: no key, or a key that is unknown, revoked or expired."""


class PermissionDeniedError(APIError):
    """403: a valid key without the scope or team right for this action."""


class NotFoundError(APIError):
    """404: no such object in the caller's workspace."""


class ConflictError(APIError):
    """409: the request conflicts with the current state (see ``code``)."""


class PayloadTooLargeError(APIError):
    """413: the body exceeds the server's limit."""


class ValidationError(APIError):
    """422: the input is invalid; ``errors`` holds the field errors when there are any."""

    @property
    def errors(self) -> list[dict[str, Any]]:
        found = self.problem.get("errors")
        return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


class RateLimitError(APIError):
    """429: too many requests; retry after the ``Retry-After`` delay."""


class ServerError(APIError):
    """5xx: the server failed; quote ``request_id`` when reporting it."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: RateLimitError,
}


def _problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_from_response(response: httpx.Response) -> APIError:
    """Turn an error response into the matching ``APIError`` subclass."""
    status = response.status_code
    problem = _problem_of(response)
    code = problem.get("code")
    detail = problem.get("detail")
    request_id = problem.get("request_id") or response.headers.get("x-request-id")
    if not isinstance(detail, str):
        text = response.text.strip().splitlines()
        detail = text[0][:200] if text else response.reason_phrase or "no detail"
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, APIError)
    return cls(
        status,
        code if isinstance(code, str) else f"http_{status}",
        detail,
        request_id=request_id if isinstance(request_id, str) else None,
        problem=problem,
    )
