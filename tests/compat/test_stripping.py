"""``accord.compat.js.stripping``: when a lenient reader's stripping provably cannot change a
schema's verdict (``stable``) or any value of a writer (``unchanged``). Each case says
which value would make the other answer wrong."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from accord.compat.js import stripping
from accord.compat.js.document import Document
from accord.compat.js.flat import flatten
from accord.compat.js.patterns import outside_union

OBJ: dict[str, Any] = {"type": "object"}
REMOTE: dict[str, Any] = {"$ref": "https://schemas.example/elsewhere.json"}


def _stable(schema: Any, writer: Any, reader: Any) -> bool:
    root = Document(schema).root
    w, r = Document(writer).root, Document(reader).root
    return stripping.stable(root, flatten((w,)), flatten((r,)))


def _unchanged(writer: Any, reader: Any) -> bool:
    w, r = Document(writer).root, Document(reader).root
    return stripping.unchanged((w,), (r,), frozenset())


def _props(*names: str, **schemas: Any) -> dict[str, Any]:
    return {"properties": {**{n: {} for n in names}, **schemas}}


def _wide(count: int) -> list[dict[str, Any]]:
    return [{"type": "string", "minLength": i} for i in range(count)]


STABLE = [
    # (id, schema, writer, reader, stable)
    ("required-kept", {"required": ["a"]}, _props("a"), _props("a"), True),
    # {"a": 1} is seen as {}: `required` fails only after stripping
    ("required-dropped", {"required": ["a"]}, _props("a"), _props("b"), False),
    ("required-never-emitted", {"required": ["z"]}, _props("a"), _props("a"), True),
    # {"a": 1, "b": 2} is seen as {"a": 1}
    ("count-dropped", {"minProperties": 2}, _props("a", "b"), _props("a"), False),
    ("count-kept", {"minProperties": 2}, _props("a", "b"), _props("a", "b"), True),
    (
        "count-catch-all",
        {"minProperties": 2},
        _props("a", "b"),
        {"additionalProperties": OBJ},
        True,
    ),
    # {"x": {"k": 1}} is seen as {"x": {}}
    (
        "nested-required-dropped",
        _props(x={"required": ["k"]}),
        _props(x=_props("k")),
        _props(x=_props("j")),
        False,
    ),
    (
        "nested-kept",
        _props(x={"required": ["k"]}),
        _props(x=_props("k")),
        _props(x=_props("k")),
        True,
    ),
    ("never-emitted-property", _props(q={"required": ["k"]}), _props("a"), _props("a", "q"), True),
    # the writer's catch-all may hold `x` with `k`; the reader's `x` drops it
    (
        "catch-all-writer",
        _props(x={"required": ["k"]}),
        {"additionalProperties": OBJ},
        _props(x=_props("j")),
        False,
    ),
    (
        "pattern-writer",
        _props(x={"required": ["k"]}),
        {"patternProperties": {"^x": OBJ}, **_props("x")},
        _props(x=_props("j")),
        False,
    ),
    ("dropped-but-vacuous", _props("z"), _props("z"), _props("a"), True),
    # {"z": 1} is seen as {}
    ("dropped-and-looked-at", _props(z={"type": "string"}), _props("z"), _props("a"), False),
    (
        "catch-all-both",
        _props(x={"required": ["k"]}),
        {"additionalProperties": OBJ},
        {"additionalProperties": OBJ},
        True,
    ),
    ("dynamic-reference", {"$defs": {"x": OBJ}, "$dynamicRef": "#/$defs/x"}, _props(), OBJ, False),
    ("enum-of-objects", {"enum": [{"a": 1}]}, _props("a"), _props("a"), False),
    ("enum-of-scalars", {"enum": [1, "a"]}, _props("a"), _props("a"), True),
    ("unevaluated", {"unevaluatedProperties": False}, _props("a"), _props("a"), False),
    ("unique-items", {"uniqueItems": True}, {"type": "array"}, {"items": _props("a")}, False),
    # a name matching the reader's pattern keeps only what the pattern's schema declares
    (
        "reader-patterns",
        {"additionalProperties": {"type": "string"}},
        _props("a"),
        {"patternProperties": {"^x": OBJ}},
        False,
    ),
    # {"a": {"z": 1}} (under the catch-all) is seen as {"a": {}}
    (
        "catch-all-value-stripped",
        {"additionalProperties": {"required": ["z"]}},
        _props("a"),
        {"additionalProperties": OBJ, **_props(a=_props("b"))},
        False,
    ),
    (
        "items-stripped",
        {"items": {"required": ["k"]}},
        {"type": "array"},
        {"items": _props("j")},
        False,
    ),
    ("items-kept", {"items": {"required": ["k"]}}, {"type": "array"}, {"items": _props("k")}, True),
    (
        "contains-stripped",
        {"contains": {"required": ["k"]}},
        {"type": "array"},
        {"items": _props("j")},
        False,
    ),
    ("past-the-limit", {"allOf": _wide(stripping.LIMIT + 4)}, _props("a"), _props("a"), False),
    (
        "recursive",
        {"$defs": {"t": _props(c={"$ref": "#/$defs/t"})}, "$ref": "#/$defs/t"},
        _props(c=_props("z")),
        {"$defs": {"t": _props(c={"$ref": "#/$defs/t"})}, "$ref": "#/$defs/t"},
        True,
    ),
    ("unsupplied-remote-reference", _props(x=REMOTE), _props("x"), _props(x=_props("k")), False),
]


@pytest.mark.parametrize(
    ("schema", "writer", "reader", "expected"), [c[1:] for c in STABLE], ids=[c[0] for c in STABLE]
)
def test_stable(schema: Any, writer: Any, reader: Any, expected: bool) -> None:
    assert _stable(schema, writer, reader) is expected


UNCHANGED = [
    # (id, writer, reader, unchanged)
    ("same-names", _props(x=_props("k")), _props(x=_props("k")), True),
    ("scalars", {"type": "string"}, _props("a"), True),
    # the reader declares nothing: {"k": 1} is seen as {}
    ("nothing-declared", _props("k"), {}, False),
    ("kept-whole", _props(k=_props("j")), {"additionalProperties": OBJ}, True),
    # {"x": {"k": 1}} is seen as {"x": {}}
    ("nested-dropped", _props(x=_props("k")), _props(x=_props("j")), False),
    # a required, undeclared name may hold any object
    ("required-only", {"required": ["a"]}, _props(a=_props("k")), False),
    ("writer-pattern", {"patternProperties": {"^a": OBJ}}, _props("a"), False),
    ("catch-all-unread", {"additionalProperties": OBJ}, _props("a"), False),
    (
        "catch-all-read-whole",
        {"additionalProperties": OBJ},
        {"additionalProperties": OBJ, **_props(n=_props("k"))},
        True,
    ),
    # {"n": {"m": 1}} under the writer's catch-all is seen as {"n": {}}
    (
        "catch-all-value-stripped",
        {"additionalProperties": _props("k", "m")},
        {"additionalProperties": OBJ, **_props(n=_props("k"))},
        False,
    ),
    ("items-dropped", {"items": _props("k")}, {"items": _props("j")}, False),
    ("items-kept", {"prefixItems": [_props("k")], "items": False}, {"items": _props("k")}, True),
    ("branches", {"anyOf": [_props("a"), {"type": "string"}]}, _props("a"), True),
    ("a-branch-dropped", {"oneOf": [_props("a"), _props("b")]}, _props("a"), False),
    ("never", {"not": {}}, _props("a"), True),
    (
        "past-the-limit",
        _props(**{f"p{i}": _props(f"k{i}") for i in range(stripping.LIMIT + 4)}),
        _props(**{f"p{i}": _props(f"k{i}") for i in range(stripping.LIMIT + 4)}),
        False,
    ),
    (
        "recursive",
        {"$defs": {"t": _props(c={"$ref": "#/$defs/t"})}, "$ref": "#/$defs/t"},
        _props(c=_props("c")),
        False,
    ),
    ("unsupplied-remote-reference", _props(x=REMOTE), _props(x=_props("k")), False),
]


@pytest.mark.parametrize(
    ("writer", "reader", "expected"), [c[1:] for c in UNCHANGED], ids=[c[0] for c in UNCHANGED]
)
def test_unchanged(writer: Any, reader: Any, expected: bool) -> None:
    assert _unchanged(writer, reader) is expected


def test_recursive_writer_and_reader_alike_strip_nothing() -> None:
    tree = {"$defs": {"t": _props(c={"$ref": "#/$defs/t"})}, "$ref": "#/$defs/t"}
    assert _unchanged(tree, tree)


def test_shortest_string_outside_a_union() -> None:
    writer = (["^[Nn]ode(1[68]|20)$"], (0, None), None)
    readers = [([], (0, None), ["node20"]), (["^[Nn]ode1[68]$"], (0, None), None)]
    assert outside_union(writer, readers) == "Node20"
    assert outside_union(writer, [*readers, (["^Node20$"], (0, None), None)]) is None


def test_no_string_outside_a_union_of_patterns_that_are_not_regular() -> None:
    assert outside_union(([r"^(a)\1$"], (0, None), None), []) is None


def test_a_lenient_writer_that_can_emit_nothing_has_no_witness() -> None:
    """The writer needs a property and declares none: each candidate holds a name it never
    emits, so none may be the witness."""
    verdict = check({"type": "object", "minProperties": 1}, {"type": "string"}, mode="backward")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.UNDECIDED
    assert not [w for w in verdict.witnesses if w.mode is Mode.BACKWARD]


@pytest.mark.parametrize("question", ["stable", "unchanged"])
def test_a_proof_parses_no_property_that_might_break_the_document(question: str) -> None:
    """A proof is optional: one that needs a property holding an unsupplied remote
    reference gives up before parsing it. Parsing it would break the writer's document, and
    the whole check would then be refused for a question the decision never asked (drone's
    lenient pairs were refused so)."""
    writer = Document({"properties": {"x": REMOTE, "y": {"type": "string"}}})
    reader = Document(_props("y", x=_props("k"))).root
    if question == "stable":
        schema = Document(_props(x={"required": ["k"]})).root
        proved = stripping.stable(schema, flatten((writer.root,)), flatten((reader,)))
    else:
        proved = stripping.unchanged((writer.root,), (reader,), frozenset())
    assert not proved
    assert writer.broken is None
    assert writer.root.props["y"].types == frozenset({"string"})  # the document still parses
