"""Writer `oneOf` branches that leave out whole JSON types: a value of one branch cannot
have a type that another branch accepts entirely (it would hold in two). Untyped unions
(common in draft-04 schemas) accept only the types their branches tell apart."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from tests.compat.witnesses import assert_witnesses


def _union(typed: bool) -> dict[str, Any]:
    kind: dict[str, Any] = {"type": "object"} if typed else {}
    return {
        "required": ["k"],
        "oneOf": [
            {**kind, "properties": {"k": {"const": "a"}}},
            {**kind, "properties": {"k": {"const": "b"}}},
        ],
    }


CASES = [
    # (id, old, new, backward, forward)
    ("untyped-union-typed", _union(False), _union(True), "c", "c"),
    (
        "untyped-union-vs-object",
        _union(False),
        {"type": "object", "required": ["k"], "properties": {"k": {"enum": ["a", "b"]}}},
        "c",
        "u",  # true answer compatible: the reader's branches are not typed
    ),
    # integers hold in two branches of the new schema, but "numbers except integers" is
    # not a type list: no narrowing may make the number branch look integral
    (
        "number-branch-not-narrowed",
        {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}]},
        "x",
        "x",
    ),
    # every integer holds in both branches: the old schema accepts nothing
    (
        "every-type-ruled-out",
        {"oneOf": [{"type": "integer"}, {"type": "integer"}]},
        {"type": "string"},
        "c",
        "x",
    ),
]
OUTCOME = {"c": Outcome.COMPATIBLE, "x": Outcome.INCOMPATIBLE, "u": Outcome.UNDECIDED}


@pytest.mark.parametrize(
    ("old", "new", "backward", "forward"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_decided(old: Any, new: Any, backward: str, forward: str) -> None:
    verdict = check(old, new, mode="full", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is OUTCOME[backward]
    assert verdict.verdicts[Mode.FORWARD].outcome is OUTCOME[forward]
    assert_witnesses({"old": old, "new": new, "content_model": "strict"}, verdict)


def test_lenient_writers_are_not_narrowed() -> None:
    """Under lenient the reader sees the value stripped: the rule does not apply."""
    verdict = check(_union(False), _union(True), mode="backward", content_model="lenient")
    assert verdict.verdicts[Mode.BACKWARD].outcome is not Outcome.INCOMPATIBLE
