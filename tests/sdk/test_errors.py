"""Every error kind becomes its typed exception, with the problem's code and request id."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import pytest

from accord.sdk import (
    AccordError,
    APIError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1
from tests.sdk.conftest import AsyncFactory

MISSING = "01900000-0000-7000-8000-000000000000"


async def test_real_problems_map_to_typed_errors(sdk: AsyncFactory, actors: Actors) -> None:
    nobody = sdk({"Authorization": "Bearer acd_not_a_real_key"})
    with pytest.raises(AuthenticationError) as unauth:
        await nobody.me()
    assert unauth.value.status == 401
    assert unauth.value.request_id
    assert unauth.value.problem["status"] == 401

    reader = sdk(actors.producer_read)
    with pytest.raises(PermissionDeniedError) as denied:
        await reader.create_asset("warehouse.x", actors.producer_team)
    assert denied.value.status == 403

    with pytest.raises(NotFoundError) as missing:
        await reader.get_asset(MISSING)
    assert missing.value.code == "asset_not_found"
    assert MISSING in missing.value.detail

    producer = sdk(actors.producer_write)
    await producer.create_asset("warehouse.x", actors.producer_team)
    with pytest.raises(ConflictError) as taken:
        await producer.create_asset("warehouse.x", actors.producer_team)
    assert taken.value.status == 409

    with pytest.raises(ValidationError) as invalid:
        await producer.create_asset("not a valid fqn!", actors.producer_team)
    assert invalid.value.code == "validation_failed"
    assert invalid.value.errors
    assert {"loc", "msg", "type"} <= set(invalid.value.errors[0])
    assert isinstance(invalid.value, APIError)
    assert isinstance(invalid.value, AccordError)


async def test_path_values_are_escaped(sdk: AsyncFactory, actors: Actors) -> None:
    producer = sdk(actors.producer_write)
    asset = await producer.create_asset("warehouse.x", actors.producer_team)
    await producer.publish(asset.id, ORDERS_V1)
    with pytest.raises(NotFoundError):
        await producer.get_version(asset.id, "../../../teams")


def _mock(handler: Callable[[httpx.Request], httpx.Response]) -> Client:
    return Client("http://mock", "acd_x", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, BadRequestError),
        (405, APIError),
        (413, PayloadTooLargeError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_mapping(status: int, expected: type[APIError]) -> None:
    problem = {"status": status, "code": f"c{status}", "detail": "d", "request_id": "r1"}
    with (
        pytest.raises(expected) as info,
        _mock(lambda r: httpx.Response(status, json=problem)) as c,
    ):
        c.me()
    assert type(info.value) is expected
    assert (info.value.status, info.value.code, info.value.request_id) == (
        status,
        f"c{status}",
        "r1",
    )


def test_error_without_problem_body_from_a_proxy() -> None:
    def bad_gateway(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad Gateway</html>", headers={"X-Request-ID": "p"})

    with pytest.raises(ServerError) as info, _mock(bad_gateway) as c:
        c.me()
    assert info.value.code == "http_502"
    assert info.value.detail == "<html>Bad Gateway</html>"
    assert info.value.request_id == "p"
    assert info.value.problem == {}


def test_success_with_wrong_body_is_unexpected_response() -> None:
    with (
        pytest.raises(UnexpectedResponseError) as info,
        _mock(lambda r: httpx.Response(200, json={"hello": "world"})) as c,
    ):
        c.me()
    assert info.value.status == 200
    assert "/api/v1/me" in str(info.value)


def test_sends_key_user_agent_and_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"code": "asset_not_found", "detail": "nope"})

    with pytest.raises(NotFoundError), _mock(handler) as c:
        c.publish("a1", {"type": "object"}, idempotency_key="k-1")
    request = seen[0]
    assert request.headers["authorization"] == "Bearer acd_x"
    assert request.headers["idempotency-key"] == "k-1"
    assert request.headers["user-agent"].startswith("accord-sdk/")
    assert request.url.path == "/api/v1/assets/a1/versions"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_transport_error() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(TransportError) as info, Client(url, "acd_x") as c:
        c.me()
    assert str(info.value).startswith(f"cannot reach {url}")
    assert info.value.url == url


async def test_timeouts_are_request_timeout_errors() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async def aslow(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    with pytest.raises(RequestTimeoutError), _mock(slow) as c:
        c.me()
    transport = httpx.MockTransport(aslow)
    async with AsyncClient("http://mock", timeout=2, transport=transport) as ac:
        with pytest.raises(RequestTimeoutError) as info:
            await ac.me()
    assert "within 2 s" in str(info.value)
    assert isinstance(info.value, TransportError)


def test_rejects_a_url_without_scheme() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        Client("localhost:8080")
