"""SSRF guard: non-public targets and redirects to them are refused by default."""

from __future__ import annotations

import httpx
import pytest

from accord.webhook.ssrf import UnsafeTargetError, check_target, check_url_shape
from accord.worker.sender import send

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


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1/admin", "http://169.254.169.254/latest", "http://[::ffff:10.0.0.1]/"],
)
async def test_redirect_to_private_address_is_not_followed(location: str) -> None:
    # The public receiver cannot be reached from this sandbox, so it is simulated;
    # what is under test is that the second hop is checked before it is requested.
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"location": location})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await send(
            client,
            "http://93.184.216.34/hook",
            msg_id="m",
            body=b"{}",
            secret=b"k",
            timestamp=1,
            allow_private=False,
        )
    assert result.unsafe is True
    assert result.error is not None
    assert result.error.startswith("refused")
    assert calls == ["http://93.184.216.34/hook"]


async def test_safe_redirect_is_followed() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        if request.url.path == "/old":
            return httpx.Response(308, headers={"location": "/new"})
        return httpx.Response(204)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await send(
            client, "http://93.184.216.34/old", msg_id="m", body=b"{}", secret=b"k",
            timestamp=1, allow_private=False,
        )  # fmt: skip
    assert result.status_code == 204
    assert calls == ["http://93.184.216.34/old", "http://93.184.216.34/new"]
