"""The guarantee parser (accord.spec.parse) against the pydantic models it replaced, and
against the JSON Schema published in the OpenAPI document (accord.spec.schema).

Stored guarantees and their content hashes come from `to_json`, so for every document the
old models accepted in strict JSON mode the parser must accept it too and write the same
JSON (`model_dump(mode="json", exclude_defaults=True)` before). The deliberate differences
(strings are no numbers, booleans no numbers, ``3.0`` is an integer, ``null`` empties a
list) are pinned by examples.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from accord.kit.regex import InvalidPattern, compile_ecma, translate
from accord.spec import (
    ColumnGuarantees,
    Freshness,
    Guarantees,
    GuaranteesError,
    RowCount,
    parse_column_guarantees,
    parse_freshness,
    parse_guarantees,
)
from accord.spec.schema import GUARANTEES

# The pydantic models accord.spec held before ADR 0022, verbatim but for the names.
_Name = Annotated[str, Field(min_length=1, max_length=255)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Relationship(_Strict):
    to: Annotated[str, Field(min_length=1, max_length=255)]
    field: _Name


class _Column(_Strict):
    not_null: bool = False
    unique: bool = False
    accepted_values: Annotated[list[str | int | float | bool], Field(max_length=10_000)] | None = (
        None
    )
    min: int | float | None = None
    max: int | float | None = None
    min_length: Annotated[int, Field(ge=0)] | None = None
    max_length: Annotated[int, Field(ge=0)] | None = None
    pattern: Annotated[str, Field(max_length=1000)] | None = None
    relationship: _Relationship | None = None
    severity: Literal["error", "warn"] = "error"

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> _Column:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if (
            self.min_length is not None
            and self.max_length is not None
            and self.min_length > self.max_length
        ):
            raise ValueError("min_length is greater than max_length")
        return self


class _RowCount(_Strict):
    min: Annotated[int, Field(ge=0)] | None = None
    max: Annotated[int, Field(ge=0)] | None = None
    severity: Literal["error", "warn"] = "error"

    @model_validator(mode="after")
    def _ordered(self) -> _RowCount:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


class _Freshness(_Strict):
    column: _Name
    max_age_seconds: Annotated[int, Field(gt=0)]
    severity: Literal["error", "warn"] = "error"


class _Custom(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
    sql: Annotated[str, Field(min_length=1, max_length=10_000)]
    severity: Literal["error", "warn"] = "error"


class _Guarantees(_Strict):
    columns: dict[_Name, _Column] = Field(default_factory=dict)
    unique_together: list[Annotated[list[_Name], Field(min_length=2)]] = Field(default_factory=list)
    row_count: _RowCount | None = None
    freshness: _Freshness | None = None
    custom: list[_Custom] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct_custom_names(self) -> _Guarantees:
        names = [c.name for c in self.custom]
        if len(names) != len(set(names)):
            raise ValueError("custom check names must be unique")
        return self


# Documents near the edge of validity. Integer fields never see integral floats and list
# fields never see null: those are the deliberate differences, pinned below.
_severity = st.sampled_from(["error", "warn", "fatal", None])
_number = st.one_of(
    st.integers(-3, 3), st.floats(-3, 3, allow_nan=False), st.just("2"), st.booleans()
)
_count = st.one_of(st.integers(-2, 4), st.just(2.5), st.just("1"), st.booleans())
_name = st.sampled_from(["a", "b", "order_id", "", "x" * 256, 7])
_scalar = st.one_of(st.text(max_size=3), st.integers(-2, 2), st.booleans(), st.none())
_optional = st.none()
_column = st.fixed_dictionaries(
    {},
    optional={
        "not_null": st.one_of(st.booleans(), st.just("true"), st.just(1)),
        "unique": st.booleans(),
        "accepted_values": st.one_of(_optional, st.lists(_scalar, max_size=3), st.just("a")),
        "min": st.one_of(_optional, _number),
        "max": st.one_of(_optional, _number),
        "min_length": st.one_of(_optional, _count),
        "max_length": st.one_of(_optional, _count),
        "pattern": st.one_of(_optional, st.sampled_from(["^a+$", "(", "[0-9]{2}", ""])),
        "relationship": st.one_of(
            _optional,
            st.fixed_dictionaries({"to": _name, "field": _name}),
            st.just({"to": "x"}),
        ),
        "severity": _severity,
        "bogus": st.just(1),
    },
)
_custom = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["n1", "n2", "bad name", "ok\n", "", "y" * 101]),
        "sql": st.sampled_from(["SELECT 0", ""]),
        "severity": _severity,
    },
)
_doc = st.fixed_dictionaries(
    {},
    optional={
        "columns": st.dictionaries(_name.filter(lambda n: isinstance(n, str)), _column, max_size=3),
        "unique_together": st.lists(st.lists(_name, max_size=3), max_size=2),
        "row_count": st.one_of(
            _optional,
            st.fixed_dictionaries(
                {}, optional={"min": _count, "max": _count, "severity": _severity}
            ),
        ),
        "freshness": st.one_of(
            _optional,
            st.fixed_dictionaries(
                {},
                optional={
                    "column": _name,
                    "max_age_seconds": st.one_of(_count, st.none()),
                    "severity": _severity,
                },
            ),
        ),
        "custom": st.lists(_custom, max_size=3),
        "other": st.just(True),
    },
)


# Mostly well-typed documents, so that many are accepted and their JSON compared.
_typed_column = st.fixed_dictionaries(
    {},
    optional={
        "not_null": st.booleans(),
        "unique": st.booleans(),
        "accepted_values": st.lists(st.one_of(st.text(max_size=2), st.integers(), st.booleans())),
        "min": st.one_of(st.integers(-3, 3), st.floats(-3, 3, allow_nan=False)),
        "max": st.one_of(st.integers(-3, 3), st.floats(-3, 3, allow_nan=False)),
        "min_length": st.integers(0, 4),
        "max_length": st.integers(0, 4),
        "pattern": st.sampled_from(["^a+$", "[0-9]{2}", ""]),
        "relationship": st.fixed_dictionaries({"to": st.just("x.y"), "field": st.just("id")}),
        "severity": st.sampled_from(["error", "warn"]),
    },
)
_typed_doc = st.fixed_dictionaries(
    {},
    optional={
        "columns": st.dictionaries(st.sampled_from(["a", "b", "c"]), _typed_column, max_size=3),
        "unique_together": st.lists(st.lists(st.sampled_from(["a", "b"]), min_size=2), max_size=2),
        "row_count": st.fixed_dictionaries(
            {}, optional={"min": st.integers(0, 4), "max": st.integers(0, 4)}
        ),
        "freshness": st.fixed_dictionaries(
            {"column": st.just("t"), "max_age_seconds": st.integers(1, 10)},
            optional={"severity": st.sampled_from(["error", "warn"])},
        ),
        "custom": st.lists(
            st.fixed_dictionaries({"name": st.sampled_from(["n1", "n2"]), "sql": st.just("q")}),
            max_size=2,
        ),
    },
)


def _old(doc: dict[str, Any]) -> dict[str, Any] | None:
    try:
        model = _Guarantees.model_validate_json(json.dumps(doc), strict=True)
    except (ValidationError, re.error):
        return None
    return model.model_dump(mode="json", exclude_defaults=True)


def _new(doc: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return parse_guarantees(doc).to_json()
    except GuaranteesError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.one_of(_doc, _typed_doc))
def test_the_parser_agrees_with_the_models_it_replaced(doc: dict[str, Any]) -> None:
    assert _new(doc) == _old(doc), doc


_SCHEMA = jsonschema_rs.validator_for(GUARANTEES)


def _ordered(doc: dict[str, Any], low: str, high: str) -> bool:
    a, b = doc.get(low), doc.get(high)
    return not (isinstance(a, int | float) and isinstance(b, int | float) and a > b)


def _compiles(pattern: Any) -> bool:
    """An ECMA-262 pattern both check engines run (RE2 for DuckDB, PostgreSQL's ARE)."""
    try:
        compile_ecma(pattern)
        translate(pattern, "postgres")
    except (InvalidPattern, TypeError):
        return False
    return True


def _rules_hold(doc: dict[str, Any]) -> bool:
    """What JSON Schema cannot say, for a document it accepts."""
    columns = (doc.get("columns") or {}).values()
    names = [c.get("name") for c in doc.get("custom") or []]
    return (
        all(_ordered(c, "min", "max") and _ordered(c, "min_length", "max_length") for c in columns)
        and all(c.get("pattern") is None or _compiles(c["pattern"]) for c in columns)
        and _ordered(doc.get("row_count") or {}, "min", "max")
        and len(names) == len(set(names))
    )


@settings(max_examples=400, deadline=None)
@given(st.one_of(_doc, _typed_doc))
def test_the_published_schema_states_what_the_parser_accepts(doc: dict[str, Any]) -> None:
    valid = _SCHEMA.is_valid(doc)
    assert (_new(doc) is not None) == (valid and _rules_hold(doc)), doc


@pytest.mark.parametrize(
    ("doc", "stored"),
    [
        ({"row_count": {"min": 3.0}}, {"row_count": {"min": 3}}),  # JSON has one number type
        ({"columns": None, "custom": None, "unique_together": None}, {}),
        ({"columns": {"a": {"min": 1.0, "max": 2}}}, {"columns": {"a": {"min": 1.0, "max": 2}}}),
        ({"columns": {"a": {}}, "row_count": {}}, {"columns": {"a": {}}, "row_count": {}}),
    ],
)
def test_deliberate_leniency(doc: dict[str, Any], stored: dict[str, Any]) -> None:
    assert parse_guarantees(doc).to_json() == stored


@pytest.mark.parametrize(
    ("doc", "errors"),
    [
        ([], [((), "must be an object")]),
        ({"columns": {"a": {"min": "5"}}}, [(("columns", "a", "min"), "must be a number")]),
        ({"columns": {"a": {"min": True}}}, [(("columns", "a", "min"), "must be a number")]),
        (
            {"columns": {"a": {"not_null": "true"}}},
            [(("columns", "a", "not_null"), "must be true or false")],
        ),
        (
            {"columns": {"a": {"min": 5, "max": 1, "min_length": 4, "max_length": 2}}},
            [
                (("columns", "a"), "min is greater than max"),
                (("columns", "a"), "min_length is greater than max_length"),
            ],
        ),
        (
            {"columns": {"a": {"pattern": "(", "bogus": 1}}},
            [
                (("columns", "a", "bogus"), "unknown key"),
                (
                    ("columns", "a", "pattern"),
                    "pattern does not compile: missing ')' at position 1",
                ),
            ],
        ),
        ({"row_count": {"min": -1}}, [(("row_count", "min"), "must be at least 0")]),
        ({"freshness": {"column": "t"}}, [(("freshness", "max_age_seconds"), "is required")]),
        (
            {"freshness": {"column": "t", "max_age_seconds": None}},
            [(("freshness", "max_age_seconds"), "must be an integer")],
        ),
        (
            {"custom": [{"name": "n", "sql": "s"}, {"name": "n", "sql": "t"}]},
            [(("custom",), "custom check names must be unique")],
        ),
        (
            {"custom": [{"name": "a b", "sql": "s", "severity": "fatal"}]},
            [
                (("custom", 0, "name"), "may hold only letters, digits, '_', '.' and '-'"),
                (("custom", 0, "severity"), "must be 'error' or 'warn'"),
            ],
        ),
        (
            {"unique_together": [["a"]], "columns": {"": {}}},
            [
                (("columns", ""), "must be 1 to 255 characters long"),
                (("unique_together", 0), "must be a list of at least two column names"),
            ],
        ),
        (
            {"columns": {"a": {"accepted_values": [1, None], "relationship": {"to": "x"}}}},
            [
                (("columns", "a", "accepted_values", 1), "must be a string, number or boolean"),
                (("columns", "a", "relationship", "field"), "is required"),
            ],
        ),
        ({"other": 1}, [(("other",), "unknown key")]),
        ({"colums": {}}, [(("colums",), "unknown key (did you mean 'columns'?)")]),
        (
            {"columns": {"a": {"not_nul": True}}},
            [(("columns", "a", "not_nul"), "unknown key (did you mean 'not_null'?)")],
        ),
    ],
)
def test_every_error_is_named_by_its_path(doc: Any, errors: list[tuple[Any, str]]) -> None:
    with pytest.raises(GuaranteesError) as caught:
        parse_guarantees(doc)
    assert caught.value.errors == errors
    first = ".".join(map(str, errors[0][0])) or "(root)"
    assert str(caught.value).startswith(f"{first}: {errors[0][1]}")


def test_single_parts_and_defaults() -> None:
    assert parse_column_guarantees({"not_null": True}) == ColumnGuarantees(not_null=True)
    assert parse_freshness({"column": "t", "max_age_seconds": 60}) == Freshness("t", 60)
    with pytest.raises(GuaranteesError):
        parse_freshness({"column": "t", "max_age_seconds": 0})
    assert Guarantees().to_json() == {}
    assert Guarantees(row_count=RowCount()).to_json() == {"row_count": {}}


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(", "pattern does not compile: missing ')' at position 1"),
        ("a**", "pattern does not compile: nothing to repeat at position 2"),
        (r"\q", "pattern does not compile: invalid escape \\q at position 2"),
        ("(?P<n>a)", "pattern does not compile: invalid group at position 2"),  # Python only
        (
            "^(?=a)b",
            "regular expression '^(?=a)b' uses a lookahead (?=…): Accord evaluates patterns "
            "in linear time (RE2), which rules it out",
        ),
        (
            r"(a)\1",
            "regular expression '(a)\\\\1' uses a backreference \\1: Accord evaluates "
            "patterns in linear time (RE2), which rules it out",
        ),
        (
            r"^\p{L}+$",
            "regular expression '^\\\\p{L}+$' uses the Unicode property \\p{L}: PostgreSQL "
            "cannot evaluate it the same way",
        ),
    ],
)
def test_guarantee_patterns_must_run_on_both_engines(pattern: str, message: str) -> None:
    with pytest.raises(GuaranteesError) as caught:
        parse_guarantees({"columns": {"a": {"pattern": pattern}}})
    assert caught.value.errors == [(("columns", "a", "pattern"), message)]


@pytest.mark.parametrize(
    "pattern",
    [r"^(?<year>\d{4})-(?<month>\d{2})$", r"^\u{1F600}\s[^]$", r"\cJ\x41\/", "a{2000}"],
)
def test_ecma_patterns_are_accepted(pattern: str) -> None:
    parsed = parse_guarantees({"columns": {"a": {"pattern": pattern}}})
    assert parsed.columns["a"].pattern == pattern
