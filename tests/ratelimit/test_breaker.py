from __future__ import annotations

from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from accord.ratelimit.breaker import Breaker

ERRORS = "accord_rate_limit_backend_errors_total"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def errors() -> float:
    return REGISTRY.get_sample_value(ERRORS) or 0.0


def test_one_warning_per_failure_burst_and_a_cooldown() -> None:
    clock = Clock()
    breaker = Breaker(5.0, clock)
    before = errors()
    assert breaker.allows()
    with capture_logs() as logs:
        breaker.failed(ConnectionError("refused"))
        assert not breaker.allows()  # no storage calls during the cooldown
        clock.now += 4.9
        assert not breaker.allows()
        clock.now += 0.2
        assert breaker.allows()  # time to try again ...
        breaker.failed(ConnectionError("refused"))  # ... still down: counted, not logged
        assert not breaker.allows()
        clock.now += 5.1
        breaker.succeeded()
        breaker.succeeded()
        breaker.failed(TimeoutError("slow"))  # a new burst: logged again
    assert errors() - before == 3
    # (The "recovered" line is info: the suite's log level may filter it out.)
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert [e["event"] for e in warnings] == ["rate_limit_backend_unavailable"] * 2
    assert warnings[0]["error"] == "ConnectionError: refused"
    assert warnings[1]["error"] == "TimeoutError: slow"
