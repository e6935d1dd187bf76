"""Counting the SQL statements requests run, for tests that a list has no N+1 (issue 21)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event

from accord.state import AppState

# Set only in the test's context (and so in the requests it sends through ASGITransport,
# which run in that context): statements of the app's background tasks are not counted.
_COUNTING: ContextVar[bool] = ContextVar("accord_test_counting", default=False)


@contextmanager
def statements_run(app: FastAPI) -> Iterator[list[str]]:
    """The statements the app's engine runs for requests sent inside the block."""
    state: AppState = app.state.accord
    engine = state.engine.sync_engine
    seen: list[str] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, _many: bool
    ) -> None:
        if _COUNTING.get():
            seen.append(statement)

    token = _COUNTING.set(True)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        _COUNTING.reset(token)
