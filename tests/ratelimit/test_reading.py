from __future__ import annotations

import pytest

from accord.ratelimit.policy import parse_policy
from accord.ratelimit.reading import Reading, whole_seconds

FIVE = parse_policy("key", "S", "5/minute")


def test_whole_seconds_round_up() -> None:
    assert [whole_seconds(x) for x in (-1.0, 0.0, 0.2, 12.0, 12.5)] == [0, 0, 1, 12, 13]


@pytest.mark.parametrize(
    ("count", "admitted", "remaining"),
    [(1, True, 4), (4, True, 1), (5, True, 0), (6, False, 0)],
)
def test_counts_are_exact(count: int, admitted: bool, remaining: int) -> None:
    reading = Reading(FIVE, count, 42.3)
    assert (reading.admitted, reading.remaining) == (admitted, remaining)


def test_reset_and_retry_after() -> None:
    assert (Reading(FIVE, 6, 42.3).reset_s, Reading(FIVE, 6, 42.3).retry_after_s) == (43, 43)
    # A window that just ended: nothing to wait for, but Retry-After is at least 1.
    assert (Reading(FIVE, 6, -0.01).reset_s, Reading(FIVE, 6, -0.01).retry_after_s) == (0, 1)
