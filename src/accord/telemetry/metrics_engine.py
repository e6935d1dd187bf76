"""How long checks take: the compatibility engine's calls and reported data checks.

Every piece of compatibility work (a `/compat/check`, a publish's evaluation, a diff) goes
through an `EngineRunner`; `TimedEngineRunner` is one that also observes each call's
duration, labelled by the engine function (a short, fixed set) and how it ended.

Data checks run where the data is (`accord validate`, CI); the server learns their
duration from the run a client reports (``seconds``), which is what is observed here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client import Histogram

from accord.exceptions import TooManyRequestsError
from accord.kit.offload import EngineRunner, OffloadTimeout

T = TypeVar("T")

# The engine's default budget is 30 s (ACCORD_COMPAT_TIMEOUT_S); most checks take ms.
ENGINE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60)
# Data checks run over whole tables or files: seconds to an hour.
DATA_CHECK_BUCKETS = (0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
ENGINE_OPERATIONS = ("check_history", "assess_candidate", "compare")
ENGINE_OUTCOMES = ("ok", "error", "timeout", "rejected")
RUN_STATUSES = ("passed", "failed")

COMPAT_DURATION = Histogram(
    "accord_compat_check_duration_seconds",
    "Compatibility engine calls, by engine function (check_history: /compat/check; "
    "assess_candidate: a publish's validation and verdict; compare: a diff) and outcome "
    "(ok, error, timeout, rejected).",
    ["operation", "outcome"],
    buckets=ENGINE_BUCKETS,
)
DATA_CHECK_DURATION = Histogram(
    "accord_data_check_duration_seconds",
    "Duration of the data-check runs clients reported (their `seconds`), by run status.",
    ["status"],
    buckets=DATA_CHECK_BUCKETS,
)


def prime() -> None:
    for operation in ENGINE_OPERATIONS:
        for outcome in ENGINE_OUTCOMES:
            COMPAT_DURATION.labels(operation, outcome)
    for status in RUN_STATUSES:
        DATA_CHECK_DURATION.labels(status)


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    if isinstance(exc, OffloadTimeout):
        return "timeout"
    if isinstance(exc, TooManyRequestsError):
        return "rejected"  # the caller's concurrency slot was full: nothing ran
    return "error"


@dataclass(frozen=True)
class TimedEngineRunner(EngineRunner):
    """An `EngineRunner` that observes every call in ``COMPAT_DURATION``."""

    async def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        failure: BaseException | None = None
        try:
            return await super().__call__(fn, *args, **kwargs)
        except BaseException as exc:  # cancelled too: it did not end well
            failure = exc
            raise
        finally:
            name = getattr(fn, "__name__", "other")
            COMPAT_DURATION.labels(name, _outcome(failure)).observe(time.perf_counter() - started)


def timed(runner: EngineRunner) -> EngineRunner:
    """``runner``, observed (once: a runner that already is is returned as it is)."""
    if isinstance(runner, TimedEngineRunner):
        return runner
    return TimedEngineRunner(runner.offload, runner.key, runner.affinity)


def data_check_reported(status: str, seconds: float | None) -> None:
    """A reported run's own duration; runs that did not say how long they took are not
    counted (an unknown duration is not a zero one)."""
    if seconds is not None:
        DATA_CHECK_DURATION.labels(status).observe(seconds)
