"""FastAPI dependencies shared by every domain: app state and the request transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from accord.auth.principal import Principal
from accord.db import session_scope
from accord.kit.offload import EngineRunner
from accord.state import AppState
from accord.telemetry.metrics_engine import TimedEngineRunner

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_state(request: Request) -> AppState:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, a hop per request
    state: AppState = request.app.state.accord
    return state


StateDep = Annotated[AppState, Depends(get_state)]


F = TypeVar("F", bound=Callable[..., Any])
_READ_ONLY = "__accord_read_only__"


def read_only(endpoint: F) -> F:
    """Mark a POST that writes nothing (a dry run, a check): its transaction is a read one,
    so on SQLite it never takes the write lock while the engine works."""
    setattr(endpoint, _READ_ONLY, True)
    return endpoint


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, ended before the response is sent (scope="function")
    so a failed commit still turns into an error response instead of a lost write.
    (The state is read here rather than through `StateDep`: one dependency fewer to solve
    on every request.)"""
    state: AppState = request.app.state.accord
    write = request.method not in _READ_METHODS and not getattr(
        request.scope.get("endpoint"), _READ_ONLY, False
    )
    # inline: a request's transaction is short enough to run on the loop's thread (SQLite)
    async with session_scope(state.sessionmaker, write=write, inline=True) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def engine_for(state: AppState, principal: Principal) -> EngineRunner:
    """The compatibility engine's pool, with this caller's concurrency slot (per key)."""
    key = principal.caller_id if principal.caller_id != "dev" else None
    return TimedEngineRunner(state.offload, key)  # timed: accord_compat_check_seconds
