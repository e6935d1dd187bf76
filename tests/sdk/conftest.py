"""SDK clients wired to the real app in-process (no network, no mocks of the server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from accord.sdk import AsyncClient, Client
from tests.conftest import Actors

BASE = "http://accord.test"


def key_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


class SyncASGITransport(httpx.BaseTransport):
    """Lets the blocking ``Client`` call the app: each request runs as a coroutine on the
    test's event loop while the client waits in a worker thread."""

    def __init__(self, app: FastAPI, loop: asyncio.AbstractEventLoop) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def _go() -> httpx.Response:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._inner.handle_async_request(forwarded)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run_coroutine_threadsafe(_go(), self._loop).result(timeout=30)


AsyncFactory = Callable[[dict[str, str]], AsyncClient]
SyncFactory = Callable[[dict[str, str]], Client]


@pytest.fixture
async def sdk(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[AsyncFactory]:
    """``sdk(actors.admin)``: an ``AsyncClient`` acting with that caller's key."""
    made: list[AsyncClient] = []

    def make(headers: dict[str, str]) -> AsyncClient:
        c = AsyncClient(BASE, key_of(headers), transport=httpx.ASGITransport(app=app))
        made.append(c)
        return c

    yield make
    for c in made:
        await c.aclose()


@pytest.fixture
async def sync_sdk(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[SyncFactory]:
    """``sync_sdk(actors.admin)``: a blocking ``Client``; call it via ``asyncio.to_thread``."""
    loop = asyncio.get_running_loop()
    made: list[Client] = []

    def make(headers: dict[str, str]) -> Client:
        c = Client(BASE, key_of(headers), transport=SyncASGITransport(app, loop))
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def producer(sdk: AsyncFactory, actors: Actors) -> AsyncClient:
    return sdk(actors.producer_write)


@pytest.fixture
def consumer(sdk: AsyncFactory, actors: Actors) -> AsyncClient:
    return sdk(actors.consumer_write)


@pytest.fixture
def admin(sdk: AsyncFactory, actors: Actors) -> AsyncClient:
    return sdk(actors.admin)
