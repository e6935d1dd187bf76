"""Documents whose resolution is not plain (a definition with an ``$id`` of its own, as
SchemaStore schemas write them): equal sub-trees that hold no reference still mean the same,
so identical ``if`` conditions are recognised and compared branch-wise."""

from __future__ import annotations

from typing import Any

from accord.compat import Mode, Outcome, check
from accord.compat.js.sameness import Pair, Plain

DRAFT7 = "http://json-schema.org/draft-07/schema#"


def _doc(then: list[str]) -> dict[str, Any]:
    return {
        "$schema": DRAFT7,
        "definitions": {"d": {"$id": "d.json", "type": "string"}},
        "type": "object",
        "properties": {
            "a": {"$ref": "#/definitions/d"},
            "w": {
                "type": "object",
                "if": {"properties": {"k": {"const": 1}}, "required": ["k"]},
                "then": {"required": then},
                "else": {"required": ["y"]},
            },
        },
    }


def test_same_condition_in_a_document_with_nested_ids() -> None:
    verdict = check(_doc(["x"]), _doc(["x", "z"]), mode="full", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE


def test_only_reference_free_sub_trees_are_compared() -> None:
    plain = Plain({"$defs": {"a": {"$id": "a.json"}}})
    pair = Pair(plain, plain)
    assert pair.same({"properties": {"k": {"const": 1}}}, {"properties": {"k": {"const": 1}}})
    assert not pair.same({"const": 1}, {"const": 1.0})
    assert not pair.same({"items": [{"$ref": "#/x"}]}, {"items": [{"$ref": "#/x"}]})
    assert not pair.same({"$dynamicRef": "#m"}, {"$dynamicRef": "#m"})
