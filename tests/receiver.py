"""A real HTTP receiver on loopback for webhook tests (uvicorn in the test's loop)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Responder = Callable[[Received], tuple[int, dict[str, str]]]
Replier = Callable[[Received], bytes]


@dataclass
class Receiver:
    """Records every request; `respond` decides the status (and headers) of each,
    `reply` its body. `host` may be any loopback address (127.0.0.2 is another host)."""

    respond: Responder = lambda _: (200, {})
    reply: Replier = lambda _: b"ok"
    received: list[Received] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    delay_s: float = 0.0  # answer this late (a slow or hung receiver)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender died mid-request: nothing was received
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        got = Received(scope["path"], {k.decode(): v.decode() for k, v in scope["headers"]}, body)
        self.received.append(got)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status, headers = self.respond(got)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": self.reply(got)})

    async def __aenter__(self) -> Receiver:
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="error",
            lifespan="off",
            interface="asgi3",
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.should_exit = True
        await self._task
