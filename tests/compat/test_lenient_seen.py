"""A lenient reader judges the writer's value as it sees it, stripped: what the engine
knows of the value as written (it is in no branch of a reader ``oneOf`` but one, it avoids
a reader ``not``, it takes a reader conditional's ``else``) holds only where stripping
cannot change it. Each reader here accepts the writer's one value as written and rejects
it as seen, so `compatible` would be wrong; the strict content model keeps it whole."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from accord.compat import Mode, Outcome, check
from accord.compat.js.document import Document
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
    assert jsonschema.Draft202012Validator(writer).is_valid(witness.document)
    seen = strip(witness.document, (Document(reader).root,))
    assert not jsonschema.Draft202012Validator(reader).is_valid(seen)
    strict = check(writer, reader, mode="backward", content_model="strict")
    assert strict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE


def test_a_reader_not_that_stripping_cannot_reach_still_proves_compatible() -> None:
    """The guard costs nothing where stripping changes nothing the schema looks at: the
    negated schema constrains only "a", which the reader keeps whole."""
    reader = {**A_IS_1, "not": {"properties": {"a": {"const": 3}}, "required": ["a"]}}
    verdict = check(WRITER, reader, mode="backward", content_model="lenient")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE
