"""`oneOf`/`anyOf` readers that used to end undecided: branches told apart by a required
property's strings (patterns, lengths), writer branches that rule out whole types, and
witnesses drawn from the branch inclusion that failed."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from accord.compat.js.patterns import apart
from tests.compat.witnesses import assert_witnesses

INT: dict[str, Any] = {"type": "integer"}
NUM: dict[str, Any] = {"type": "number"}


def _tagged(x: dict[str, Any], typed: bool = True, lengths: bool = False) -> dict[str, Any]:
    """A union told apart by the strings of a required property ``f``."""
    one, two = (
        ({"maxLength": 2}, {"minLength": 3})
        if lengths
        else ({"pattern": r"\.js$"}, {"pattern": r"\.css$"})
    )
    schema: dict[str, Any] = {
        "required": ["f"],
        "properties": {"f": {"type": "string"}},
        "oneOf": [
            {"properties": {"f": one, "x": INT}},
            {"properties": {"f": two, "x": x}},
        ],
    }
    if typed:
        schema["type"] = "object"
    return schema


def _deep(extra: dict[str, Any]) -> dict[str, Any]:
    leaf = {"type": "object", "properties": {"c": {"type": "string", **extra}}}
    return {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": leaf}}}}


CASES = [
    # (id, old, new, backward, forward)
    ("pattern-discriminated", _tagged(INT), _tagged(NUM), "c", "x"),
    ("length-discriminated", _tagged(INT, lengths=True), _tagged(NUM, lengths=True), "c", "x"),
    # untyped: non-objects hold in every branch of the writer, so it has none
    ("untyped-branches", _tagged(INT, typed=False), _tagged(NUM, typed=False), "c", "x"),
    (
        "anyOf-deep-failure",
        _deep({}),
        {"anyOf": [_deep({"maxLength": 0}), {"type": "object", "required": ["zz"]}]},
        "x",
        "x",
    ),
]
OUTCOME = {"c": Outcome.COMPATIBLE, "x": Outcome.INCOMPATIBLE}


@pytest.mark.parametrize(
    ("old", "new", "backward", "forward"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_decided(old: Any, new: Any, backward: str, forward: str) -> None:
    verdict = check(old, new, mode="full", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is OUTCOME[backward]
    assert verdict.verdicts[Mode.FORWARD].outcome is OUTCOME[forward]
    assert_witnesses({"old": old, "new": new, "content_model": "strict"}, verdict)


def test_overlapping_strings_stay_undecided_or_refuted() -> None:
    """Patterns that overlap do not separate the branches: no proof."""
    old = _tagged(INT)
    new = _tagged(NUM)
    new["oneOf"][1]["properties"]["f"] = {"pattern": r"s$"}
    verdict = check(old, new, mode="backward", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is not Outcome.COMPATIBLE


def test_patterns_apart() -> None:
    assert apart([r"^a"], [r"^b", r"c$"])
    assert not apart([r"a"], [r"b"])  # "ab" matches both
    assert not apart([], [r"b"])  # no pattern: any string
    assert not apart([r"^(a)\1$"], [r"^b"])  # a backreference is not decided
