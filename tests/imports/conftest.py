"""Apps of their own for import jobs: another chunk size or busy timeout, on the same
database as the shared app (as another process would be)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.app import create_app
from accord.imports.runner import ImportRunner
from accord.state import AppState
from tests.conftest import make_settings

AppFactory = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


def runner_of(app: FastAPI) -> ImportRunner:
    state: AppState = app.state.accord
    assert state.imports is not None
    return state.imports


@pytest.fixture
def make_app(database_url: str, engine: AsyncEngine) -> AppFactory:
    """``async with make_app(import_chunk_size=10) as (app, client)``: a running app."""

    @asynccontextmanager
    async def _make(**overrides: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        app = create_app(make_settings(database_url, **overrides), run_startup_checks=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                yield app, client

    return _make
