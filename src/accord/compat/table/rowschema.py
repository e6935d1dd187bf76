"""Rows as JSON: the JSON Schema of a table's rows, for inclusion and witness checks.

A row is a JSON object keyed by column name. Values are encoded so that JSON Schema
inclusion matches SQL semantics: integer widths become ranges; ``decimal(p,s)`` is a string
with exactly ``s`` fraction digits (a scale change reinterprets stored values, so the
encodings are disjoint); timestamps are ISO-8601 strings with at most ``p`` fraction digits,
``timestamptz`` always with an offset; ``char(n)`` has exactly ``n`` characters; maps are
arrays of ``[key, value]`` pairs so key types are compared too. Floats reject odd integers
beyond their significand (2**24, 2**53), which makes lossy int→float changes visible.

Rows are open objects: readers select columns by name, so an extra column never matters.
Which columns a row must hold depends on the role (see ``Role``).
"""

from __future__ import annotations

import enum
from functools import lru_cache
from typing import Any

from accord.compat.table.checks import translate
from accord.compat.table.schema import Column, TableSchema
from accord.compat.table.types import FLOAT_BITS, INT_BITS, LogicalType

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_DATE = r"\d{4}-\d{2}-\d{2}"
_CLOCK = r"\d{2}:\d{2}:\d{2}"


class Role(enum.Enum):
    """Who holds the rows. Fresh rows are complete; historic rows (data written under an
    older version) may lack defaulted columns; a migrated reader fills missing nullable or
    defaulted columns; a plain reader needs every column it selects."""

    FRESH_WRITER = "fresh_writer"
    HISTORIC_WRITER = "historic_writer"
    READER = "reader"
    FILLING_READER = "filling_reader"


def encode(kind: LogicalType, fill: bool = False) -> dict[str, Any]:
    """JSON Schema of the non-null values of ``kind``."""
    name, params = kind.name, kind.params
    if name in INT_BITS:
        half = 2 ** (INT_BITS[name] - 1)
        return {"type": "integer", "minimum": -half, "maximum": half - 1}
    if name in FLOAT_BITS:
        limit = 2 ** FLOAT_BITS[name]
        beyond = {"anyOf": [{"minimum": limit + 1}, {"maximum": -limit - 1}]}
        return {"type": "number", "not": {"type": "integer", **beyond, "not": {"multipleOf": 2}}}
    if name == "decimal":
        digits, scale = params
        whole = f"[0-9]{{1,{digits - scale}}}" if digits > scale else "0"
        frac = rf"\.[0-9]{{{scale}}}" if scale else ""
        return {"type": "string", "pattern": f"^-?{whole}{frac}$"}
    if name in ("timestamp", "timestamptz"):
        frac = rf"(\.[0-9]{{1,{params[0]}}})?" if params[0] else ""
        zone = "(Z|[+-][0-9]{2}:[0-9]{2})" if name == "timestamptz" else ""
        return {"type": "string", "pattern": f"^{_DATE}T{_CLOCK}{frac}{zone}$"}
    return _ENCODERS[name](kind, fill)


def _array(kind: LogicalType, fill: bool) -> dict[str, Any]:
    assert kind.element is not None
    return {"type": "array", "items": nullable(encode(kind.element, fill), True)}


def _struct(kind: LogicalType, fill: bool) -> dict[str, Any]:
    props = {n: nullable(encode(t, fill), null) for n, t, null in kind.fields}
    required = [n for n, _, null in kind.fields if not (fill and null)]
    return {"type": "object", "properties": props, "required": required}


def _map(kind: LogicalType, fill: bool) -> dict[str, Any]:
    assert kind.key is not None
    assert kind.element is not None
    pair = {
        "type": "array",
        "prefixItems": [encode(kind.key, fill), nullable(encode(kind.element, fill), True)],
        "items": False,
        "minItems": 2,
    }
    return {"type": "array", "items": pair}


_ENCODERS = {
    "boolean": lambda k, f: {"type": "boolean"},
    "string": lambda k, f: {"type": "string"},
    "varchar": lambda k, f: {"type": "string", "maxLength": k.params[0]},
    "char": lambda k, f: {"type": "string", "minLength": k.params[0], "maxLength": k.params[0]},
    "date": lambda k, f: {"type": "string", "pattern": f"^{_DATE}$"},
    "time": lambda k, f: {"type": "string", "pattern": rf"^{_CLOCK}(\.[0-9]{{1,9}})?$"},
    "binary": lambda k, f: {"type": "string", "pattern": "^[A-Za-z0-9+/]*={0,2}$"},
    "json": lambda k, f: {},
    "array": _array,
    "struct": _struct,
    "map": _map,
}


def nullable(schema: dict[str, Any], null: bool) -> dict[str, Any]:
    """``schema`` or null."""
    return {"anyOf": [schema, {"type": "null"}]} if null else schema


def column_schema(column: Column, checks: tuple[str, ...], fill: bool) -> dict[str, Any]:
    """JSON Schema of one column's values, constraints and parsed checks included (its
    own and ``checks``, the table's)."""
    parts: list[dict[str, Any]] = [nullable(encode(column.type, fill), column.nullable)]
    extra: dict[str, Any] = {}
    for word, attr in (
        ("minimum", "minimum"),
        ("maximum", "maximum"),
        ("minLength", "min_length"),
        ("maxLength", "max_length"),
        ("pattern", "pattern"),
    ):
        if getattr(column, attr) is not None:
            extra[word] = getattr(column, attr)
    if column.enum is not None:
        extra["enum"] = [*column.enum, None] if column.nullable else list(column.enum)
    if extra:
        parts.append(extra)
    for expression in (*column.checks, *checks):
        constraints = translate(expression) or {}
        parts.extend(constraints.get(column.name, []))
    return parts[0] if len(parts) == 1 else {"allOf": parts}


@lru_cache(maxsize=4096)
def _kept(
    column: Column, checks: tuple[str, ...], fill: bool, kinds: tuple[type, ...]
) -> tuple[dict[str, Any], str]:
    del kinds  # part of the key only
    schema = column_schema(column, checks, fill)
    return schema, repr(schema)


def _column(column: Column, checks: tuple[str, ...], fill: bool) -> tuple[dict[str, Any], str]:
    """`column_schema`, made once for a column as parsed (with the table's checks), and
    its ``repr`` (the text a `Document` scans it by): consecutive versions share most of
    their columns, and a check builds each version's rows in two roles. The schema is
    shared: nothing mutates a schema it parses. The types of its enum's values are part
    of the key: Python holds ``True == 1``, JSON does not."""
    kinds = tuple(map(type, column.enum)) if column.enum is not None else ()
    try:
        return _kept(column, checks, fill, kinds)
    except TypeError:  # an unhashable default or enum value (a JSON object or array)
        schema = column_schema(column, checks, fill)
        return schema, repr(schema)


def same_rows(a: TableSchema, b: TableSchema, role: Role) -> bool:
    """Whether ``row_schema(a, role) == row_schema(b, role)``, without spelling either:
    what a row schema holds of a column is its name, nullability, whether it has a
    default and its column schema (descriptions and tags are not in it). Equal columns of
    consecutive versions are one parse (`schema.ColumnCache`), so most compare at once."""
    if a.checks != b.checks or len(a.columns) != len(b.columns):
        return False
    fill = role is Role.FILLING_READER
    for x, y in zip(a.columns, b.columns, strict=True):
        if x is y:
            continue
        if (x.name, x.nullable, x.has_default) != (y.name, y.nullable, y.has_default):
            return False
        if _column(x, a.checks, fill)[1] != _column(y, b.checks, fill)[1]:
            return False
    return True


def rows_like(role: Role) -> Role:
    """The role whose row schema ``role``'s is: a plain reader needs every column, as a
    fresh writer holds them, neither filled (``row_schema`` spells them alike)."""
    return Role.FRESH_WRITER if role is Role.READER else role


def row_schema(table: TableSchema, role: Role) -> dict[str, Any]:
    """JSON Schema (2020-12) of one row of ``table`` as held by ``role``."""
    return spelled_rows(table, role)[0]


def spelled_rows(table: TableSchema, role: Role) -> tuple[dict[str, Any], dict[str, str]]:
    """`row_schema`, with each column's text as a `Document` would spell it (``repr``),
    made once per column like its schema (`Document`'s ``texts``)."""
    fill = role is Role.FILLING_READER
    made = {c.name: _column(c, table.checks, fill) for c in table.columns}
    props = {name: schema for name, (schema, _) in made.items()}
    texts = {name: text for name, (_, text) in made.items()}
    if role is Role.FILLING_READER:
        required = [c.name for c in table.columns if not (c.nullable or c.has_default)]
    elif role is Role.HISTORIC_WRITER:
        required = [c.name for c in table.columns if not c.has_default]
    else:
        required = [c.name for c in table.columns]
    schema = {"$schema": DIALECT, "type": "object", "properties": props, "required": required}
    return schema, texts


def table_json_schema(table: TableSchema, role: Role) -> dict[str, Any]:
    """JSON Schema of a list of rows (the form of table witnesses); keys are not expressed."""
    row = row_schema(table, role)
    del row["$schema"]
    return {"$schema": DIALECT, "type": "array", "items": row}
