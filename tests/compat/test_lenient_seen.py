"""A lenient reader judges the writer's value as it sees it, stripped: what the engine
knows of the value as written (it is in no branch of a reader ``oneOf`` but one, it avoids
a reader ``not``, it takes a reader conditional's ``else``, it holds enough properties and
the ones a dependency needs, its items are distinct) holds only where stripping cannot
change it. Each reader here accepts a writer value as written and rejects it as seen,
so `compatible` would be wrong; the strict content model keeps it whole."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from accord.compat import Mode, Outcome, check
from accord.compat.js import shapes
from accord.compat.js.document import Document
from accord.compat.js.flat import flatten
from accord.compat.js.inclusion import Checker
from accord.compat.js.witness import strip

# One value: {"a": 1, "b": 2}. A lenient reader that does not declare "b" sees {"a": 1}.
WRITER: dict[str, Any] = {
    "type": "object",
    "properties": {"a": {"const": 1}, "b": {"const": 2}},
    "required": ["a", "b"],
    "additionalProperties": False,
}
A_IS_1: dict[str, Any] = {"type": "object", "properties": {"a": {"const": 1}}, "required": ["a"]}
SEEN: dict[str, Any] = {"a": 1}
INT_PAIR: dict[str, Any] = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
    "additionalProperties": False,
}
COND: dict[str, Any] = {
    "if": {"required": ["b"]},
    "then": {"properties": {"a": {"const": 1}}},
    "else": {"properties": {"a": {"const": 2}}},
}

CASES = [
    # (id, writer, reader)
    ("oneof-enum-branch", WRITER, {"oneOf": [{"enum": [SEEN]}, A_IS_1]}),
    ("oneof-const-branch", WRITER, {"oneOf": [{"const": SEEN}, A_IS_1]}),
    ("not-enum", WRITER, {**A_IS_1, "not": {"enum": [SEEN]}}),
    ("if-enum", WRITER, {**A_IS_1, "if": {"enum": [SEEN]}, "then": False}),
    # counts and dependencies: the value seen holds one property, and no "b"
    ("min-properties", WRITER, {**A_IS_1, "minProperties": 2}),
    ("dependent-required", WRITER, {**A_IS_1, "dependentRequired": {"a": ["b"]}}),
    (
        "draft-07-dependencies",
        WRITER,
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            **A_IS_1,
            "dependencies": {"a": ["b"]},
        },
    ),
    ("dependent-schema", WRITER, {**A_IS_1, "dependentSchemas": {"a": {"minProperties": 2}}}),
    (
        "nested-min-properties",
        {"type": "object", "properties": {"x": WRITER}, "required": ["x"]},
        {"type": "object", "properties": {"x": {**A_IS_1, "minProperties": 2}}},
    ),
    # [{"a": 1, "b": 1}, {"a": 1, "b": 2}] is [{"a": 1}, {"a": 1}]: not distinct as seen
    (
        "unique-items",
        {"type": "array", "uniqueItems": True, "items": INT_PAIR},
        {"type": "array", "uniqueItems": True, "items": {"properties": {"a": {"type": "integer"}}}},
    ),
    # the writer's own conditional, the same test: "b" takes it as written, not as seen
    (
        "same-conditional",
        {"type": "object", "properties": {"a": {}, "b": {}}, "required": ["a"], **COND},
        {"type": "object", "properties": {"a": {}}, **COND},
    ),
]


@pytest.mark.parametrize(("writer", "reader"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_what_stripping_changes_is_not_taken_from_the_value_as_written(
    writer: dict[str, Any], reader: dict[str, Any]
) -> None:
    lenient = check(writer, reader, mode="backward", content_model="lenient")
    assert lenient.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    [witness] = [w for w in lenient.witnesses if w.mode is Mode.BACKWARD]
    assert jsonschema.validators.validator_for(writer)(writer).is_valid(witness.document)
    seen = strip(witness.document, (Document(reader).root,))
    assert not jsonschema.validators.validator_for(reader)(reader).is_valid(seen)
    strict = check(writer, reader, mode="backward", content_model="strict")
    assert strict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE


def test_a_reader_not_that_stripping_cannot_reach_still_proves_compatible() -> None:
    """The guard costs nothing where stripping changes nothing the schema looks at: the
    negated schema constrains only "a", which the reader keeps whole."""
    reader = {**A_IS_1, "not": {"properties": {"a": {"const": 3}}, "required": ["a"]}}
    verdict = check(WRITER, reader, mode="backward", content_model="lenient")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE


def test_a_lenient_reader_that_keeps_every_name_keeps_the_writers_counts() -> None:
    """rust-toolchain: ``minProperties: 1`` on both sides, the reader declaring every name
    the writer does (and one more): nothing is stripped, so the writer's count stands."""
    names = {"channel": {"type": "string"}, "path": {"type": "string"}}
    writer = {"type": "object", "properties": names, "minProperties": 1}
    reader = {**writer, "properties": {**names, "profile": {"type": "string"}}}
    verdict = check(writer, reader, mode="backward", content_model="lenient")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE


def _twins(writer: dict[str, Any], reader: dict[str, Any]) -> list[list[Any]]:
    """The witnesses ``shapes`` offers for a ``uniqueItems`` lost to stripping."""
    fa, fb = flatten((Document(writer).root,)), flatten((Document(reader).root,))
    ck = Checker(True)
    return list(shapes._stripped_twins(ck, fa, fb, ck.sampler.base_array(fa, 2, 1)))


def test_twin_items_need_a_stripped_name_with_two_values() -> None:
    """The witness for a lost ``uniqueItems``: two items told apart only by a stripped name.
    A name with one value (``const``) tells no two items apart; items that are arrays
    have no names; a name the reader keeps tells them apart as seen too."""
    only_a = {"type": "array", "items": {"properties": {"a": {"type": "integer"}}}}
    [twins] = _twins({"type": "array", "items": INT_PAIR}, only_a)
    assert twins[0]["b"] != twins[1]["b"]
    assert twins[0]["a"] == twins[1]["a"]
    one_b = {**INT_PAIR, "properties": {"a": {"type": "integer"}, "b": {"const": 5}}}
    assert _twins({"type": "array", "items": one_b}, only_a) == []
    nested = {"type": "array", "items": {"type": "array", "items": INT_PAIR}}
    assert _twins(nested, {"type": "array", "items": {"type": "array"}}) == []
    assert _twins({"type": "array", "items": INT_PAIR}, {"type": "array", "items": INT_PAIR}) == []


def test_twin_items_may_differ_below_a_kept_object() -> None:
    """SARIF's ``locations``: the name the reader drops sits inside a kept object; past
    three levels the search stops."""

    def nest(inner: dict[str, Any], levels: int) -> dict[str, Any]:
        for _ in range(levels):
            inner = {"type": "object", "properties": {"x": inner}, "required": ["x"]}
        return inner

    only_a = {"type": "object", "properties": {"a": {"type": "integer"}}}
    for levels in (1, 2):
        writer, reader = nest(INT_PAIR, levels), nest(only_a, levels)
        twins = _twins({"type": "array", "items": writer}, {"type": "array", "items": reader})
        assert twins, levels
        one, two = twins[0][:2]
        assert one != two
        seen = [strip(t, (Document(reader).root,)) for t in (one, two)]
        assert seen[0] == seen[1]
    deep = _twins(
        {"type": "array", "items": nest(INT_PAIR, 3)}, {"type": "array", "items": nest(only_a, 3)}
    )
    assert deep == []


def test_a_closed_writer_emits_only_what_it_declares() -> None:
    """``additionalProperties: false`` on the writer: the reader declaring both names keeps
    both, so the writer's ``minProperties: 2`` stands; declaring one, it does not."""
    writer = {
        "type": "object",
        "properties": {"a": {"const": 1}, "b": {"const": 2}},
        "minProperties": 2,
        "additionalProperties": False,
    }
    both = {"type": "object", "properties": {"a": {}, "b": {}}, "minProperties": 2}
    kept = check(writer, both, mode="backward", content_model="lenient")
    assert kept.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE
    one = {"type": "object", "properties": {"a": {}}, "minProperties": 2}
    lost = check(writer, one, mode="backward", content_model="lenient")
    assert lost.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    # names a pattern governs may be any: the reader keeps none of them, so none counts
    patterned = {**writer, "patternProperties": {"^x": {"type": "integer"}}}
    del patterned["additionalProperties"]
    seen = check(patterned, both, mode="backward", content_model="lenient")
    assert seen.verdicts[Mode.BACKWARD].outcome is not Outcome.COMPATIBLE
