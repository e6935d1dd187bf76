"""Unit tests for the engine's helpers and its rarely taken paths."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accord.compat import Mode, Outcome, SchemaError, check
from accord.compat.js import document, flat, inclusion, validator
from accord.compat.js.decide import decide
from accord.compat.js.dialect import Dialect
from accord.compat.js.document import Document
from accord.compat.js.real import _date_time, format_checker
from accord.compat.js.regex_incl import included
from accord.compat.js.regex_sample import equivalent, samples
from tests.compat.witnesses import assert_witnesses


@pytest.mark.parametrize(
    ("small", "big", "expected"),
    [
        (r"^[a-z]{1,3}$", r"^[a-z]{1,5}$", True),
        (r"^[a-z]{1,5}$", r"^[a-z]{1,3}$", False),
        (r"^(ab){1,2}$", r"^(ab){1,3}$", True),
        (r"^(ab|cd)$", r"^(ab|cd)$", False),  # alternation: not analysed
        (r"^\d+$", r"^\d+$", True),
        (r"^[0-9]+$", r"^\d+$", False),  # a range is not a category
        (r"^a+$", r"a+", False),  # anchors must agree
        (r"a", r"a", False),  # too short to be anchored
        (r"\ba\b", r"\b[a-z]\b", True),  # same boundary assertions on both ends
        (r"^[^a]$", r"^[^a]$", False),  # negated classes are not analysed
        (r"^(a)(b)$", r"^(a)(b)$", True),
        (r"^(a)(b)$", r"^(?:ab)$", True),
        (r"^a$", r"\Aa\Z", False),
    ],
)
def test_regex_inclusion(small: str, big: str, expected: bool) -> None:
    assert included(small, big) is expected


def test_regex_samples_and_equivalence() -> None:
    assert list(samples(r"^[^a-c]x$")) == ["0x", "-x"]  # negated class: other characters
    assert list(samples(r"^[^-a-zA-Z0-9 ._@]x$")) == []  # none of those left: gives up
    assert list(samples(r"^\p{L}$")) == []  # Python's parser cannot read it: gives up
    assert "b" in list(samples(r"^[^a]$"))
    assert next(iter(samples(r"^.$"))) == "a"
    assert next(iter(samples(r"^\W\S$"))) == "-a"
    assert list(samples(r"^(?=a)a$")) == []  # look-ahead: gives up
    assert next(iter(samples(r"^a{2}?$"))) == "aa"
    assert equivalent("^a+$", "^a+$")
    assert equivalent("^a+$", "^a{1,}$")
    assert not equivalent("^a+$", "^a*$")


def test_date_time_format_fallback() -> None:
    assert _date_time(3)
    assert _date_time("2024-01-31T12:00:00Z")
    assert not _date_time("2024-01-31")
    assert not _date_time("2024-13-31T12:00:00Z")
    assert "date-time" in format_checker(Dialect.DRAFT2020).checkers


def test_budget_exhaustion_is_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inclusion, "BUDGET", 1)
    old = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^x"}}}
    new = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^y"}}}
    verdict = check(old, new, mode="backward", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is not Outcome.COMPATIBLE


def test_recursion_error_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RecursionError

    monkeypatch.setattr(inclusion.Checker, "sub", boom)
    decision = decide(Document({"type": "string"}), Document({"type": "integer"}), False)
    assert decision.outcome is Outcome.INCOMPATIBLE  # a verified witness still decides it
    assert "deeply" in decision.reason


def test_large_enum_against_rich_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inclusion, "ENUM_CHECK_LIMIT", 2)
    verdict = check({"enum": ["a", "b", "ccc"]}, {"type": "string", "maxLength": 2},
                    mode="backward")  # fmt: skip
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE


def test_unresolvable_dynamic_reference_is_an_error() -> None:
    with pytest.raises(SchemaError, match="cannot evaluate"):
        check({"$dynamicRef": "#nowhere"}, {"type": "string"}, mode="full")


def test_lenient_witness_never_holds_undeclared_properties() -> None:
    old = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    new = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    verdict = check(old, new, mode="full")
    for witness in verdict.witnesses:
        assert set(witness.document) == {"a"}


def test_witness_cap_and_transitive_labels() -> None:
    history = [{"type": "integer", "maximum": m} for m in range(30)]
    verdict = check([{"type": "integer"}][0], {"type": "integer", "maximum": -1}, mode="full")
    assert verdict.witnesses
    from accord.compat import check_history

    many = check_history(history, {"type": "string"}, mode="full_transitive")
    assert len(many.witnesses) == 20
    assert {w.mode for w in many.witnesses} >= {Mode.BACKWARD_TRANSITIVE, Mode.FORWARD_TRANSITIVE}


def test_table_paths() -> None:
    base = {"columns": [{"name": "s", "type": "string"}]}
    enum = {"columns": [{"name": "s", "type": "string", "enum": ["a"]}]}
    assert check(base, enum, mode="backward").verdicts[Mode.BACKWARD].outcome is (
        Outcome.INCOMPATIBLE
    )
    verdict = check(enum, base, mode="full")
    assert {c.kind for c in verdict.changes} == {"enum_removed"}
    columns = [{"name": n, "type": "int32", "nullable": False} for n in ("a", "b")]
    keyed = {"columns": columns,
             "primary_key": ["a", "b"]}  # fmt: skip
    narrower = {**keyed, "primary_key": ["a"]}
    verdict = check(keyed, narrower, mode="full")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE
    tagged = {"columns": [{"name": "s", "type": "string", "tags": ["x"]}]}
    assert {c.kind for c in check(base, tagged).changes} == {"tags_changed"}
    opaque = {"columns": [{"name": "s", "type": "string", "checks": ["f(s)"]}]}
    assert check(opaque, opaque, mode="full").compatible


def test_single_valued_key_columns_cannot_duplicate() -> None:
    old = {"columns": [{"name": "a", "type": "boolean", "nullable": False, "enum": [True]}],
           "primary_key": ["a"]}  # fmt: skip
    new = {**old, "unique": [["a"]]}
    verdict = check(old, new, mode="full")
    assert verdict.compatible


@pytest.mark.parametrize(
    ("small", "big", "expected"),
    [
        (r"ab", r"ab", False),  # same ends, but not anchored
        (r"^(a{2}){1,2}$", r"^(a{2}){1,3}$", True),  # repeated group of a repetition
        (r"^(a{2}){1,3}$", r"^(a{2}){1,2}$", False),
        (r"^[^ab]$", r"^[^ab]$", False),  # negated multi-member class: not analysed
    ],
)
def test_regex_inclusion_edges(small: str, big: str, expected: bool) -> None:
    assert included(small, big) is expected


def test_validator_date_time_checker_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    import jsonschema

    from accord.compat.js import real

    own = jsonschema.FormatChecker(formats=())
    own.checks("date-time")(lambda value: value == "own")
    monkeypatch.setattr(real._VALIDATORS[Dialect.DRAFT2020], "FORMAT_CHECKER", own)
    checker = format_checker(Dialect.DRAFT2020)
    assert checker.conforms("own", "date-time")
    assert not checker.conforms("2024-01-31T12:00:00Z", "date-time")  # not the fallback


def test_change_list_is_capped() -> None:
    from accord.compat.js.diff import MAX_CHANGES

    new = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(1001)}}
    verdict = check({"type": "object"}, new, mode="backward")
    assert len(verdict.changes) == MAX_CHANGES == 1000
    assert {c.kind for c in verdict.changes} == {"property_added"}


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"$defs": 1}, "\\$defs must be an object"),
        ({"$defs": {"a": {"not": {"$ref": "#/$defs/a"}}}, "$ref": "#/$defs/a"}, "never descends"),
    ],
)
def test_invalid_documents(schema: Any, message: str) -> None:
    from accord.compat import validate_schema

    with pytest.raises(SchemaError, match=message):
        validate_schema(schema)


def test_nesting_limit_counts_schema_levels() -> None:
    from accord.compat import validate_schema

    schema: dict[str, Any] = {"type": "string"}
    for _ in range(100):  # shallow for repr(), too deep for the parser
        schema = {"not": schema}
    with pytest.raises(SchemaError, match="nested deeper than 96 levels") as info:
        validate_schema(schema)
    assert info.value.path.count("/not") == 97


def test_endless_dynamic_recursion_is_an_error() -> None:
    schema = {"$dynamicAnchor": "meta", "$dynamicRef": "#meta"}
    with pytest.raises(SchemaError, match="recursed without end"):
        check(schema, {"type": "string"}, mode="full")


def test_lenient_writer_emits_the_names_it_requires() -> None:
    # `required` declares a name as `properties` does: this writer emits `a`, of any type
    old = {"type": "object", "required": ["a"]}
    new = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}
    verdict = check(old, new, mode="full")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE
    assert_witnesses({"old": old, "new": new, "content_model": "lenient"}, verdict)
    (witness,) = verdict.witnesses
    assert "a" in witness.document
    assert not isinstance(witness.document["a"], str)


def _nested_key(depth: int, leaf: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": leaf}
    for _ in range(depth):
        schema = {"type": "object", "required": ["k"], "properties": {"k": schema}}
    return schema


@pytest.mark.parametrize(("depth", "proved"), [(3, True), (9, False)])
def test_disjointness_proofs_are_bounded(depth: int, proved: bool) -> None:
    a = Document(_nested_key(depth, "string"))
    b = Document(_nested_key(depth, "integer"))
    assert inclusion.Checker(False).disjoint((a.root,), (b.root,)) is proved


def test_node_identity_and_repr() -> None:
    raw = {"$defs": {"a": {"type": "string"}}, "properties": {"p": {"$ref": "#/$defs/a"}}}
    doc, twin = Document(raw), Document(raw)
    prop = doc.root.props["p"]
    assert repr(doc.root) == "Node(/)"
    assert repr(prop) == "Node(/properties/p)"
    assert prop.same_as(prop)  # the very node, even with a reference
    # equal source whose references reach equal definitions means the same
    assert prop.same_as(twin.root.props["p"])
    changed = Document({**raw, "$defs": {"a": {"type": "integer"}}})
    assert not prop.same_as(changed.root.props["p"])  # same $ref, changed target
    nested_id = Document({**raw, "$defs": {"a": {"$id": "x.json", "type": "string"}}})
    assert not prop.same_as(nested_id.root.props["p"])  # resolution not plain: no proof


def test_schema_errors_survive_pickling() -> None:
    """The server runs the engine in worker processes; its errors come back pickled."""
    import pickle

    from accord.compat import SchemaError

    error = pickle.loads(pickle.dumps(SchemaError("bad pattern", "/pattern")))
    assert (error.message, error.path, str(error)) == (
        "bad pattern",
        "/pattern",
        "bad pattern (at /pattern)",
    )


def test_flatten_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flat, "FLAT_CACHE_LIMIT", 2)
    doc = Document({"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}})
    a, b = doc.root.props["a"], doc.root.props["b"]
    first = flat.flatten((a,))
    assert flat.flatten((a,)) is first  # memoised
    flat.flatten((b,))
    flat.flatten((a, b))  # past the limit: the memo starts again
    assert len(doc.flat_cache) == 1
    assert flat.flatten(()).nodes == ()


def test_a_property_named_id_is_no_identifier() -> None:
    # identifiers force a full parse; a property called "id" must not
    lazy = Document({"properties": {"id": {"type": "string"}, "b": {"type": "string"}}})
    assert len(lazy.nodes) == 1  # the root only: properties parse on demand
    eager = Document({"properties": {"a": {"$id": "https://example.com/a.json"}}})
    assert len(eager.nodes) == 2


def test_enum_validation_hashes_with_json_schema_equality(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = Document({"enum": [1, True, "a", [1, {"x": None}], {"k": [2.0]}]})
    inside: list[Any] = [1.0, True, "a", [1.0, {"x": None}], {"k": [2]}]
    outside: list[Any] = [1.5, False, 0, "b", [1], {"k": [2], "j": 1}, None]
    assert all(doc.valid(doc.root, value) for value in inside)
    assert not any(doc.valid(doc.root, value) for value in outside)
    monkeypatch.setattr(validator, "_ENUM_CACHE_LIMIT", 1)
    other = Document({"enum": ["x", "y"]})
    assert other.valid(other.root, "y")  # past the limit: the cache starts again
    assert doc.valid(doc.root, "a")


def test_validation_results_are_kept_per_node_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Document.valid`` keeps its answers by node and the value's ``repr``: ``1`` and
    ``1.0`` stay apart (draft-04 integers), and past the limit the memo starts again."""
    doc = Document({"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"})
    assert doc.valid(doc.root, 1)
    assert not doc.valid(doc.root, 1.0)  # == 1, but not an integer in draft-04
    assert doc.valid(doc.root, 1)  # remembered
    monkeypatch.setattr(document, "_VERDICTS_KEPT", 1)
    assert not doc.valid(doc.root, "a")  # past the limit: the memo starts again
    assert doc.valid(doc.root, 2)


def test_overlap_candidates_lay_reader_values_over_writer_objects() -> None:
    """``Checker._over``: each candidate of a wider reader branch laid over the writer's
    sample objects (only objects merge)."""
    doc = Document({"type": "object", "required": ["d"]})
    ck = inclusion.Checker(False)
    wider = inclusion.Gap("", "wider", inclusion.fixed([{"m": 2}, 3]))
    out = list(ck._over((doc.root,), wider))
    assert out
    assert all(o["m"] == 2 and "d" in o for o in out)


def test_a_name_no_writer_pattern_matches_goes_to_its_catch_all() -> None:
    """``objects._governing``: in a layout with patterns, a name that is neither declared
    nor matched is governed by the catch-all (here an integer, which the reader's number
    property accepts; a string there does not)."""
    old = {"patternProperties": {"^a": {}}, "additionalProperties": {"type": "integer"}}
    assert check(old, {"properties": {"x": {"type": "number"}}}, mode="backward").compatible
    new = {"properties": {"x": {"type": "string"}}}
    verdict = check(old, new, mode="backward", content_model="strict")
    assert verdict.outcome is Outcome.INCOMPATIBLE


# The regexes the text scans replaced (substring tests and counts run at C speed).
_NOT_PLAIN = re.compile(r"""'\$ref': (?:'(?!#/|#')|"(?!#/|#"))|'\$recursiveAnchor': ['"]""")
_IDS = re.compile(r"'(?:\$id|id|\$anchor|\$dynamicAnchor)': ['\"]")
_DYNAMIC = re.compile(r"\$dynamicRef|\$recursiveRef")
_REFS = re.compile(r"\$ref|\$dynamicRef|\$recursiveRef")
_MAY_NOT_BE_2020 = re.compile(
    r"'items': \[|'additionalItems'|'dependencies'|'exclusive(?:Minimum|Maximum)': (?:True|False)"
    r"|'\$recursive(?:Ref|Anchor)'|'definitions'|'id': ['\"]"
)
_SCANNED: list[Any] = [
    {"$ref": "#"},
    {"$ref": "#/a"},
    {"$ref": "a.json"},
    {"$ref": "#a"},
    {"$ref": "it's"},
    {"$ref": 'q"'},
    {"$ref": "#/a'b\""},
    {"properties": {"$ref": {}}},
    {"enum": ["$ref"]},
    {"$recursiveAnchor": True},
    {"$recursiveAnchor": "x"},
    {"$recursiveRef": "#"},
    {"$dynamicRef": "#x"},
    {"$id": "x", "$anchor": "z", "$dynamicAnchor": "w"},
    {"$dynamicAnchor": "w", "$ref": "#/x"},
    {"$anchor": "z"},
    {"id": "y"},
    {"id": 5, "anchor": "q"},
    {"items": [1], "additionalItems": {}},
    {"exclusiveMinimum": True},
    {"exclusiveMaximum": 1},
    {"definitions": {}, "dependencies": {}},
    {"type": "string"},
]


@pytest.mark.parametrize("raw", _SCANNED, ids=[repr(r) for r in _SCANNED])
def test_text_scans_find_what_their_regexes_found(raw: Any) -> None:
    """``document``/``dialect``/``node`` read references, identifiers and dialect hints
    off a document's ``repr`` with substring tests; they agree with the regexes."""
    from accord.compat.js import dialect
    from accord.compat.js.node import refers

    for text in (repr(raw), repr([raw, {"$ref": "#/b"}])):
        assert document._plain_text(text) is not bool(_NOT_PLAIN.search(text))
        assert document._ids(text) == len(_IDS.findall(text))
        assert document._dynamic(text) is bool(_DYNAMIC.search(text))
        assert refers(text) is bool(_REFS.search(text))
        assert dialect._may_not_be_2020(text) is bool(_MAY_NOT_BE_2020.search(text))


def test_a_property_that_cannot_be_parsed_fails_every_time() -> None:
    """Properties are parsed on demand: one holding a remote ``$ref`` nobody supplied fails
    when first asked for, and again after (its half-built node must never be read as a
    schema that accepts everything), and so does every later demand on the document."""
    doc = Document(
        {
            "properties": {
                "a": {"properties": {"b": {"$ref": "https://schemas.example/x.json"}}},
                "c": {"type": "string"},
            }
        }
    )
    a = doc.root.props["a"]
    for _ in range(2):
        with pytest.raises(SchemaError, match="is not supplied"):
            a.props["b"]
    with pytest.raises(SchemaError, match="is not supplied"):
        doc.root.props["c"]


_BRANCHES: list[Any] = [
    {"type": "string", "maxLength": 3},
    {"type": "string", "pattern": "^a"},
    {"type": "integer"},
    {
        "type": "object",
        "required": ["k"],
        "properties": {"k": {"anyOf": [{"const": 1}, {"type": "null"}]}},
    },
    {"type": "array", "items": {"oneOf": [{"type": "number"}, {"type": "integer"}]}},
]
_VALUES: list[Any] = [
    "ab", "abcd", "b", "abc", 1, 1.5, None, True, {"k": 1}, {"k": None}, {"k": 2}, {},
    [1], [1.5], [], ["x"], [1, 1.5],
]  # fmt: skip


@pytest.mark.parametrize("dialect", list(Dialect))
@pytest.mark.parametrize("word", ["anyOf", "oneOf"])
def test_combinators_agree_with_python_jsonschema(dialect: Dialect, word: str) -> None:
    """The real validator's own ``anyOf`` / ``oneOf`` (they stop at a branch's first
    error) judge as python-jsonschema's do, branch subsets and overlaps included."""
    from accord.compat.js.real import _VALIDATORS
    from accord.compat.js.real import validator as real_validator

    for size in range(1, len(_BRANCHES) + 1):
        for start in range(len(_BRANCHES)):
            branches = (_BRANCHES[start:] + _BRANCHES[:start])[:size]
            schema = {word: branches}
            ours = real_validator(schema, dialect, False)
            stock = _VALIDATORS[dialect](schema)
            for value in _VALUES:
                assert ours.is_valid(value) is stock.is_valid(value), (schema, value)


@pytest.mark.parametrize("word", ["anyOf", "oneOf"])
def test_a_failing_branch_stops_at_its_first_error(word: str) -> None:
    """A value that fails a branch's first ``allOf`` member is not judged by the rest of
    that branch: 40 distinct definitions behind it cost one ``$ref`` step, not 40
    (python-jsonschema's own ``anyOf`` / ``oneOf`` collect every error of every branch)."""
    from accord.compat.budget import within
    from accord.compat.js.real import validator as real_validator

    defs = {f"d{i}": {"type": "string", "minLength": i} for i in range(40)}
    schema = {
        "$defs": {**defs, "no": False},
        word: [
            {"allOf": [{"$ref": "#/$defs/no"}, *({"$ref": f"#/$defs/d{i}"} for i in range(40))]},
            {"type": "integer"},
        ],
    }
    check = real_validator(schema, Dialect.DRAFT2020, False)
    with within(60) as budget:
        assert budget is not None
        budget.steps = 10**6  # count the steps down from here: no clock reads between
        assert check.is_valid(7)
        assert not check.is_valid("x")
        assert 10**6 - budget.steps == 2  # one `$ref` step per value


def test_reference_lookups_are_kept_per_base_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real validator resolves each ``$ref`` once per document and base URI (not once
    per validated value), and the same spelling under two ``$id``s reaches two targets."""
    from referencing._core import Resolver

    def resource(name: str, kind: str) -> dict[str, Any]:
        return {
            "$id": f"https://example.com/{name}",
            "$defs": {"x": {"type": kind}},
            "$ref": "#/$defs/x",
        }

    schema = {
        "$defs": {"a": resource("a", "string"), "b": resource("b", "integer")},
        "properties": {"p": {"$ref": "#/$defs/a"}, "q": {"$ref": "#/$defs/b"}},
    }
    lookups: list[str] = []
    real_lookup = Resolver.lookup

    def counted(self: Any, ref: str) -> Any:
        lookups.append(ref)
        return real_lookup(self, ref)

    monkeypatch.setattr(Resolver, "lookup", counted)
    doc = Document(schema)
    for n in range(20):
        assert doc.valid(doc.root, {"p": f"s{n}", "q": n})
        assert not doc.valid(doc.root, {"p": n})
        assert not doc.valid(doc.root, {"q": f"s{n}"})
    assert sorted(lookups) == ["#/$defs/a", "#/$defs/b", "#/$defs/x", "#/$defs/x"]
