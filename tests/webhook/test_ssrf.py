"""SSRF guard and sender: non-public targets refused, redirects same-origin only, failures
classed without quoting addresses."""

from __future__ import annotations

import pytest

from accord.webhook.ssrf import (
    UnresolvableTargetError,
    UnsafeTargetError,
    VettingResolver,
    check_target,
    check_url_shape,
)
from accord.worker.sender import (
    ERROR_SNIPPET_BYTES,
    ErrorClass,
    SendResult,
    WebhookClient,
    new_client,
    same_origin,
    send,
)
from tests.receiver import Receiver, free_port

REFUSED = [
    "http://127.0.0.1/x",
    "http://127.8.9.10/x",
    "http://localhost/x",
    "http://10.1.2.3/x",
    "http://172.31.255.1/x",
    "http://192.168.0.10/x",
    "http://169.254.169.254/x",
    "http://100.64.0.1/x",
    "http://[::1]/x",
    "http://[fe80::abcd]/x",
    "http://[fc00::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://[::ffff:192.168.1.1]/x",
    "http://[2002:7f00:1::]/x",
    "http://0.0.0.0/x",
    "http://224.0.0.1/x",
]


@pytest.mark.parametrize("url", REFUSED)
async def test_non_public_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTargetError):
        await check_target(url, allow_private=False)
    await check_target(url, allow_private=True)


async def test_public_literal_is_allowed() -> None:
    await check_target("https://93.184.216.34/hook", allow_private=False)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://x/", "http://user:pw@93.184.216.34/", "http:///x"]
)
def test_bad_shapes(url: str) -> None:
    with pytest.raises(UnsafeTargetError):
        check_url_shape(url)


def _client(*, allow_private: bool = True) -> WebhookClient:
    return new_client(4, 5, VettingResolver(allow_private=allow_private))


async def _send(client: WebhookClient, url: str) -> SendResult:
    return await send(client, url, msg_id="m", body=b"{}", secret=b"k", timestamp=1)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/x", "http://[::1]:1/x", "http://localhost:1/x"]
)
async def test_sender_refuses_private_targets(url: str) -> None:
    async with _client(allow_private=False) as client:
        result = await _send(client, url)
    assert result.error_class is ErrorClass.unsafe_target
    assert result.permanent is True
    assert result.error is not None
    assert "127.0.0.1" not in result.error
    assert "::1" not in result.error


async def test_unresolvable_name_is_transient_and_quotes_nothing() -> None:
    with pytest.raises(UnresolvableTargetError) as raised:
        await check_target("http://no-such-host.invalid/x", allow_private=False)
    assert raised.value.reason == "the host did not resolve"
    async with _client(allow_private=False) as client:
        result = await _send(client, "http://no-such-host.invalid/x")
    assert result.error_class is ErrorClass.dns
    assert result.permanent is False
    assert result.error == "the host did not resolve"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://h:8080/a", "http://h:8080/b?x", True),
        ("http://h/a", "http://H:80/b", True),
        ("https://h/a", "https://h:443/", True),
        ("http://h/a", "https://h/a", False),
        ("http://h:8080/a", "http://h:8081/a", False),
        ("http://h/a", "http://h.evil/a", False),
        ("http://127.0.0.1/a", "http://localhost/a", False),
        ("http://h/a", "http://h:99999/a", False),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1/admin",
        "http://169.254.169.254/latest",
        "http://[::ffff:10.0.0.1]/",
        "https://127.0.0.1:{port}/hook",
        "http://localhost:{port}/other",
    ],
)
async def test_cross_origin_redirect_is_not_followed(location: str) -> None:
    receiver = Receiver()
    receiver.respond = lambda _: (302, {"location": location.format(port=receiver.port)})
    async with receiver, _client() as client:
        result = await _send(client, receiver.url)
    assert result.error_class is ErrorClass.redirect_refused
    assert result.permanent is True
    assert result.status_code == 302
    assert len(receiver.received) == 1, "the other origin was never requested"


async def test_redirect_loop_gives_up() -> None:
    receiver = Receiver(respond=lambda r: (307, {"location": r.path + "x"}))
    async with receiver, _client() as client:
        result = await _send(client, receiver.url)
    assert result.permanent is True
    assert result.error_class is ErrorClass.too_many_redirects
    assert result.error == "more than 3 redirects"
    assert len(receiver.received) == 4


async def test_unreachable_receiver_is_a_transient_error() -> None:
    async with _client() as client:
        result = await _send(client, f"http://127.0.0.1:{free_port()}/x")
    assert result.status_code is None
    assert result.permanent is False
    assert result.error_class is ErrorClass.connection
    assert result.error is not None
    assert "127.0.0.1" not in result.error


async def test_safe_redirect_is_followed() -> None:
    receiver = Receiver(
        respond=lambda r: (308, {"location": "/new"}) if r.path == "/hook" else (204, {})
    )
    async with receiver, _client() as client:
        result = await _send(client, receiver.url)
    assert result.status_code == 204
    assert result.error_class is None
    assert [r.path for r in receiver.received] == ["/hook", "/new"]
    assert receiver.received[1].body == b"{}"


async def test_error_body_is_kept_bounded() -> None:
    receiver = Receiver(respond=lambda _: (500, {}), reply=lambda _: b"x" * 50_000)
    async with receiver, _client() as client:
        result = await _send(client, receiver.url)
    assert result.error_class is ErrorClass.http_5xx
    assert result.error is not None
    assert 0 < len(result.error) <= ERROR_SNIPPET_BYTES
