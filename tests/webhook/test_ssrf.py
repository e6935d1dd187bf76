"""SSRF guard: non-public targets and redirects to them are refused by default."""

from __future__ import annotations

import pytest

from accord.webhook.ssrf import UnsafeTargetError, check_target, check_url_shape
from accord.worker.sender import new_session, send
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


def _trusting(receiver: Receiver) -> object:
    """The real guard, except that it trusts our own loopback receiver."""

    async def guard(url: str) -> None:
        if not url.startswith(f"http://127.0.0.1:{receiver.port}/"):
            await check_target(url, allow_private=False)

    return guard


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1/admin", "http://169.254.169.254/latest", "http://[::ffff:10.0.0.1]/"],
)
async def test_redirect_to_private_address_is_not_followed(location: str) -> None:
    receiver = Receiver(respond=lambda _: (302, {"location": location}))
    async with receiver, new_session(4, 5) as session:
        result = await send(
            session, receiver.url, msg_id="m", body=b"{}", secret=b"k", timestamp=1,
            guard=_trusting(receiver),  # type: ignore[arg-type]
        )  # fmt: skip
    assert result.unsafe is True
    assert result.error is not None
    assert result.error.startswith("refused")
    assert len(receiver.received) == 1, "the private target was never requested"


async def test_redirect_loop_gives_up() -> None:
    receiver = Receiver(respond=lambda r: (307, {"location": r.path + "x"}))
    async with receiver, new_session(4, 5) as session:
        result = await send(
            session, receiver.url, msg_id="m", body=b"{}", secret=b"k", timestamp=1,
            guard=_trusting(receiver),  # type: ignore[arg-type]
        )  # fmt: skip
    assert result.unsafe is True
    assert result.error == "more than 3 redirects"


async def test_unreachable_receiver_is_a_transient_error() -> None:
    async def allow(url: str) -> None:
        return None

    async with new_session(4, 5) as session:
        result = await send(
            session, f"http://127.0.0.1:{free_port()}/x", msg_id="m", body=b"{}",
            secret=b"k", timestamp=1, guard=allow,
        )  # fmt: skip
    assert result.status_code is None
    assert result.unsafe is False
    assert result.error is not None


async def test_safe_redirect_is_followed() -> None:
    receiver = Receiver(
        respond=lambda r: (308, {"location": "/new"}) if r.path == "/hook" else (204, {})
    )
    async with receiver, new_session(4, 5) as session:
        result = await send(
            session, receiver.url, msg_id="m", body=b"{}", secret=b"k", timestamp=1,
            guard=_trusting(receiver),  # type: ignore[arg-type]
        )  # fmt: skip
    assert result.status_code == 204
    assert [r.path for r in receiver.received] == ["/hook", "/new"]
    assert receiver.received[1].body == b"{}"
