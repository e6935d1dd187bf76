"""The AccordError hierarchy. Each error carries its HTTP status and a stable ``code``.

    AccordError
    ├── BadRequestError          400 bad_request
    ├── UnauthenticatedError     401 unauthenticated
    ├── PermissionDeniedError    403 forbidden
    ├── NotFoundError            404 not_found
    ├── RequestTimeoutError      408 request_timeout
    ├── ConflictError            409 conflict
    ├── PayloadTooLargeError     413 payload_too_large
    ├── ValidationFailedError    422 validation_failed
    ├── TooManyRequestsError     429 rate_limited
    └── ServiceUnavailableError  503 service_unavailable
        └── DatabaseTroubleError 503 database_unavailable, database_busy, lock_timeout,
                                     statement_timeout, deadlock (Retry-After)

Domain code raises these; ``accord.problems`` renders every one as RFC 9457
problem+json. A subclass may override ``code`` for a more precise, still stable name.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AccordError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self, detail: str, *, code: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.instance_code = code or self.code
        self.extra: dict[str, Any] = extra or {}


class BadRequestError(AccordError):
    status = 400
    code = "bad_request"
    title = "Bad request"


class UnauthenticatedError(AccordError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class PermissionDeniedError(AccordError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFoundError(AccordError):
    status = 404
    code = "not_found"
    title = "Not found"

    @classmethod
    def of(cls, entity: str, ident: object) -> NotFoundError:
        return cls(f"{entity} {ident} not found", code=f"{entity}_not_found")


class RequestTimeoutError(AccordError):
    status = 408
    code = "request_timeout"
    title = "Request timeout"


class ConflictError(AccordError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLargeError(AccordError):
    status = 413
    code = "payload_too_large"
    title = "Payload too large"


class ValidationFailedError(AccordError):
    status = 422
    code = "validation_failed"
    title = "Validation failed"


class TooManyRequestsError(AccordError):
    """``retry_after``: whole seconds until the caller may try again (``Retry-After``)."""

    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(
        self,
        detail: str,
        *,
        retry_after: int = 1,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, code=code, extra=extra)
        self.retry_after = max(1, retry_after)


class ServiceUnavailableError(AccordError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"


class DatabaseTroubleError(ServiceUnavailableError):
    """The database could not serve this request now (down, busy, a lock or statement
    timeout, a deadlock). Nothing was written; retrying after ``retry_after`` may work."""

    def __init__(self, detail: str, *, code: str, retry_after: int | None = None) -> None:
        super().__init__(detail, code=code)
        # None: the handler sends the configured ACCORD_DB_RETRY_AFTER_S.
        self.retry_after = retry_after
