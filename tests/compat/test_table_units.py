"""Table schema parsing, the type grammar and the CHECK subset."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import SchemaError, parse_table_schema, parse_type
from accord.compat.table.checks import translate


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("BIGINT", "int64"),
        ("decimal(10, 2)", "decimal(10, 2)"),
        ("varchar", "string"),
        ("varchar(5)", "varchar(5)"),
        ("char", "char(1)"),
        ("timestamp", "timestamp(6)"),
        ("timestamptz(3)", "timestamptz(3)"),
        (
            "array<struct<a: int, b: string not null>>",
            "array<struct<a: int32, b: string not null>>",
        ),
        ("map<string, array<double>>", "map<string, array<float64>>"),
    ],
)
def test_type_grammar(text: str, canonical: str) -> None:
    assert str(parse_type(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "non-empty"),
        ("int32 extra", "unexpected"),
        ("decimal(10)", "takes 2"),
        ("decimal(5, 6)", "s <= p"),
        ("int32(3)", "no parameters"),
        ("nosuch", "unknown type"),
        ("timestamp(12)", "at most 9"),
        ("varchar(0)", "at least 1"),
        ("struct<a: int32, a: string>", "duplicate field"),
        ("array<int32", "expected '>'"),
        ("decimal(a, 2)", "expected a number"),
        ("int32 $", "cannot parse"),
        ("array<" * 40 + "int32" + ">" * 40, "nested too deeply"),
    ],
)
def test_type_errors(text: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_type(text)


def test_table_schema_round_trip() -> None:
    table = parse_table_schema(
        {
            "name": "orders",
            "columns": [
                {"name": "id", "type": "int64", "nullable": True},
                {"name": "email", "type": "string", "tags": ["pii"], "x-note": "ok"},
            ],
            "primary_key": "id",
            "unique": [["email"]],
        }
    )
    assert table.column("id") is not None
    assert table.column("id").nullable is False  # type: ignore[union-attr]
    assert table.column("missing") is None
    assert table.keys == (("id",), ("email",))


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"columns": "x"}, "'columns' list"),
        ({"columns": []}, "at least one column"),
        ({"columns": [1]}, "a column is an object"),
        ({"columns": [{"type": "int32"}]}, "non-empty 'name'"),
        ({"columns": [{"name": "a", "type": "int32", "oops": 1}]}, "unknown key"),
        ({"columns": [{"name": "a", "type": "int32"}], "oops": 1}, "unknown key"),
        ({"columns": [{"name": "a", "type": "int32"}] * 2}, "duplicate column"),
        ({"columns": [{"name": "a", "type": "int32", "nullable": "no"}]}, "true or false"),
        ({"columns": [{"name": "a", "type": "int32", "enum": []}]}, "non-empty list"),
        ({"columns": [{"name": "a", "type": "int32"}], "primary_key": ["b"]}, "unknown column"),
        ({"columns": [{"name": "a", "type": "int32"}], "primary_key": [1]}, "column names"),
        ({"columns": [{"name": "a", "type": "int32"}], "unique": "a"}, "must be a list"),
        ({"columns": [{"name": "a", "type": "int32"}], "checks": [1]}, "list of strings"),
        ({"columns": [{"name": "a", "type": "int32"}], "description": 1}, "must be a string"),
        ({"columns": [{"name": "a", "type": "int32", "minimum": "1"}]}, "must be a number"),
        ({"columns": [{"name": "a", "type": "string", "max_length": -1}]}, "non-negative"),
        ({"columns": [{"name": "a", "type": "string", "pattern": "("}]}, "invalid pattern"),
    ],
)
def test_table_schema_errors(doc: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_table_schema(doc)


@pytest.mark.parametrize(
    ("expression", "column", "constraint"),
    [
        ("n >= 0", "n", {"anyOf": [{"type": "null"}, {"minimum": 0}]}),
        ("n < 2.5", "n", {"anyOf": [{"type": "null"}, {"exclusiveMaximum": 2.5}]}),
        ("s = 'it''s'", "s", {"anyOf": [{"type": "null"}, {"const": "it's"}]}),
        ("s <> 'x'", "s", {"not": {"const": "x"}}),
        ("s IS NOT NULL", "s", {"not": {"type": "null"}}),
        ("n BETWEEN 1 AND 5", "n", {"anyOf": [{"type": "null"}, {"minimum": 1, "maximum": 5}]}),
        ("n IN (1, 2)", "n", {"anyOf": [{"type": "null"}, {"enum": [1, 2]}]}),
        ("length(s) = 2", "s", {"anyOf": [{"type": "null"}, {"minLength": 2, "maxLength": 2}]}),
        ("length(s) < 4", "s", {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 3}]}),
        ("length(s) > 1", "s", {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 2}]}),
    ],
)
def test_check_subset(expression: str, column: str, constraint: dict[str, Any]) -> None:
    assert translate(expression) == {column: [constraint]}


@pytest.mark.parametrize(
    "expression",
    ["a < b", "s > 'x'", "length(s) = 'x'", "length(s) <> 3", "1 = n", "n ~ 3", "n IN 3",
     "f(n) > 1", "n >= ", "n @ 1"],
)  # fmt: skip
def test_opaque_checks(expression: str) -> None:
    assert translate(expression) is None


def test_and_combines_constraints() -> None:
    out = translate("n >= 0 AND n <= 9 AND s IS NOT NULL")
    assert out is not None
    assert set(out) == {"n", "s"}
    assert len(out["n"]) == 2


def test_type_direction() -> None:
    from accord.compat.model import Direction
    from accord.compat.table.diff import type_direction

    assert type_direction(parse_type("int32"), parse_type("int32")) is Direction.NEUTRAL
    assert type_direction(parse_type("int32"), parse_type("int64")) is Direction.RELAXES
    assert type_direction(parse_type("int64"), parse_type("int32")) is Direction.TIGHTENS
    assert type_direction(parse_type("string"), parse_type("int32")) is Direction.BOTH


def test_drop_and_add_of_another_type_is_no_rename() -> None:
    from accord.compat import check

    old = {"columns": [{"name": "id", "type": "int64"}, {"name": "x", "type": "int32"}]}
    new = {"columns": [{"name": "id", "type": "int64"}, {"name": "y", "type": "string"}]}
    kinds = {c.kind for c in check(old, new, mode="full").changes}
    assert kinds == {"column_added", "column_dropped"}


def test_transitive_table_history() -> None:
    from accord.compat import Mode, Outcome, check_history

    v1 = {"columns": [{"name": "a", "type": "int32"}]}
    v2 = {"columns": [{"name": "a", "type": "int32"}, {"name": "b", "type": "string"}]}
    new = {"columns": [{"name": "a", "type": "int64"}]}
    verdict = check_history([v1, v2], new, mode="full_transitive")
    # int32 rows widen into int64; v1/v2 readers cannot take int64 values
    assert verdict.verdicts[Mode.BACKWARD_TRANSITIVE].outcome is Outcome.COMPATIBLE
    assert verdict.verdicts[Mode.FORWARD_TRANSITIVE].outcome is Outcome.INCOMPATIBLE
