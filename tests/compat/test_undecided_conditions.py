"""A reader ``if``/``then``/``else`` whose condition the writer does not share: when the
writer provably takes one branch and that branch's inclusion fails, the failure's own
candidates are the witnesses (the probes of the condition alone missed them)."""

from __future__ import annotations

from typing import Any

from accord.compat import Mode, Outcome, check
from tests.compat.witnesses import assert_witnesses


def _section(p: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"c": {"type": "object", "properties": {"p": p}}}}


OLD: dict[str, Any] = {
    "type": "object",
    "required": ["v"],
    "properties": {"v": {"enum": [2]}, "c": _section({})["properties"]["c"]},
}
NEW: dict[str, Any] = {
    "type": "object",
    "required": ["v"],
    "properties": {"v": {"enum": [2, 3]}},
    "if": {"properties": {"v": {"const": 3}}},
    "then": _section({}),
    "else": _section({"type": "string"}),
}


def test_witness_from_the_branch_the_writer_takes() -> None:
    verdict = check(OLD, NEW, mode="backward", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert_witnesses({"old": OLD, "new": NEW, "content_model": "strict"}, verdict)


def test_branch_the_writer_never_takes_is_not_compared() -> None:
    new = {**NEW, "then": _section({"type": "string"}), "else": _section({})}
    verdict = check(OLD, new, mode="backward", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE


def test_witness_takes_the_branch_that_failed() -> None:
    """The writer's first value of ``v`` takes ``then``; the witness needs another."""
    old = {"type": "object", "required": ["v"], "properties": {"v": {"enum": [1, 2]}, "c": {}}}
    new = {
        "type": "object",
        "required": ["v"],
        "properties": {"v": {"enum": [1, 2]}},
        "if": {"properties": {"v": {"const": 1}}},
        "else": {"properties": {"c": {"type": "string"}}},
    }
    verdict = check(old, new, mode="full", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE
    assert_witnesses({"old": old, "new": new, "content_model": "strict"}, verdict)
