"""Dialect inference (no ``$schema``, the "latest" URI, asset defaults) and the annotations
consumers act on (``format``, ``contentEncoding``, ``contentMediaType``)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Change, Direction, Mode, Outcome, SchemaError, Verdict, check
from accord.compat.js import real
from accord.compat.js.dialect import (
    Dialect,
    asset_default,
    detect,
    infer,
    latest,
    named,
)
from accord.compat.js.document import Document
from accord.compat.js.real import validator

T, R, B, N = Direction.TIGHTENS, Direction.RELAXES, Direction.BOTH, Direction.NEUTRAL
D4, D6, D7, D2019, D2020 = (
    Dialect.DRAFT4,
    Dialect.DRAFT6,
    Dialect.DRAFT7,
    Dialect.DRAFT2019,
    Dialect.DRAFT2020,
)
LATEST = "http://json-schema.org/schema#"
DRAFT7_URI = "http://json-schema.org/draft-07/schema#"
DRAFT2020_URI = "https://json-schema.org/draft/2020-12/schema"


def _valid(schema: Any, document: Any, assert_formats: bool = False) -> bool:
    """The real validator of the schema's own (possibly inferred) dialect."""
    return bool(validator(schema, detect(schema), assert_formats).is_valid(document))


def _assert_witnessed(old: Any, new: Any, verdict: Verdict, assert_formats: bool = False) -> None:
    """Every incompatible mode has a witness the real validators confirm (strict model)."""
    for mode, under in ((Mode.BACKWARD, "old"), (Mode.FORWARD, "new")):
        found = [w for w in verdict.witnesses if w.mode is mode]
        if verdict.verdicts[mode].outcome is not Outcome.INCOMPATIBLE:
            assert not found
            continue
        assert found, f"{mode.value}: incompatible without a witness"
        writer, reader = (old, new) if under == "old" else (new, old)
        for witness in found:
            assert witness.valid_under == under
            assert _valid(writer, witness.document, assert_formats), witness.document
            assert not _valid(reader, witness.document, assert_formats), witness.document


def _outcomes(verdict: Verdict) -> tuple[str, str]:
    return (
        verdict.verdicts[Mode.BACKWARD].outcome.value,
        verdict.verdicts[Mode.FORWARD].outcome.value,
    )


def _changes(verdict: Verdict) -> list[tuple[str, str, Direction]]:
    return [(c.path, c.kind, c.direction) for c in verdict.changes]


# --- inference -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        # nothing distinguishes: 2020-12, the documented default
        ({}, D2020),
        (True, D2020),
        ({"type": "object", "properties": {"a": {"const": 1}}}, D2020),
        ({"exclusiveMinimum": 1}, D2020),
        ({"exclusiveMinimum": "1"}, D2020),  # invalid everywhere: no evidence
        ({"items": {"type": "string"}}, D2020),  # the schema form is read by every draft
        ({"dependencies": ["a"], "definitions": 3}, D2020),  # not the forms: invalid anyway
        # draft-04..07 forms
        ({"type": "array", "items": [{"type": "string"}], "additionalItems": False}, D7),
        ({"additionalItems": {"type": "string"}}, D7),
        ({"type": "object", "dependencies": {"a": ["b"]}}, D7),
        ({"dependencies": {"a": {"required": ["b"]}}}, D7),
        ({"definitions": {"a": {"type": "string"}}, "$ref": "#/definitions/a"}, D7),
        ({"items": [{}], "if": {"type": "array"}}, D7),
        ({"items": [{}], "exclusiveMaximum": 3}, D7),
        ({"definitions": {}, "$id": "https://example.com/s.json"}, D7),
        # draft-04 only
        ({"type": "number", "minimum": 0, "exclusiveMinimum": True}, D4),
        ({"maximum": 0, "exclusiveMaximum": False}, D4),
        ({"id": "https://example.com/s.json", "type": "string"}, D4),
        ({"id": "#item"}, D4),
        ({"id": "item.json#"}, D4),
        ({"id": "http://example.com/s", "items": [{}]}, D4),
        # draft-04 ids that are not identifiers, or that a newer form rules out
        ({"id": "customer", "type": "object"}, D2020),
        ({"id": "", "type": "object"}, D2020),
        ({"id": 7}, D2020),
        ({"id": "https://example.com/a", "$id": "https://example.com/a"}, D2020),
        ({"id": "https://example.com/a", "const": 1}, D2020),
        ({"id": "https://example.com/a", "definitions": {"x": {"$id": "#x"}}}, D7),
        # 2019-09 and 2020-12 forms
        ({"$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a"}, D2020),
        ({"definitions": {"a": {}}, "$defs": {"b": {}}}, D2020),
        ({"prefixItems": [{}], "items": False}, D2020),
        ({"$dynamicRef": "#meta"}, D2020),
        ({"unevaluatedProperties": False}, D2020),
        ({"dependentRequired": {"a": ["b"]}}, D2020),
        ({"dependentSchemas": {"a": {}}}, D2020),
        ({"$recursiveRef": "#", "$recursiveAnchor": True}, D2019),
        ({"items": [{}], "unevaluatedItems": False}, D2019),  # read by 2019-09 only
        ({"items": [{}], "$defs": {}}, D2019),
        # mixed forms no dialect reads all of: the most kinds read, draft-07 first on a tie
        ({"dependencies": {"a": ["b"]}, "unevaluatedProperties": False}, D7),
        ({"items": [{}], "prefixItems": [{}]}, D7),
        ({"dependencies": {}, "dependentRequired": {}, "unevaluatedProperties": False}, D2020),
        ({"$recursiveRef": "#", "$dynamicRef": "#x"}, D2020),
        ({"$recursiveRef": "#", "$dynamicRef": "#x", "$recursiveAnchor": True}, D2019),
        # a boolean exclusive bound is refused from draft-06 on: it decides
        ({"exclusiveMinimum": True, "minimum": 1, "const": 1}, D4),
        ({"exclusiveMaximum": True, "maximum": 1, "prefixItems": [{}]}, D4),
    ],
)
def test_inferred_dialect(schema: Any, expected: Dialect) -> None:
    assert detect(schema) is expected
    assert infer(schema) is expected
    # the quick scan of the source text (what Document passes) agrees with the walk
    assert detect(schema, text=repr(schema)) is expected


@pytest.mark.parametrize(
    "schema",
    [
        # property names are not keywords
        {
            "type": "object",
            "properties": {
                "definitions": {"type": "object"},
                "dependencies": {"type": "array", "items": {"type": "string"}},
                "items": {"type": "array"},
                "id": {"type": "string"},
                "additionalItems": {"type": "integer"},
            },
            "required": ["definitions", "dependencies", "items", "id"],
        },
        # nor are values under enum, const, default, examples or unknown keywords
        {
            "enum": [{"items": [1], "dependencies": {}}],
            "default": {"exclusiveMinimum": True, "additionalItems": 1},
            "examples": [{"id": "https://example.com/x"}],
            "x-legacy": {"definitions": {}, "items": [{}]},
        },
        {"const": {"dependencies": {"a": ["b"]}}},
        # pattern property names and dependency names neither
        {"patternProperties": {"^definitions$": {"type": "string"}}},
        {"dependentRequired": {"items": ["dependencies"]}},
    ],
)
def test_data_is_not_read_as_keywords(schema: Any) -> None:
    assert detect(schema) is D2020


def test_forms_are_found_at_every_schema_position() -> None:
    tuple_form = {"items": [{"type": "string"}]}
    for wrap in (
        lambda s: {"properties": {"a": s}},
        lambda s: {"patternProperties": {"^a": s}},
        lambda s: {"additionalProperties": s},
        lambda s: {"items": s},
        lambda s: {"items": [{}, s]},
        lambda s: {"contains": s},
        lambda s: {"propertyNames": s},
        lambda s: {"not": s},
        lambda s: {"if": s, "then": {}},
        lambda s: {"if": {}, "then": s},
        lambda s: {"if": {}, "else": s},
        lambda s: {"allOf": [s]},
        lambda s: {"anyOf": [{}, s]},
        lambda s: {"oneOf": [s]},
        lambda s: {"definitions": {"d": s}},
        lambda s: {"dependencies": {"a": s}},
        lambda s: {"additionalItems": s},
        lambda s: {"contentSchema": s},
    ):
        assert detect(wrap(tuple_form)) is D7, wrap(tuple_form)
    for wrap in (
        lambda s: {"$defs": {"d": s}},
        lambda s: {"prefixItems": [s]},
        lambda s: {"dependentSchemas": {"a": s}},
        lambda s: {"unevaluatedItems": s},
        lambda s: {"unevaluatedProperties": s},
    ):
        # 2019-09 forms around it: the newest dialect reading both
        assert detect(wrap(tuple_form)) in (D7, D2019), wrap(tuple_form)
    assert detect({"properties": {"a": {"dependencies": {"x": ["y"]}}}}) is D7


def test_inference_is_iterative_and_linear() -> None:
    deep: Any = {"type": "string"}
    for _ in range(20_000):  # far deeper than Python's recursion limit
        deep = {"not": deep}
    assert detect(deep) is D2020
    assert detect({"anyOf": [deep, {"items": [{}]}]}) is D7
    shared: Any = {"dependencies": {"a": ["b"]}}
    for _ in range(200):  # 2^200 paths: each object is read once
        shared = {"allOf": [shared, shared]}
    assert detect(shared) is D7


# --- $schema, the "latest" URI, asset defaults --------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://json-schema.org/schema#",
        "http://json-schema.org/schema",
        "https://json-schema.org/schema#",
        "https://json-schema.org/schema",
    ],
)
def test_latest_uri_is_accepted_and_inferred(uri: str) -> None:
    assert latest(uri)
    assert named(uri) is None
    assert detect({"$schema": uri, "type": "string"}) is D2020
    assert detect({"$schema": uri, "dependencies": {"a": ["b"]}}) is D7
    assert detect({"$schema": uri}, default=D6) is D6
    Document({"$schema": uri, "type": "array", "items": [{"type": "string"}]}, eager=True)


def test_named_dialects() -> None:
    assert detect({"$schema": "http://json-schema.org/draft-04/schema#"}) is D4
    assert detect({"$schema": DRAFT7_URI, "prefixItems": [{}]}) is D7  # $schema decides
    assert named("draft-07") is D7
    assert named("2019-09") is D2019
    assert named("https://json-schema.org/draft/2020-12/schema") is D2020
    assert named("draft-05") is None
    assert named(7) is None
    assert not latest("http://json-schema.org/draft-07/schema#")
    assert not latest(None)
    assert [d.label for d in Dialect] == ["draft-04", "draft-06", "draft-07", "2019-09", "2020-12"]
    for bad in ("http://json-schema.org/schema/v2", "http://example.com/schema#", 7):
        with pytest.raises(SchemaError, match="unsupported") as info:
            detect({"$schema": bad}, default=D7)  # a default never excuses a bad $schema
        assert info.value.path == "/$schema"


def test_asset_default_replaces_inference() -> None:
    legacy = {"type": "object", "dependencies": {"a": ["b"]}}
    assert detect(legacy) is D7
    assert detect(legacy, default=D2020) is D2020  # the asset says 2020-12: ignored keyword
    assert detect({"type": "string"}, default=D4) is D4
    assert detect(True, default=D2019) is D2019
    assert detect({"$schema": DRAFT2020_URI, "dependencies": {}}, default=D7) is D2020
    assert asset_default(None) is None
    assert asset_default("draft-07") is D7
    assert asset_default(DRAFT2020_URI) is D2020
    for bad in ("latest", LATEST, "draft-05"):
        with pytest.raises(SchemaError, match="unknown default dialect"):
            asset_default(bad)


# --- the inferred dialect in checks ----------------------------------------------------------

TUPLE_OPEN = {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}
TUPLE_CLOSED = {**TUPLE_OPEN, "additionalItems": False}
TUPLE_STRINGS = {**TUPLE_OPEN, "additionalItems": {"type": "string"}}


def test_tuple_forms_without_schema_are_read_as_draft_07() -> None:
    doc = Document(TUPLE_CLOSED)
    assert doc.dialect is D7
    assert type(doc.validator) is real._REAL[D7]  # witnesses are checked in draft-07
    assert doc.valid(doc.root, ["a", 1])
    assert not doc.valid(doc.root, ["a", 1, "extra"])
    assert not doc.valid(doc.root, [1, "a"])

    closed = check(TUPLE_OPEN, TUPLE_CLOSED, mode="full", content_model="strict")
    assert _outcomes(closed) == ("incompatible", "compatible")
    assert ("/items", "additional_items_closed", T) in _changes(closed)
    _assert_witnessed(TUPLE_OPEN, TUPLE_CLOSED, closed)

    opened = check(TUPLE_CLOSED, TUPLE_OPEN, mode="full", content_model="strict")
    assert _outcomes(opened) == ("compatible", "incompatible")
    assert ("/items", "additional_items_opened", R) in _changes(opened)
    _assert_witnessed(TUPLE_CLOSED, TUPLE_OPEN, opened)

    narrowed = check(TUPLE_OPEN, TUPLE_STRINGS, mode="full", content_model="strict")
    assert _outcomes(narrowed) == ("incompatible", "compatible")
    assert any(c.path == "/items" and c.direction is T for c in narrowed.changes)
    _assert_witnessed(TUPLE_OPEN, TUPLE_STRINGS, narrowed)

    same = check(TUPLE_CLOSED, {"$schema": DRAFT7_URI, **TUPLE_CLOSED}, mode="full")
    assert _outcomes(same) == ("compatible", "compatible")


def test_tuple_forms_under_an_explicit_2020_schema_are_still_refused() -> None:
    with pytest.raises(SchemaError, match="prefixItems"):
        check({"$schema": DRAFT2020_URI, **TUPLE_OPEN}, TUPLE_OPEN)


OBJ = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
WITH_DEP = {**OBJ, "dependencies": {"a": ["b"]}}
WITH_OTHER_DEP = {**OBJ, "dependencies": {"b": ["a"]}}
WITH_BOTH_DEPS = {**OBJ, "dependencies": {"b": ["a"], "a": ["b"]}}
WITH_DEP_SCHEMA = {**OBJ, "dependencies": {"a": {"required": ["b"]}}}


@pytest.mark.parametrize("content_model", ["strict", "lenient"])
@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (OBJ, WITH_DEP, "dependency_added"),  # 2020-12 (nothing to infer) → draft-07
        (WITH_OTHER_DEP, WITH_BOTH_DEPS, "dependency_added"),  # draft-07 on both sides
        (OBJ, WITH_DEP_SCHEMA, "dependent_schemas_added"),
        ({**OBJ, "$schema": LATEST}, {**WITH_DEP, "$schema": LATEST}, "dependency_added"),
    ],
)
def test_dependencies_without_schema_are_honoured(
    old: Any, new: Any, kind: str, content_model: str
) -> None:
    added = check(old, new, mode="full", content_model=content_model)
    assert _outcomes(added) == ("incompatible", "compatible"), added.verdicts
    assert any(c.kind == kind and c.direction is T for c in added.changes), added.changes
    _assert_witnessed(old, new, added)
    assert any(set(w.document) == {"a"} for w in added.witnesses), added.witnesses

    removed = check(new, old, mode="full", content_model=content_model)
    assert _outcomes(removed) == ("compatible", "incompatible"), removed.verdicts
    removal = kind.replace("added", "removed")
    assert any(c.kind == removal and c.direction is R for c in removed.changes)
    _assert_witnessed(new, old, removed)


def test_inferred_dialect_change_is_reported() -> None:
    verdict = check(OBJ, WITH_DEP, mode="full", content_model="strict")
    assert ("/$schema", "dialect_changed", N) in _changes(verdict)
    message = next(c.message for c in verdict.changes if c.kind == "dialect_changed")
    assert "2020-12 → draft-07" in message
    assert "inferred" in message
    both = check(WITH_OTHER_DEP, WITH_BOTH_DEPS, mode="full", content_model="strict")
    assert "dialect_changed" not in {c.kind for c in both.changes}
    named_change = check({**OBJ, "$schema": DRAFT2020_URI}, {**WITH_DEP, "$schema": DRAFT7_URI})
    assert [c for c in named_change.changes if c.kind == "dialect_changed"] == [
        Change("/$schema", "dialect_changed", N, f"dialect {DRAFT2020_URI} → {DRAFT7_URI}")
    ]
    boolean = check(True, {"dependencies": {"a": ["b"]}}, mode="full", content_model="strict")
    assert ("/$schema", "dialect_changed", N) in _changes(boolean)


def test_draft_04_inference_in_checks() -> None:
    old = {"type": "number", "minimum": 0, "exclusiveMinimum": False}
    new = {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    verdict = check(old, new, mode="full", content_model="strict")
    assert _outcomes(verdict) == ("incompatible", "compatible")
    assert [w.document for w in verdict.witnesses] == [0]
    _assert_witnessed(old, new, verdict)


# --- annotations consumers act on -----------------------------------------------------------

STEMS = [
    ("format", "format", "date", "email"),
    ("contentEncoding", "content_encoding", "base64", "base32"),
    ("contentMediaType", "content_media_type", "text/plain", "application/json"),
]


def _at(position: str, leaf: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``leaf`` placed at a nested position, with the schema path the change is reported at."""
    if position == "top":
        return leaf, ""
    if position == "property":
        return {"type": "object", "properties": {"a": leaf}}, "/properties/a"
    if position == "items":
        return {"type": "array", "items": leaf}, "/items"
    if position == "anyOf":
        return {"anyOf": [leaf, {"type": "integer"}]}, "/anyOf/0"
    if position == "ref":
        return {
            "$defs": {"d": leaf},
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/d"}},
        }, "/properties/a"
    if position == "draft7-ref":
        return {
            "definitions": {"d": leaf},
            "type": "object",
            "properties": {"a": {"$ref": "#/definitions/d"}},
        }, "/properties/a"
    if position == "additionalProperties":
        return {"type": "object", "additionalProperties": leaf}, "/additionalProperties"
    assert position == "then"
    return {"if": {"type": "string"}, "then": leaf}, "/then"


POSITIONS = ["top", "property", "items", "anyOf", "ref", "draft7-ref", "additionalProperties"]


@pytest.mark.parametrize("assert_formats", [False, True])
@pytest.mark.parametrize("position", [*POSITIONS, "then"])
@pytest.mark.parametrize(("word", "stem", "first", "second"), STEMS)
def test_annotation_kinds_and_directions(
    word: str, stem: str, first: str, second: str, position: str, assert_formats: bool
) -> None:
    base = {"type": "string", "maxLength": 100}
    cases = [
        (base, {**base, word: first}, "added", T),
        ({**base, word: first}, base, "removed", R),
        ({**base, word: first}, {**base, word: second}, "changed", B),
    ]
    for old_leaf, new_leaf, verb, direction in cases:
        old, where = _at(position, old_leaf)
        new, _ = _at(position, new_leaf)
        verdict = check(
            old, new, mode="full", content_model="strict", assert_formats=assert_formats
        )
        changes = _changes(verdict)
        assert changes == [(f"{where}/{word}", f"{stem}_{verb}", direction)], changes
        if word != "format" or not assert_formats:
            # annotations only: the validator never tells the versions apart
            assert _outcomes(verdict) == ("compatible", "compatible")
        _assert_witnessed(old, new, verdict, assert_formats)


@pytest.mark.parametrize(("word", "stem", "first", "second"), STEMS)
def test_annotation_messages(word: str, stem: str, first: str, second: str) -> None:
    def message(old: Any, new: Any) -> str:
        (change,) = check(old, new).changes
        return change.message

    assert message({}, {word: first}) == f"{word} {first!r} added"
    assert message({word: first}, {}) == f"{word} {first!r} removed"
    assert message({word: first}, {word: second}) == f"{word} {first!r} → {second!r}"


def test_annotation_beside_a_ref() -> None:
    defs = {"d": {"type": "string"}}
    plain = {"$defs": defs, "$ref": "#/$defs/d"}
    dated = {**plain, "format": "date"}
    assert _changes(check(plain, dated)) == [("/format", "format_added", T)]
    assert _changes(check(dated, plain)) == [("/format", "format_removed", R)]
    assert _changes(check(plain, {"$defs": defs, "type": "string"})) == []  # ref inlined
    nested_old = {"type": "object", "properties": {"a": {"$ref": "#/$defs/d"}}, "$defs": defs}
    nested_new = {
        **nested_old,
        "properties": {"a": {"$ref": "#/$defs/d", "contentMediaType": "text/csv"}},
    }
    assert _changes(check(nested_old, nested_new)) == [
        ("/properties/a/contentMediaType", "content_media_type_added", T)
    ]
    # before 2019-09 the siblings of $ref are ignored, by consumers too
    old7 = {"$schema": DRAFT7_URI, "definitions": defs, "$ref": "#/definitions/d"}
    assert _changes(check(old7, {**old7, "format": "date"})) == []


@pytest.mark.parametrize("word", ["format", "contentEncoding", "contentMediaType"])
def test_annotation_only_schemas(word: str) -> None:
    # no assertion on either side: only the annotation differs
    assert _changes(check({word: "x"}, {})) == [(f"/{word}", f"{CONSUMED[word]}_removed", R)]
    assert _changes(check(True, {word: "x"})) == [(f"/{word}", f"{CONSUMED[word]}_added", T)]
    # the schema also stopped or started asserting
    dropped = _changes(check({"type": "string", word: "x"}, True))
    assert dropped == [
        ("/", "constraints_removed", R),
        (f"/{word}", f"{CONSUMED[word]}_removed", R),
    ]
    made = _changes(check({}, {"type": "string", word: "x"}))
    assert ("/", "constraints_added", T) in made
    assert (f"/{word}", f"{CONSUMED[word]}_added", T) in made
    # a schema that accepts nothing has no annotations worth reporting
    assert _changes(check({"type": "string", word: "x"}, False)) == [("/", "schema_made_false", T)]
    assert _changes(check(False, {word: "x"})) == [("/", "schema_made_satisfiable", R)]


CONSUMED = {s[0]: s[1] for s in STEMS}


def test_asserted_format_only_schema_is_a_constraint() -> None:
    verdict = check({"format": "date"}, {}, mode="full", assert_formats=True)
    assert _changes(verdict) == [
        ("/", "constraints_removed", R),
        ("/format", "format_removed", R),
    ]
    assert _outcomes(verdict) == ("compatible", "incompatible")


def test_other_annotations_on_unconstrained_schemas_are_neutral() -> None:
    assert _changes(check({"title": "a"}, {"title": "b"})) == [("/title", "annotation_changed", N)]
    assert _changes(check({"x-owner": "a"}, {})) == [("/x-owner", "extension_changed", N)]
    nested = check(
        {"type": "object", "properties": {"a": {"description": "x"}}},
        {"type": "object", "properties": {"a": {"description": "y"}}},
    )
    assert _changes(nested) == [("/properties/a/description", "annotation_changed", N)]


def test_sub_schemas_added_or_removed_with_annotations_only() -> None:
    old = {"type": "array"}
    new = {"type": "array", "items": {"format": "date"}}
    assert _changes(check(old, new)) == [
        ("/items", "items_added", N),
        ("/items/format", "format_added", T),
    ]
    assert _changes(check(new, old)) == [
        ("/items", "items_removed", N),
        ("/items/format", "format_removed", R),
    ]
    assert _changes(check(old, {"type": "array", "items": {}})) == [("/items", "items_added", N)]
    assert _changes(check(old, {"type": "array", "items": {"type": "string"}})) == [
        ("/items", "items_added", T)
    ]
    # contains asks for an item even with a schema that accepts every value
    assert _changes(check(old, {"type": "array", "contains": {}})) == [
        ("/contains", "contains_added", T)
    ]
    assert _changes(check({"type": "array", "contains": True}, old)) == [
        ("/contains", "contains_removed", R)
    ]
    obj = {"type": "object"}
    catch_alls: tuple[Any, ...] = (True, {})
    for catch_all in catch_alls:
        opened = {"type": "object", "additionalProperties": catch_all}
        dated = {"type": "object", "additionalProperties": {"contentEncoding": "base64"}}
        assert _changes(check(opened, dated)) == [
            ("/additionalProperties/contentEncoding", "content_encoding_added", T)
        ]
    assert _changes(check(obj, {"type": "object", "additionalProperties": {}})) == []
    assert _changes(check({"type": "object", "additionalProperties": {"format": "uri"}}, obj)) == [
        ("/additionalProperties/format", "format_removed", R)
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [({"type": "object"}, False), (False, {"type": "object"}), (True, False), (False, True)],
)
def test_a_boolean_root_schema_under_draft_04_is_judged_as_under_draft_06(
    old: Any, new: Any
) -> None:
    """Draft-04 has no boolean schemas; `true` and `false` mean the same in every draft
    that has them. A boolean root read as draft-04 made the real validator's legacy `id`
    lookup raise TypeError (a 500 from `POST /compat/check`, found by schemathesis);
    nested booleans were already judged."""
    four = check(old, new, mode="backward", dialect="draft-04")
    six = check(old, new, mode="backward", dialect="draft-06")
    assert {m: v.outcome for m, v in four.verdicts.items()} == {
        m: v.outcome for m, v in six.verdicts.items()
    }
    assert validator(new, D4, False).is_valid({"a": 1}) is (new is not False)
