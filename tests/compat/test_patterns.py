"""User patterns in the engine: ECMA-262 on RE2, in proofs and in the real validator.

A pattern RE2 cannot run (lookaround) runs on its automaton; one that neither runs
(backreferences) keeps its schema valid, and a decision that must match it is ``undecided``
and says why.
"""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Direction, Mode, Outcome, SchemaError, check, validate_schema
from accord.compat.js.diff import Differ
from accord.compat.js.document import Document
from accord.compat.js.regex_incl import included
from accord.compat.js.regex_sample import equivalent, samples

LOOKAHEAD = "^(?=.*[0-9])[a-z0-9]+$"
BACKREF = "^([a-z])\\1[a-z0-9]*$"


def _valid(schema: Any, value: Any, assert_formats: bool = False) -> bool:
    doc = Document(schema, assert_formats=assert_formats)
    return doc.valid(doc.root, value)


def test_a_pattern_re2_cannot_run_keeps_the_schema_valid() -> None:
    validate_schema({"type": "string", "pattern": LOOKAHEAD})
    validate_schema({"patternProperties": {r"^(\w)\1$": {"type": "integer"}}})


def test_lookarounds_are_decided_on_automata() -> None:
    old = {"type": "string", "pattern": LOOKAHEAD}
    new = {"type": "string", "pattern": "^[a-z0-9]+$"}
    verdict = check(old, new, mode="full")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.INCOMPATIBLE
    assert [w.document for w in verdict.witnesses] == ["a"]  # the validator runs it too
    assert [c.kind for c in verdict.changes] == ["pattern_changed"]
    assert _valid(old, "a1")
    assert not _valid(old, "ab")
    assert _valid({"pattern": "(?<=a)b"}, "ab")
    assert not _valid({"pattern": "(?<=a)b"}, "cb")


def test_a_decision_that_needs_it_is_undecided_and_says_why() -> None:
    old = {"type": "string", "pattern": BACKREF}
    new = {"type": "string", "pattern": "^[a-z0-9]+$"}
    verdict = check(old, new, mode="full")
    for mode in (Mode.BACKWARD, Mode.FORWARD):
        outcome = verdict.verdicts[mode]
        assert outcome.outcome is Outcome.UNDECIDED
        assert f"pattern {BACKREF!r} uses a backreference" in outcome.reason
        assert "linear time" in outcome.reason
    assert verdict.witnesses == ()
    assert [c.kind for c in verdict.changes] == ["pattern_changed"]


def test_a_decision_that_does_not_need_it_is_made() -> None:
    old = {"type": "string", "pattern": BACKREF}
    assert check(old, dict(old), mode="full").compatible  # same source
    verdict = check(old, {"type": "integer"}, mode="full")
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.INCOMPATIBLE  # 0 is no string
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.UNDECIDED  # "aa"? can't tell


def test_a_lookahead_pattern_property_in_a_proof() -> None:
    old = {"type": "object", "properties": {"ab": {"type": "string"}}}
    new = {**old, "patternProperties": {"^(?!x)": {"type": "integer"}}}
    verdict = check(old, new, mode="full", content_model="strict")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE  # "ab" now integer
    unrunnable = {**old, "patternProperties": {"^(a)\\1": {"type": "integer"}}}
    backward = check(old, unrunnable, mode="full", content_model="strict").verdicts[Mode.BACKWARD]
    assert backward.outcome is Outcome.UNDECIDED
    assert "'^(a)\\\\1' uses a backreference" in backward.reason


def test_an_unrunnable_pattern_in_a_change_direction() -> None:
    old = {"type": "object", "patternProperties": {"^(a)\\1": {"type": "integer"}}}
    new = {**old, "properties": {"b": {"type": "string"}}}
    verdict = check(old, new, mode="full", content_model="strict")
    added = [c for c in verdict.changes if c.kind == "property_added"]
    assert [c.direction for c in added] == [Direction.BOTH]
    removed = check(new, old, mode="full", content_model="strict").changes
    assert [c.direction for c in removed if c.kind == "property_removed"] == [Direction.BOTH]
    pattern = {"type": "object", "patternProperties": {"^(a)\\1": {"type": "integer"}}}
    narrower = {"type": "object", "patternProperties": {"^(a)\\1": {"type": "integer"}},
                "additionalProperties": {"type": "string"}}  # fmt: skip
    changed = check(pattern, narrower, mode="full", content_model="strict").changes
    assert [c.direction for c in changed] == [Direction.TIGHTENS]
    # a direction that needs to match the pattern is "both"
    differ = Differ(lenient=False, assert_formats=False)
    assert differ.direction((Document(old).root,), (Document(new).root,)) is Direction.BOTH


def test_invalid_patterns_are_schema_errors() -> None:
    schemas: list[dict[str, Any]] = [
        {"pattern": "(?P<n>a)"},  # Python's syntax, not ECMA's
        {"patternProperties": {"a**": {}}},
        {"pattern": r"\q"},
    ]
    for schema in schemas:
        with pytest.raises(SchemaError, match="invalid regular expression"):
            validate_schema(schema)


def test_named_groups_and_ecma_escapes_are_accepted() -> None:
    old = {"type": "string", "pattern": r"^(?<year>\d{4})-(?<month>\d{2})$"}
    new = {"type": "string", "pattern": r"^(?<year>\d{4})-(?<month>\d{2,3})$"}
    validate_schema(old)
    verdict = check(old, new, mode="full")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.witnesses[0].document == "0000-000"
    validate_schema({"pattern": r"^\u{1F600}\cJ[^]\/\p{Lu}$"})


@pytest.mark.parametrize(
    ("schema", "value", "valid"),
    [
        ({"pattern": "^a$"}, "a\n", False),  # Python's $ would accept the newline
        ({"pattern": r"^\d$"}, "٣", False),  # Python's \d is Unicode
        ({"pattern": r"^\s$"}, "\u00a0", True),
        ({"pattern": "^.$"}, "\r", False),
        ({"patternProperties": {r"^\d$": {"type": "integer"}}}, {"٣": "x"}, True),
        ({"patternProperties": {r"^\w$": {"type": "integer"}}}, {"a": "x"}, False),
        (
            {"patternProperties": {r"^\d$": {}}, "additionalProperties": False},
            {"٣": 1},
            False,
        ),
        ({"patternProperties": {r"^\d$": {}}, "additionalProperties": False}, {"3": 1}, True),
        (
            {
                "properties": {"a": {}},
                "patternProperties": {"^b": {}},
                "additionalProperties": {"type": "integer"},
            },
            {"a": "x", "bc": "y", "d": 1},
            True,
        ),
        ({"additionalProperties": {"type": "integer"}}, {"d": "x"}, False),
        ({"additionalProperties": {"type": "integer"}}, [], True),
        (
            {"allOf": [{"patternProperties": {r"^\d$": {}}}], "unevaluatedProperties": False},
            {"٣": 1},
            False,
        ),
        (
            {"allOf": [{"patternProperties": {r"^\d$": {}}}], "unevaluatedProperties": False},
            {"3": 1},
            True,
        ),
        ({"unevaluatedProperties": {"type": "integer"}}, {"a": "x"}, False),
        ({"unevaluatedProperties": False}, "text", True),
        (
            {
                "$schema": "https://json-schema.org/draft/2019-09/schema",
                "allOf": [{"patternProperties": {r"^\d$": {}}}],
                "unevaluatedProperties": False,
            },
            {"٣": 1},
            False,
        ),
        (
            {
                "$schema": "https://json-schema.org/draft/2019-09/schema",
                "$defs": {"a": {"properties": {"a": {}}}},
                "$ref": "#/$defs/a",
                "unevaluatedProperties": False,
            },
            {"a": 1},
            True,
        ),
        (
            {
                "$schema": "https://json-schema.org/draft/2019-09/schema",
                "properties": {"a": True},
                "additionalProperties": True,
                "dependentSchemas": {"a": {"properties": {"b": {}}}},
                "if": {"required": ["a"]},
                "then": {"properties": {"c": {}}},
                "else": {"properties": {"d": {}}},
                "unevaluatedProperties": False,
            },
            {"a": 1, "b": 2, "c": 3, "e": 4},
            True,
        ),
        (
            {
                "$defs": {"a": {"properties": {"a": {}}}},
                "$ref": "#/$defs/a",
                "dependentSchemas": {"a": {"properties": {"b": {}}}},
                "if": {"required": ["z"]},
                "then": {"properties": {"c": {}}},
                "else": {"properties": {"d": {}}},
                "unevaluatedProperties": False,
            },
            {"a": 1, "b": 2, "d": 3},
            True,
        ),
        (
            {
                "if": {"required": ["a"]},
                "then": {"properties": {"c": {}}},
                "unevaluatedProperties": False,
            },
            {"a": 1, "c": 2},
            False,
        ),
        (
            {
                "properties": {"a": {}},
                "dependentSchemas": {"z": {"properties": {"b": {}}}},
                "anyOf": [{"required": ["z"]}, {"properties": {"b": {}}}],
                "if": {"required": ["a"]},
                "unevaluatedProperties": {"type": "integer"},
            },
            {"a": 1, "b": 2, "c": 3},
            True,
        ),
        (
            {"if": {"required": ["z"]}, "then": {}, "unevaluatedProperties": False},
            {"a": 1},
            False,
        ),
        ({"allOf": [True], "unevaluatedProperties": False}, {"a": 1}, False),
        (
            {
                "$schema": "https://json-schema.org/draft/2019-09/schema",
                "allOf": [True],
                "unevaluatedProperties": False,
            },
            {"a": 1},
            False,
        ),
        (
            {
                "$schema": "https://json-schema.org/draft/2019-09/schema",
                "properties": {"n": {"$recursiveRef": "#", "unevaluatedProperties": False}},
            },
            {"n": {"n": {}}},
            True,
        ),
        (  # a dynamic scope: no $ref memo
            {
                "$defs": {"a": {"properties": {"a": {}}}},
                "$ref": "#/$defs/a",
                "properties": {"z": {"$dynamicRef": "#/$defs/a"}},
                "unevaluatedProperties": False,
            },
            {"a": 1, "z": {"a": 2}},
            True,
        ),
        ({"patternProperties": {"^a": {"type": "integer"}}}, "abc", True),
    ],
)
def test_the_real_validator_matches_with_ecma_semantics(
    schema: dict[str, Any], value: Any, valid: bool
) -> None:
    assert _valid(schema, value) is valid


def test_format_regex_is_ecma_syntax() -> None:
    schema = {"format": "regex"}
    assert _valid(schema, r"(?<n>a)\k<n>", assert_formats=True)  # valid ECMA, not for RE2
    assert _valid(schema, r"^\u{41}$", assert_formats=True)
    assert not _valid(schema, "(?P<n>a)", assert_formats=True)  # Python's syntax
    assert _valid(schema, "a{20000}", assert_formats=True)  # valid, too long for RE2
    assert _valid(schema, 3, assert_formats=True)


def test_the_structural_tools_read_the_translation() -> None:
    assert included(r"^\d{1,3}$", r"^\d{1,5}$")
    assert included(r"^(?<n>[a-z]{1,3})$", r"^[a-z]{1,5}$")
    assert not included(r"^\p{L}$", r"^\p{L}$")  # Python's parser cannot read \p
    assert not included("^a{20000}$", "^a{20000}$")  # too long to spell
    assert equivalent(r"^(?<n>a)$", r"^(?<m>a)$")  # group names do not change a language
    assert equivalent("^a{1,}$", "^a+$")
    assert not equivalent(r"^\p{L}$", r"^\p{Lu}$")
    assert next(iter(samples(r"^\s$"))) == "\t"
    assert next(iter(samples("^[^]$"))) == "a"
    assert next(iter(samples("^[^a-z]$"))) == "0"
    assert next(iter(samples(r"^[^\d]\D$"))) == "aa"
    assert next(iter(samples(r"^[^\w]\W$"))) == "--"
    assert list(samples("a{20000}")) == []
    assert list(samples(r"^(?=a)a$")) == []
    assert list(samples("^((a{1000}){1000}){1000}$")) == []


def test_long_patterns_keep_the_schema_valid() -> None:
    validate_schema({"pattern": "a{20000}"})  # RE2 cannot run it; still valid ECMA


def test_a_negated_schema_that_needs_an_unrunnable_pattern() -> None:
    old = {"not": {"type": "object", "properties": {"ab": {"type": "string"}}}}
    new = {"not": {"type": "object", "patternProperties": {"(?=a)": {"type": "integer"}}}}
    changes = check(old, new, mode="full", content_model="strict").changes
    assert [(c.kind, c.direction) for c in changes] == [("not_changed", Direction.BOTH)]


def test_changes_of_a_shared_definition_are_replayed_under_each_use() -> None:
    def doc(branches: list[Any]) -> dict[str, Any]:
        return {
            "properties": {"a": {"$ref": "#/$defs/A"}, "b": {"$ref": "#/$defs/A"}},
            "$defs": {"A": {"anyOf": branches, "minLength": 1}},
        }

    old = doc([{"type": "string"}, {"type": "integer"}])
    new = {**doc([{"type": "string"}]), "$defs": {"A": {"anyOf": [{"type": "string"}],
                                                         "minLength": 2}}}  # fmt: skip
    changes = check(old, new, mode="full", content_model="strict").changes
    assert sorted((c.path, c.kind) for c in changes) == [
        ("/$defs/A/anyOf/1", "any_of_branch_removed"),  # an absolute path: reported once
        ("/properties/a/minLength", "min_length_increased"),
        ("/properties/b/minLength", "min_length_increased"),
    ]


def test_a_non_boundary_is_never_inside_a_non_ascii_character() -> None:
    """ECMA's `\\B` sits between two word or two non-word characters; RE2 also finds it
    between the UTF-8 bytes of one non-ASCII character. Such patterns run on the automaton,
    in proofs, in the real validator, and in PostgreSQL's spelling (lookaround there)."""
    from accord.compat.js.patterns import matches
    from accord.kit.regex import UnsupportedPattern, search, translate

    assert not matches("\\B", "aéa")  # start|a|é|a|end: boundaries only
    assert matches("\\B", "aé ")  # between é and the space
    schema = {"type": "string", "pattern": "\\B"}
    assert not _valid(schema, "aßa")
    assert _valid(schema, "ab")
    with pytest.raises(UnsupportedPattern, match="non-ASCII"):
        search("\\B", "aéa")
    assert "(?<=" in translate("a\\Bb", "postgres")
    verdict = check({"type": "string"}, schema, mode="backward")
    assert verdict.outcome is Outcome.INCOMPATIBLE
    assert not _valid(schema, verdict.witnesses[0].document)
