from __future__ import annotations

from accord.ratelimit.counters import Count, Guard, Hit, Tally
from accord.ratelimit.memory import MemoryCounters


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_window_starts_at_its_first_hit_and_ends_after_it() -> None:
    clock = Clock()
    counters = MemoryCounters(clock)
    clock.now = 1_030.0  # not aligned to any wall-clock minute
    k = Hit("k", quota=5, window_s=60)
    assert [(await counters.apply(None, [k])).counts for _ in range(2)] == [
        (Count(1, 60.0),),
        (Count(2, 60.0),),
    ]
    clock.now = 1_089.5
    assert (await counters.apply(None, [k])).counts == (Count(3, 0.5),)
    clock.now = 1_090.0  # that window is over: this hit starts a new one
    assert (await counters.apply(None, [k])).counts == (Count(1, 60.0),)


async def test_buckets_in_order_stopping_after_the_first_over_quota() -> None:
    counters = MemoryCounters(Clock())
    a, b, c = Hit("a", 1, 60), Hit("b", 5, 60), Hit("c", 5, 60)
    assert (await counters.apply(None, [a, b, c])).counts == (
        Count(1, 60.0),
        Count(1, 60.0),
        Count(1, 60.0),
    )
    # `a` is over: counted (2 of 1) and the others are left alone.
    assert (await counters.apply(None, [a, b, c])).counts == (Count(2, 60.0),)
    assert (await counters.apply(None, [b])).counts == (Count(2, 60.0),)


async def test_the_guard_refuses_without_counting_anything() -> None:
    clock = Clock()
    counters = MemoryCounters(clock)
    guard, hit = Guard("failures", quota=2), Hit("client", 100, 60)
    for _ in range(2):
        assert (await counters.apply(guard, [hit])).guarded is None
        await counters.apply(None, [Hit("failures", 2, 60)])
    clock.now += 10
    assert await counters.apply(guard, [hit]) == Tally(Count(2, 50.0), ())
    clock.now += 50  # the failures' window is over (and the client's: it began with it)
    assert await counters.apply(guard, [hit]) == Tally(None, (Count(1, 60.0),))


async def test_expired_counters_are_dropped_in_one_pass_now_and_then() -> None:
    clock = Clock()
    counters = MemoryCounters(clock, purge_every_s=10.0)
    await counters.apply(None, [Hit(f"short-{i}", 5, 5) for i in range(100)])
    await counters.apply(None, [Hit("long", 5, 60)])
    clock.now += 6  # the short windows are over, but no purge is due yet
    await counters.apply(None, [Hit("other", 5, 60)])
    assert len(counters) == 102
    clock.now += 5  # now it is: one pass keeps only live windows
    await counters.apply(None, [Hit("other", 5, 60)])
    assert len(counters) == 2
