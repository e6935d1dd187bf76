"""Sameness of sub-schemas across two versions, references included (``js.sameness``)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat.js.document import Document
from accord.compat.js.sameness import Pair, Plain

DEFS = {
    "a": {"type": "string"},
    "b": {"prefixItems": [{"$ref": "#/$defs/a"}]},
    "c": {"$ref": "#/$defs/b/prefixItems/0"},
}


def _pair(old: dict[str, Any], new: dict[str, Any]) -> Pair:
    return Pair(Plain(old), Plain(new))


def test_equal_source_reaching_equal_definitions_is_the_same() -> None:
    old: dict[str, Any] = {
        "$defs": DEFS,
        "properties": {"p": {"$ref": "#/$defs/c"}, "q": {"type": "string"}},
    }
    new: dict[str, Any] = {
        "$defs": DEFS,
        "properties": {"p": {"$ref": "#/$defs/c"}, "q": {"type": "integer"}},
    }
    pair = _pair(old, new)
    assert pair.same(old["properties"]["p"], new["properties"]["p"])
    # the closure is remembered: a second question reuses it
    assert pair.same({"$ref": "#/$defs/b"}, {"$ref": "#/$defs/b"})
    assert not pair.same(old["properties"]["q"], new["properties"]["q"])  # unequal source
    assert not pair.same({"const": 1}, {"const": 1.0})  # == but not the same JSON


def test_a_changed_definition_anywhere_in_the_closure_breaks_sameness() -> None:
    old = {"$defs": DEFS, "properties": {"p": {"$ref": "#/$defs/c"}}}
    changed = {**DEFS, "a": {"type": "integer"}}
    new = {"$defs": changed, "properties": {"p": {"$ref": "#/$defs/c"}}}
    pair = _pair(old, new)
    assert not pair.same({"$ref": "#/$defs/c"}, {"$ref": "#/$defs/c"})
    assert not pair.same({"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"})  # known different
    # a reference whose closure reaches the known-different pointer
    assert not pair.same({"$ref": "#/$defs/b"}, {"$ref": "#/$defs/b"})


def test_recursion_and_whole_document_references() -> None:
    node = {"properties": {"kids": {"items": {"$ref": "#/$defs/node"}}}}
    old = {"$defs": {"node": node}, "properties": {"r": {"$ref": "#/$defs/node"}, "n": {}}}
    new = {"$defs": {"node": node}, "properties": {"r": {"$ref": "#/$defs/node"}, "n": False}}
    pair = _pair(old, new)
    assert pair.same({"$ref": "#/$defs/node"}, {"$ref": "#/$defs/node"})
    assert not pair.same({"$ref": "#"}, {"$ref": "#"})  # the roots differ


def test_missing_targets_and_array_pointers() -> None:
    old = {"$defs": {"l": [{"type": "string"}]}}
    new = {"$defs": {"l": [{"type": "string"}]}}
    pair = _pair(old, new)
    assert pair.same({"$ref": "#/$defs/l/0"}, {"$ref": "#/$defs/l/0"})
    assert not pair.same({"$ref": "#/$defs/l/7"}, {"$ref": "#/$defs/l/7"})
    assert not pair.same({"$ref": "#/$defs/nope"}, {"$ref": "#/$defs/nope"})
    assert Plain({"$defs": {"a~b/c": {}}}).at("/$defs/a~0b~1c") == {}
    assert Plain({"$defs": {"a b": 1}}).at("/$defs/a%20b") == 1


@pytest.mark.parametrize(
    "raw",
    [
        True,
        {"$defs": {"a": {"$id": "a.json"}}},
        {"$defs": {"a": {"id": "a.json"}}},
        {"$anchor": "top"},
        {"$id": "#top"},
        {"$defs": {"a": {"$dynamicRef": "#x"}}},
        {"items": [{"$recursiveRef": "#"}]},
        {"properties": {"a": {"$ref": "other.json#/x"}}},
        {"properties": {"a": {"$ref": "#anchor"}}},
    ],
    ids=[
        "boolean-schema",
        "nested-id",
        "nested-draft4-id",
        "anchor",
        "fragment-id",
        "dynamic-ref",
        "recursive-ref",
        "remote-ref",
        "anchor-ref",
    ],
)
def test_resolution_that_is_not_plain_proves_nothing(raw: Any) -> None:
    plain = Plain(raw)
    assert not plain.ok
    assert not Pair(plain, plain).same({"$ref": "#/x"}, {"$ref": "#/x"})


def test_plain_documents_may_name_themselves_at_the_root() -> None:
    assert Plain({"$id": "https://example.com/s.json", "properties": {"id": {}}}).ok
    assert Plain({"properties": {"id": {"type": "string"}}, "default": {"x": 1}}).ok
    a = Plain({"$id": "https://example.com/a.json"})
    b = Plain({"$id": "https://example.com/b.json"})
    assert not Pair(a, b).same({"$ref": "#"}, {"$ref": "#"})  # bases differ


def test_documents_answer_through_their_nodes() -> None:
    old = Document({"$defs": DEFS, "properties": {"p": {"$ref": "#/$defs/c"}}})
    new = Document({"$defs": DEFS, "properties": {"p": {"$ref": "#/$defs/c"}}, "required": ["p"]})
    assert old.root.props["p"].same_as(new.root.props["p"])
    assert old.same_source(new, {"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"})  # memoised pair
    assert old.same_source(old, {"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"})
    draft7 = Document(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$defs": DEFS,
            "properties": {"p": {"$ref": "#/$defs/c"}},
        }
    )
    assert not old.root.props["p"].same_as(draft7.root.props["p"])  # dialects differ


def test_definitions_renamed_between_versions_are_followed() -> None:
    # generated schemas name definitions by content hash: renamed, not changed
    leaf: dict[str, Any] = {
        "type": "object",
        "properties": {"kids": {"items": {"$ref": "#/definitions/ab12"}}},
    }
    old: dict[str, Any] = {
        "definitions": {"ab12": leaf},
        "properties": {"t": {"$ref": "#/definitions/ab12"}},
    }
    renamed: dict[str, Any] = {
        "type": "object",
        "properties": {"kids": {"items": {"$ref": "#/definitions/cd34"}}},
    }
    new: dict[str, Any] = {
        "definitions": {"cd34": renamed},
        "properties": {"t": {"$ref": "#/definitions/cd34"}},
    }
    pair = _pair(old, new)
    assert pair.same(old["properties"]["t"], new["properties"]["t"])
    assert pair.same(old["properties"]["t"], new["properties"]["t"])  # remembered
    other = {**renamed, "required": ["kids"]}
    changed: dict[str, Any] = {
        "definitions": {"cd34": other},
        "properties": {"t": {"$ref": "#/definitions/cd34"}},
    }
    assert not _pair(old, changed).same(old["properties"]["t"], changed["properties"]["t"])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"enum": [{"$ref": "#/x"}]}, {"enum": [{"$ref": "#/y"}]}),  # data, not references
        ({"type": "string"}, {"type": "string", "minLength": 1}),  # other keywords
        ({"allOf": [{}]}, {"allOf": [{}, {}]}),  # other lengths
        ({"items": [{}]}, {"items": {}}),  # a list against an object
        ({"$ref": "#/missing"}, {"$ref": "#/missing"}),
    ],
)
def test_structural_differences_are_not_the_same(a: Any, b: Any) -> None:
    doc = {"x": {"type": "string"}, "y": {"type": "string"}}
    assert not _pair(doc, doc).same(a, b)


def test_equal_sub_trees_are_compared_by_their_references_only() -> None:
    """Equal containers with equal text skip the walk: only their references are
    followed; a reference reaching nothing fails there, a ``"$ref"`` that is no plain
    string (a property so named) sends them to the walk."""
    doc: dict[str, Any] = {"$defs": {"a": {"type": "string"}}}
    pair = _pair(doc, doc)
    named = {"properties": {"$ref": {"$ref": "#/$defs/a"}}}
    assert pair.same(named, {"properties": {"$ref": {"$ref": "#/$defs/a"}}})
    unequal = ({"$ref": "#/missing", "type": "string"}, {"$ref": "#/missing", "type": "integer"})
    assert not pair.same(*unequal)  # the walk follows the reference first: it reaches nothing
    # a sub-tree already shown the same is not compared again inside a larger question
    old: dict[str, Any] = {"q": 1, "p": {"$ref": "#/$defs/a"}}
    new: dict[str, Any] = {"q": 2, "p": {"$ref": "#/$defs/a"}}
    assert pair.same(old["p"], new["p"])
    assert not pair.same(old, new)


@pytest.mark.parametrize("lenient", [False, True])
def test_properties_reaching_unchanged_definitions_are_decided_unparsed(lenient: bool) -> None:
    """A property whose source holds a reference is not parsed, for the decision or the
    change list, when the raw sameness proof shows it means the same; one whose
    definition changed still is, and is judged."""
    from accord.compat import Outcome
    from accord.compat.js.backend import JsonSchemaBackend

    def version(a_type: str, q_type: str) -> dict[str, Any]:
        defs = {**DEFS, "a": {"type": a_type}, "d": {"type": "string"}}
        props: dict[str, Any] = {f"p{i}": {"$ref": "#/$defs/d"} for i in range(40)}
        props |= {"r": {"$ref": "#/$defs/c"}, "q": {"type": q_type}}
        return {"$defs": defs, "type": "object", "properties": props}

    impl = JsonSchemaBackend(False, {})
    old, new = impl.parse(version("string", "string")), impl.parse(version("integer", "integer"))
    decision = impl.decide(new, old, lenient, False)  # new writer, old reader
    changes = impl.changes(old, new, lenient)
    assert decision.outcome is Outcome.INCOMPATIBLE
    assert {c.path for c in changes} == {"/properties/q/type", "/properties/r/type"}
    assert not any(c.path.startswith("/properties/p") for c in changes)
    for doc in (old, new):
        assert "/properties/r" in doc.nodes  # its definition changed: parsed and judged
        assert not any(path.startswith("/properties/p") for path in doc.nodes)


def test_property_sameness_is_proved_across_two_documents_only() -> None:
    """``node.same_source``: within one document a property's meaning depends on its own
    object's base URI, which the nodes a proof compares (perhaps ``$ref``s to those
    objects) do not tell; there the properties are parsed and compared by ``same_as``."""
    from accord.compat.js.node import same_source

    def resource(name: str, kind: str) -> dict[str, Any]:
        return {
            "$id": f"https://example.com/{name}",
            "$defs": {"a": {"type": kind}},
            "properties": {"p": {"$ref": "#/$defs/a"}},
        }

    doc = Document(
        {"$defs": {"x": resource("x", "string"), "y": resource("y", "integer")}}, eager=True
    )
    x, y = doc.nodes["/$defs/x"], doc.nodes["/$defs/y"]
    assert same_source(x, y) is None
    assert same_source(x, x) is None
    assert not x.props["p"].same_as(y.props["p"])  # the same text, other definitions
    other = Document(doc.raw, eager=True)
    same = same_source(x, other.nodes["/$defs/x"])
    assert same is not None
    p = x.raw["properties"]["p"]
    assert doc.same_source(doc, p, p, repr(p))  # the text both have, given: not made again


def test_a_given_text_stands_for_equal_source_where_resolution_is_not_plain() -> None:
    """``Document.same_source`` with the text both sub-trees have (``LazyProps.changed``
    knows it): where resolution is not plain, only a sub-tree that resolves nothing is
    the same, as without the text."""
    raw = {"$defs": {"a": {"$id": "https://example.com/a", "type": "string"}}}
    old, new = Document(raw), Document(raw)
    free, held = {"enum": ["$ref"]}, {"$ref": "#/$defs/a"}
    assert old.same_source(new, free, free, repr(free))
    assert not old.same_source(new, held, held, repr(held))
    assert old.same_source(new, free, free)
    assert not old.same_source(new, held, held)


def test_changed_names_are_kept_per_other_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """``LazyProps.changed`` answers again from its memo (a fresh set: callers narrow it),
    per other map, and starts again past ``CHANGED_KEPT`` of them."""
    from accord.compat.js import node

    def props(q: str) -> Any:
        doc = Document(
            {"$defs": DEFS, "properties": {"p": {"$ref": "#/$defs/c"}, "q": {"type": q}}}
        )
        return doc.root.props, doc

    (base, base_doc), (same, same_doc), (other, _) = (
        props("string"),
        props("string"),
        props("integer"),
    )
    check = node.same_source(base_doc.root, same_doc.root)
    assert check is not None
    first = base.changed(same, check)
    assert first == set()
    first.add("x")  # the caller's to narrow
    assert base.changed(same, check) == set()
    monkeypatch.setattr(node, "CHANGED_KEPT", 1)
    for _ in range(2):
        assert base.changed(other) == {"p", "q"}  # no sameness proof: references count as changed
        assert base.changed(same, check) == set()
