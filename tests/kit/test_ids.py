"""Version-7 ids: well formed, and in the order they were made within a process."""

from __future__ import annotations

import uuid

import pytest

from accord.kit import ids


def test_ids_are_version_7_with_the_rfc_variant() -> None:
    made = ids.uuid7()
    assert made.version == 7
    assert made.variant == uuid.RFC_4122


def test_ids_made_in_one_millisecond_sort_in_the_order_they_were_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ids, "_last", (0, 0))  # restored after: later ids use the clock
    monkeypatch.setattr("accord.kit.ids.time_ns", lambda: 1_765_000_000_000_000_000)
    made = [ids.uuid7() for _ in range(2000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert {u.int >> 80 for u in made} == {1_765_000_000_000}
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in made)


def test_a_clock_stepping_back_does_not_reorder_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_last", (0, 0))
    now = [1_765_000_000_500_000_000]
    monkeypatch.setattr("accord.kit.ids.time_ns", lambda: now[0])
    first = ids.uuid7()
    now[0] -= 2_000_000_000  # two seconds back (an NTP step)
    assert ids.uuid7() > first


def test_a_used_up_millisecond_borrows_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("accord.kit.ids.time_ns", lambda: 1_765_000_000_000_000_000)
    monkeypatch.setattr(ids, "_last", (1_765_000_000_000, (1 << 74) - 1))
    made = ids.uuid7()
    assert made.int >> 80 == 1_765_000_000_001
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
