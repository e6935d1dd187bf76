"""What ``Client`` and ``AsyncClient`` share: configuration, headers, the description of
a call, and turning a response (or a transport failure) into a result or a typed error.

Each endpoint is described once in ``_operations`` as a ``Call``; the two clients only
differ in how they send it (blocking or awaited), like httpx's ``Client``/``AsyncClient``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from accord.sdk._config import resolve_api_key, resolve_url
from accord.sdk._exceptions import (
    NotFoundError,
    RequestTimeoutError,
    TransportError,
    UnexpectedResponseError,
    error_from_response,
)
from accord.sdk._hooks import Delivery

T = TypeVar("T")
ID = uuid.UUID | str
DEFAULT_TIMEOUT = 30.0


def _sdk_version() -> str:
    try:
        return _dist_version("accord")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


USER_AGENT = f"accord-sdk/{_sdk_version()}"


def segment(value: ID) -> str:
    """One path segment, escaped so an id or version can never change the route."""
    return quote(str(value), safe="")


def _wire(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def params_of(**values: Any) -> dict[str, Any]:
    """Query parameters without the ones left at ``None``."""
    return {k: _wire(v) for k, v in values.items() if v is not None}


def body_of(**values: Any) -> dict[str, Any]:
    """A JSON body without the fields left at ``None`` (the server's default applies)."""
    return {k: _wire(v) for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and how to read its success response."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None  # a raw body (a dbt manifest), instead of ``json``
    # Error statuses whose body is still the answer (a readiness probe's 503).
    accept: frozenset[int] = frozenset()


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    # Building an adapter costs far more than using one: build each once per process.
    found = _ADAPTERS.get(model)
    if found is None:
        found = _ADAPTERS[model] = TypeAdapter(model)
    return found


def returns(model: type[T]) -> Callable[[httpx.Response], T]:
    """A parser validating the JSON body against ``model`` (a model or ``Page[X]``)."""
    adapter: TypeAdapter[T] = _adapter(model)

    def parse(response: httpx.Response) -> T:
        try:
            return adapter.validate_json(response.content)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise UnexpectedResponseError(
                f"unexpected response from {response.request.url.path}: {where}: {first['msg']}",
                status=response.status_code,
            ) from None

    return parse


def returns_nothing(response: httpx.Response) -> None:
    """The parser of 204 responses."""
    return None


def poll_delays(poll_interval: float) -> Iterator[float]:
    """Waits between two looks at a job: quick at first (small imports end in well under
    a second), then every ``poll_interval`` seconds."""
    delay = min(0.2, poll_interval)
    while True:
        yield delay
        delay = min(poll_interval, delay * 1.5)


def job_timeout(job_id: object, timeout: float) -> TimeoutError:
    return TimeoutError(
        f"import job {job_id} has not ended after {timeout:g} s; it goes on on the server "
        "(get_import_job / wait_for_import_job follow it)"
    )


def asset_not_found(fqn: str, environment: str) -> NotFoundError:
    return NotFoundError(
        404, "asset_not_found", f"asset {fqn} ({environment}) not found", problem={}
    )


DEFAULT_REPLAY_LIMIT = 100  # the bulk replay's default ``limit``


def would_replay(
    dead: Delivery, webhook_id: uuid.UUID | None, event_type: str | None, since: datetime | None
) -> bool:
    """Whether a bulk replay with these filters takes this dead letter (for a dry run)."""
    return (
        (webhook_id is None or dead.subscription_id == webhook_id)
        and (event_type is None or dead.event_type == event_type)
        and (since is None or dead.created_at >= since)
    )


class BaseClient:
    """Configuration shared by both clients."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.base_url = resolve_url(base_url)
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"server URL must start with http:// or https://: {self.base_url}")
        self.timeout = timeout
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        key = resolve_api_key(api_key)
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._headers.update(headers or {})

    def _request(self, client: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
        return client.build_request(
            call.method,
            call.path,
            params=call.params or None,
            json=call.json,
            content=call.content,
            headers=call.headers or None,
        )

    def _transport_error(self, exc: httpx.TransportError) -> TransportError:
        if isinstance(exc, httpx.TimeoutException):
            return RequestTimeoutError(
                f"no answer from {self.base_url} within {self.timeout:g} s", url=self.base_url
            )
        reason = str(exc) or type(exc).__name__
        return TransportError(f"cannot reach {self.base_url}: {reason}", url=self.base_url)

    @staticmethod
    def _finish(call: Call[T], response: httpx.Response) -> T:
        if response.is_success or response.status_code in call.accept:
            return call.parse(response)
        raise error_from_response(response)
