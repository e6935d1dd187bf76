"""Size bounds are data: ``maxLength: 10**40`` or ``minItems: 10**8`` must not make the
engine build a value that large. Narrowing ``maxLength`` from ``10**40`` raised an
OverflowError (a 500 over HTTP); from ``2 * 10**8`` it built strings of 200 MB; raising
``minProperties`` or ``minItems`` past ``10**8`` ran out of memory. Values past
`values.LARGEST` are not built: such a gap is ``undecided`` (which a publish treats as
breaking); one with a small enough witness still gets it."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from accord.compat.js.values import LARGEST, sizes

BIG = 10**8
HUGE = 10**40


def _s(**kw: Any) -> dict[str, Any]:
    return {"type": "string", **kw}


def _a(**kw: Any) -> dict[str, Any]:
    return {"type": "array", **kw}


def _o(**kw: Any) -> dict[str, Any]:
    return {"type": "object", **kw}


CONTAINS = {"contains": {"type": "string"}}
UNBUILDABLE = {
    "maxLength 10**40 lowered": (_s(maxLength=HUGE), _s(maxLength=HUGE - 1), "maxLength lowered"),
    "maxLength 2e8 lowered": (_s(maxLength=2 * BIG), _s(maxLength=BIG), "maxLength lowered"),
    "minLength 1e8 raised": (_s(minLength=BIG), _s(minLength=BIG + 1), "minLength raised"),
    "minItems 1e8 raised": (_a(minItems=BIG), _a(minItems=BIG + 1), "minItems raised"),
    "maxItems 2e8 lowered": (_a(maxItems=2 * BIG), _a(maxItems=BIG), "maxItems lowered"),
    "minProperties 1e8 raised": (
        _o(minProperties=BIG),
        _o(minProperties=BIG + 1),
        "minProperties raised",
    ),
    "maxProperties 2e8 lowered": (
        _o(maxProperties=2 * BIG),
        _o(maxProperties=BIG),
        "maxProperties lowered",
    ),
    "maxContains 1e8 lowered": (
        _a(**CONTAINS, maxContains=BIG),
        _a(**CONTAINS, maxContains=BIG - 1),
        "maxContains",
    ),
    "minContains 1e8 writer": (
        _a(**CONTAINS, minContains=BIG),
        _a(items={"type": "integer"}),
        "",
    ),
    "minContains 1e8, contains narrowed": (
        _a(**CONTAINS, minContains=BIG),
        _a(contains={"type": "string", "maxLength": 3}),
        "contains not implied",
    ),
}


def _judged(old: Any, new: Any) -> tuple[Outcome, str, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        verdict = check(old, new, mode="backward", content_model="strict", budget_s=5)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    judged = verdict.verdicts[Mode.BACKWARD]
    return judged.outcome, judged.reason or "", time.perf_counter() - started, peak


@pytest.mark.parametrize("name", sorted(UNBUILDABLE))
def test_a_gap_whose_witness_is_too_large_to_build_is_undecided(name: str) -> None:
    old, new, reason = UNBUILDABLE[name]
    outcome, why, seconds, peak = _judged(old, new)
    assert outcome is Outcome.UNDECIDED, why
    assert reason in why
    assert "no witness found" in why
    assert peak < 32 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert seconds < 10


@pytest.mark.parametrize(
    ("old", "new", "size"),
    [
        (_s(maxLength=LARGEST), _s(maxLength=LARGEST - 1), LARGEST),
        (_s(), _s(minLength=BIG), 0),  # the empty string is the shortest witness
        (_a(maxItems=2 * BIG), _a(maxItems=LARGEST - 1), LARGEST),
        (_a(), _a(minItems=BIG), 0),
        (_o(), _o(minProperties=BIG), 0),
        (_o(maxProperties=2 * BIG), _o(maxProperties=LARGEST - 1), LARGEST),
    ],
)
def test_a_witness_up_to_the_largest_size_is_still_built(old: Any, new: Any, size: int) -> None:
    verdict = check(old, new, mode="backward", content_model="strict", budget_s=5)
    judged = verdict.verdicts[Mode.BACKWARD]
    assert judged.outcome is Outcome.INCOMPATIBLE, judged.reason
    witness = verdict.witnesses[0].document
    assert len(witness) == size


def test_an_unbuildable_sibling_leaves_other_witnesses_alone() -> None:
    """A property no sample can be built for (``minItems: 10**8``) is left out of the
    witness object when it is optional; the break elsewhere is still shown."""
    old = _o(properties={"big": _a(minItems=BIG), "n": {"type": "string"}})
    new = _o(properties={"big": _a(minItems=BIG), "n": {"type": "integer"}})
    outcome, why, _, peak = _judged(old, new)
    assert outcome is Outcome.INCOMPATIBLE, why
    assert peak < 32 * 2**20


def test_sizes_probe_the_first_and_last_few_buildable() -> None:
    assert sizes(0, 3) == [0, 1, 2]
    assert sizes(0, 64) == list(range(64))  # a narrow range whole: a pattern may allow few
    assert sizes(5, 100) == [5, 6, 7, 99]
    assert sizes(LARGEST - 1, BIG) == [LARGEST - 1, LARGEST]
    assert sizes(LARGEST + 1, BIG) == []
    assert sizes(4, 4) == []


@pytest.mark.parametrize(
    ("old", "new", "backward", "forward"),
    [
        # the sampler's nearest multiple of 1e-320 above 1 was ceil(inf)
        (
            {"type": "number", "multipleOf": 1e-320, "minimum": 1},
            {"type": "number", "multipleOf": 1e-320, "minimum": 2},
            Outcome.UNDECIDED,
            Outcome.COMPATIBLE,
        ),
        # a probe of multiples was float(10**308 * 1.5 exactly): fine; of 10**400: overflow
        (
            {"type": "number", "multipleOf": 1e308},
            {"type": "number", "multipleOf": 1.5e308},
            Outcome.INCOMPATIBLE,
            Outcome.INCOMPATIBLE,
        ),
        (
            {"type": "number", "multipleOf": 10**400},
            {"type": "number", "multipleOf": 10**401},
            Outcome.INCOMPATIBLE,
            Outcome.COMPATIBLE,
        ),
        # an integer bound past a double's range: float(bound).is_integer() overflowed
        (
            {"type": "integer", "minimum": -(10**4000)},
            {"type": "integer", "minimum": -(10**4000) + 1},
            Outcome.INCOMPATIBLE,
            Outcome.COMPATIBLE,
        ),
        (
            {"type": "integer", "maximum": 10**400, "exclusiveMinimum": 10**399},
            {"type": "integer", "maximum": 10**400 - 1, "exclusiveMinimum": 10**399},
            Outcome.INCOMPATIBLE,
            Outcome.COMPATIBLE,
        ),
    ],
)
def test_number_bounds_past_a_double_are_judged(
    old: Any, new: Any, backward: Outcome, forward: Outcome
) -> None:
    """Numeric bounds are data too: each of these raised an OverflowError (a 500)."""
    verdict = check(old, new, mode="full", content_model="strict", budget_s=5)
    assert verdict.verdicts[Mode.BACKWARD].outcome is backward
    assert verdict.verdicts[Mode.FORWARD].outcome is forward
