"""A cooperative time budget for one engine call: the last line of defence against inputs
whose analysis grows faster than their size.

The budget lives in a context variable, so concurrent calls in threads (or tasks) each see
their own, and nothing has to be passed down the recursion. The places that can repeat
work (inclusion steps, the change walk, candidate generation, the real validator's
``$ref``) call ``tick()``; the clock is read once every ``EVERY`` ticks (and on the first),
and once it has run out every later ``tick()`` raises ``BudgetExceeded`` at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

EVERY = 64


class BudgetExceeded(Exception):
    """The call ran past its budget. Deliberately not a ``ValueError``: nothing that
    tolerates a failing heuristic (``except ValueError``) may swallow it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(describe(seconds))
        self.seconds = seconds


class Budget:
    """Seconds allowed from creation; ``exhausted`` once they have run out."""

    __slots__ = ("deadline", "exhausted", "seconds", "steps")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.exhausted = False
        self.steps = 0

    def check(self) -> None:
        """Read the clock now; raise ``BudgetExceeded`` past the deadline."""
        if self.exhausted or time.monotonic() >= self.deadline:
            self.exhausted = True
            raise BudgetExceeded(self.seconds)

    def tick(self) -> None:
        """Count one step; read the clock on the first and every ``EVERY`` steps."""
        if self.exhausted:
            raise BudgetExceeded(self.seconds)
        self.steps -= 1
        if self.steps <= 0:
            self.steps = EVERY
            self.check()


_CURRENT: ContextVar[Budget | None] = ContextVar("accord_compat_budget", default=None)


def tick() -> None:
    """One step of work under the current call's budget (free when there is none)."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.tick()


@contextmanager
def within(seconds: float | None) -> Iterator[Budget | None]:
    """Run the block under a budget of ``seconds`` (None: unlimited)."""
    budget = None if seconds is None else Budget(seconds)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def describe(seconds: float) -> str:
    """The reason given for every decision the budget cut short."""
    return f"the check exceeded its time budget of {seconds:g} s"
