"""Hostile input gets a clean SchemaError or a verdict, never a crash or a hang.

The 1-second budget is measured in bench/compat.py; here a generous ceiling only guards
against hangs (tests assert behaviour, not speed).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from accord.compat import Mode, Outcome, SchemaError, check, validate_schema

HANG = 10.0


def _nested(depth: int, word: str = "properties") -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        doc = {"type": "object", word: {"a": doc}} if word == "properties" else {word: [doc]}
    return doc


@pytest.mark.parametrize("word", ["properties", "allOf", "anyOf"])
def test_deep_nesting_is_refused(word: str) -> None:
    start = time.perf_counter()
    with pytest.raises(SchemaError, match="nested deeper"):
        check(_nested(1000, word), _nested(1000, word))
    assert time.perf_counter() - start < HANG


def test_nesting_under_the_limit_is_decided() -> None:
    verdict = check(_nested(80), _nested(80), mode="full", content_model="strict")
    assert verdict.compatible


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#"},
        {"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}},
        {"allOf": [{"$ref": "#"}]},
        {"anyOf": [{"type": "string"}, {"$ref": "#"}]},
    ],
)
def test_unguarded_reference_cycles_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(SchemaError, match="cycle"):
        check(schema, {"type": "string"})


def test_guarded_recursion_terminates() -> None:
    tree = {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}}
    wider = {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#"}},
                                              "v": {"type": "integer"}}}  # fmt: skip
    verdict = check(tree, wider, mode="full", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE


def test_huge_enums_are_fast_and_exact() -> None:
    values = [f"v{i}" for i in range(100_000)]
    start = time.perf_counter()
    verdict = check({"enum": values}, {"enum": values[:-1]}, mode="full")
    assert time.perf_counter() - start < HANG
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.witnesses[0].document == "v99999"
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "strin"}, "invalid type"),
        ({"minLength": -1}, "non-negative"),
        ({"maxItems": True}, "non-negative"),
        ({"minimum": "0"}, "must be a number"),
        ({"multipleOf": 0}, "greater than 0"),
        ({"pattern": "("}, "invalid regular expression"),
        ({"pattern": 3}, "must be a string"),
        ({"enum": "a"}, "enum must be an array"),
        ({"required": [1]}, "array of strings"),
        ({"properties": []}, "must be an object"),
        ({"anyOf": []}, "non-empty array"),
        ({"$ref": 5}, "must be a string"),
        ({"$ref": "#/nowhere"}, "does not exist"),
        ({"$ref": "#missing"}, "no such anchor"),
        ({"$ref": "https://example.com/schema.json"}, "remote"),
        ({"$ref": "other.json#/x"}, "remote"),
        ({"$schema": "http://example.com/unknown"}, "unsupported"),
        ({"$schema": 7}, "unsupported"),
        ({"properties": {"a": 3}}, "object or a boolean"),
        ({"dependencies": 3, "$schema": "http://json-schema.org/draft-07/schema#"}, "object"),
        ({"dependentRequired": 3}, "dependentRequired"),
        ({"prefixItems": [], "items": {}}, "non-empty"),
        ({"items": [{}]}, "prefixItems"),
        (3, "object or a boolean"),
    ],
)
def test_invalid_schemas_get_a_clean_error(schema: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message) as info:
        validate_schema(schema, "jsonschema")
    assert isinstance(info.value.path, str)
