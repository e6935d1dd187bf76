"""Witnesses from every writer branch: the first writer ``oneOf`` branch whose inclusion
fails may only have candidates the whole writer rejects (a sibling branch holds for them
too); the later branches that fail supply theirs."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from accord.compat.js import decide as decide_module
from tests.compat.witnesses import assert_witnesses


def _config(p: dict[str, Any]) -> dict[str, Any]:
    """Exactly one of ``b`` and ``a`` (as SchemaStore's "one section per file" schemas)."""
    return {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"p": p}}, "b": {}},
        "oneOf": [{"required": ["b"]}, {"required": ["a"]}],
    }


def test_witness_from_a_later_branch() -> None:
    old, new = _config({}), _config({"type": "string"})
    verdict = check(old, new, mode="full", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE
    assert_witnesses({"old": old, "new": new, "content_model": "strict"}, verdict)
    witness = next(w for w in verdict.witnesses if w.mode is Mode.BACKWARD)
    assert "b" not in witness.document  # from the branch that requires `a`


def test_witness_search_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its validations a candidate source gives up (undecided, never a guess)."""
    monkeypatch.setattr(decide_module, "SEARCH_CHECKS", 0)
    old, new = _config({}), _config({"type": "string"})
    verdict = check(old, new, mode="backward", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.UNDECIDED


def test_later_branches_that_hold_give_nothing() -> None:
    """A later branch whose inclusion is proved is skipped on the way to the witness."""
    old, new = _config({}), _config({"type": "string"})
    for schema in (old, new):
        schema["properties"]["c"] = {}
        closed = {"required": ["c"], "properties": {"a": False, "b": False}}
        schema["oneOf"] = [schema["oneOf"][0], closed, schema["oneOf"][1]]
    verdict = check(old, new, mode="backward", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert_witnesses({"old": old, "new": new, "content_model": "strict"}, verdict)
