"""Logical column types (`accord.compat.LogicalType`) against the types an engine stores.

Two jobs: `duckdb_type` spells a logical type as a DuckDB type (the target of ``TRY_CAST``
for text sources such as CSV), and `stored_as` decides whether a typed column (Parquet,
PostgreSQL) holds values a reader of the logical type can read: same family, and no wider
(an ``int32`` contract accepts a stored SMALLINT, not a BIGINT).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accord.checks.sql import quote_ident
from accord.compat import LogicalType

_DUCK_SIMPLE = {
    "boolean": "BOOLEAN", "int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER",
    "int64": "BIGINT", "float32": "FLOAT", "float64": "DOUBLE", "string": "VARCHAR",
    "varchar": "VARCHAR", "char": "VARCHAR", "date": "DATE", "time": "TIME",
    "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ", "binary": "BLOB", "json": "JSON",
}  # fmt: skip
# Significant bits a stored integer type needs; unsigned types need one more signed bit.
_INT_BITS = {
    "tinyint": 8, "smallint": 16, "integer": 32, "int": 32, "bigint": 64, "hugeint": 128,
    "utinyint": 16, "usmallint": 32, "uinteger": 64, "ubigint": 128, "uhugeint": 256,
    "int2": 16, "int4": 32, "int8": 64,
}  # fmt: skip
_LOGICAL_INT = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}
_FLOAT_BITS = {"float32": 24, "float64": 53}
_INT_DIGITS = {8: 3, 16: 5, 32: 10, 64: 19, 128: 39, 256: 78}
_NUMBER = re.compile(r"\d+")
NUMERIC = frozenset({"int8", "int16", "int32", "int64", "float32", "float64", "decimal"})
TEMPORAL = frozenset({"date", "timestamp", "timestamptz"})
TEXTUAL = frozenset({"string", "varchar", "char"})


@dataclass(frozen=True)
class Stored:
    """A stored (physical) type reduced to a family and its size parameters."""

    family: str
    bits: int = 0
    params: tuple[int, ...] = ()
    element: Stored | None = None


def duckdb_type(kind: LogicalType) -> str:
    """The DuckDB spelling of a logical type (nested types included)."""
    if kind.name == "decimal":
        precision, scale = kind.params
        # DuckDB decimals stop at 38 digits; wider ones are checked as doubles.
        return f"DECIMAL({precision},{scale})" if precision <= 38 else "DOUBLE"
    if kind.name == "array" and kind.element is not None:
        return f"{duckdb_type(kind.element)}[]"
    if kind.name == "map" and kind.key is not None and kind.element is not None:
        return f"MAP({duckdb_type(kind.key)}, {duckdb_type(kind.element)})"
    if kind.name == "struct":
        inner = ", ".join(f"{quote_ident(n)} {duckdb_type(t)}" for n, t, _ in kind.fields)
        return f"STRUCT({inner})"
    return _DUCK_SIMPLE[kind.name]


def parse_stored(text: str) -> Stored:
    """Classify a DuckDB ``DESCRIBE`` type or a PostgreSQL ``format_type`` string."""
    low = text.strip().lower()
    if low.endswith("[]"):
        return Stored("array", element=parse_stored(low[:-2]))
    head = re.split(r"[\s(]", low, maxsplit=1)[0]
    params = tuple(int(n) for n in _NUMBER.findall(low[len(head) :]))
    if head in _INT_BITS:
        return Stored("integer", bits=_INT_BITS[head])
    if low.startswith("timestamp") and ("with time zone" in low or head == "timestamptz"):
        return Stored("timestamptz")
    if low.startswith(("timestamp", "datetime")):
        return Stored("timestamp")
    family = {
        "boolean": "boolean", "bool": "boolean", "float": "float", "real": "float",
        "float4": "float", "double": "float", "float8": "float", "decimal": "decimal",
        "numeric": "decimal", "varchar": "string", "text": "string", "character": "string",
        "char": "string", "bpchar": "string", "date": "date", "time": "time", "blob": "binary",
        "bytea": "binary", "json": "json", "jsonb": "json", "struct": "struct", "map": "map",
    }.get(head, head)  # fmt: skip
    if family == "float":
        bits = 24 if head in {"float", "real", "float4"} else 53
        return Stored("float", bits=bits)
    return Stored(family, params=params)


def stored_as(kind: LogicalType, stored: Stored) -> bool:
    """True when every value of the ``stored`` type reads as a value of ``kind``."""
    name = kind.name
    if name in _LOGICAL_INT:
        return stored.family == "integer" and stored.bits <= _LOGICAL_INT[name]
    if name in _FLOAT_BITS:
        if stored.family == "integer":
            return stored.bits - 1 <= _FLOAT_BITS[name]
        return stored.family == "float" and stored.bits <= _FLOAT_BITS[name]
    if name == "decimal":
        return _decimal_fits(kind.params, stored)
    if name in TEXTUAL:
        return _text_fits(kind, stored)
    if name == "array":
        return (
            stored.family == "array"
            and stored.element is not None
            and kind.element is not None
            and stored_as(kind.element, stored.element)
        )
    return stored.family == name


def _decimal_fits(params: tuple[int, ...], stored: Stored) -> bool:
    precision, scale = params
    if stored.family == "integer":
        return _INT_DIGITS[stored.bits] <= precision - scale
    if stored.family != "decimal" or len(stored.params) != 2:
        return False  # an unbounded NUMERIC may hold any number of digits
    s_precision, s_scale = stored.params
    return s_scale <= scale and s_precision - s_scale <= precision - scale


def _text_fits(kind: LogicalType, stored: Stored) -> bool:
    if stored.family != "string":
        return False
    # A bounded contract accepts an unbounded text column: the length check counts the rows.
    return not (kind.params and stored.params and stored.params[0] > kind.params[0])
