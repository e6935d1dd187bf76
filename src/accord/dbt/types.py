"""Warehouse `data_type` strings -> Accord logical column types (docs/lineage.md#types).

dbt copies the warehouse's spelling (`character varying(256)`, `NUMBER(38,0)`,
`timestamp_ntz`, `INTEGER[]`, ...). Known spellings map to their logical type; a few
depend on the adapter (`float` is 64-bit on Snowflake/PostgreSQL/BigQuery, 32-bit on
DuckDB). A type Accord cannot express maps to `json` (any value: the column's presence
is still checked, its values are not) and keeps the original in `x-dbt-type`, so a change
of that spelling still makes a new contract version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accord.compat import SchemaError, parse_type

UNTYPED = "json"

_SIMPLE = {
    "boolean": "boolean",
    "bool": "boolean",
    "logical": "boolean",
    "tinyint": "int8",
    "byteint": "int8",
    "int1": "int8",
    "smallint": "int16",
    "int2": "int16",
    "utinyint": "int16",
    "int": "int32",
    "integer": "int32",
    "int4": "int32",
    "signed": "int32",
    "usmallint": "int32",
    "mediumint": "int32",
    "bigint": "int64",
    "int8": "int64",  # PostgreSQL / DuckDB / Redshift spelling of bigint
    "int64": "int64",
    "long": "int64",
    "uinteger": "int64",
    "real": "float32",
    "float4": "float32",
    "float32": "float32",
    "double": "float64",
    "float8": "float64",
    "float64": "float64",
    "double precision": "float64",
    "string": "string",
    "text": "string",
    "varchar": "string",
    "nvarchar": "string",
    "character varying": "string",
    "char varying": "string",
    "bpchar": "string",
    "citext": "string",
    "name": "string",
    "uuid": "string",
    "char": "char(1)",
    "character": "char(1)",
    "nchar": "char(1)",
    "date": "date",
    "time": "time",
    "timetz": "time",
    "time with time zone": "time",
    "time without time zone": "time",
    "datetime": "timestamp",
    "timestamp": "timestamp",
    "timestamp_ntz": "timestamp",
    "timestamp without time zone": "timestamp",
    "timestamp_s": "timestamp(0)",
    "timestamp_ms": "timestamp(3)",
    "timestamp_ns": "timestamp(9)",
    "timestamp_us": "timestamp(6)",
    "timestamptz": "timestamptz",
    "timestamp_tz": "timestamptz",
    "timestamp_ltz": "timestamptz",
    "timestamp with time zone": "timestamptz",
    "binary": "binary",
    "varbinary": "binary",
    "bytea": "binary",
    "blob": "binary",
    "bytes": "binary",
    "json": "json",
    "jsonb": "json",
    "variant": "json",
    "object": "json",
    "super": "json",
    "array": "array<json>",
    "hugeint": "decimal(38, 0)",
    "ubigint": "decimal(20, 0)",
    "bignumeric": "decimal(76, 38)",
    "bigdecimal": "decimal(76, 38)",
}
# What a bare `float` / `numeric` means depends on the warehouse.
_ADAPTER: dict[str, dict[str, str]] = {
    "snowflake": {
        "float": "float64",
        "number": "decimal(38, 0)",
        "numeric": "decimal(38, 0)",
        "decimal": "decimal(38, 0)",
        "timestamp": "timestamp",
    },
    "bigquery": {
        "float": "float64",
        "numeric": "decimal(38, 9)",
        "decimal": "decimal(38, 9)",
        "timestamp": "timestamptz",
    },
    "postgres": {"float": "float64"},
    "redshift": {"float": "float64", "numeric": "decimal(18, 0)", "decimal": "decimal(18, 0)"},
    "duckdb": {"float": "float32", "numeric": "decimal(18, 3)", "decimal": "decimal(18, 3)"},
}
# Unknown precision: the widest decimal, so a later, precise declaration narrows it.
_WIDEST_DECIMAL = "decimal(76, 38)"
_DECIMALS = frozenset({"numeric", "decimal", "number", "dec"})
_PARAMS = re.compile(r"^([a-z_ ]+?)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)(.*)$")


@dataclass(frozen=True)
class Mapped:
    type: str
    original: str | None = None  # the dbt spelling, kept only when Accord cannot express it


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip('"').lower())


def _with_params(word: str, p: int, s: int | None, rest: str) -> str | None:
    if word in _DECIMALS:
        return f"decimal({p}, {s or 0})"
    if word in ("varchar", "character varying", "char varying", "nvarchar", "string", "text"):
        return f"varchar({p})"
    if word in ("char", "character", "nchar", "bpchar"):
        return f"char({p})"
    if word in ("timestamp", "datetime", "timestamp_ntz") and s is None:
        return "timestamptz" + f"({p})" if "with time zone" in rest else f"timestamp({p})"
    if word in ("timestamptz", "timestamp_tz", "timestamp_ltz") and s is None:
        return f"timestamptz({p})"
    if word in ("time", "timetz") and s is None:
        return "time"
    if word in ("float",) and s is None:
        return "float32" if p <= 24 else "float64"
    return None


def _candidate(text: str, adapter: str) -> str | None:
    if text.endswith("[]"):  # DuckDB / PostgreSQL arrays
        inner = _candidate(text[:-2].strip(), adapter)
        return f"array<{inner}>" if inner else None
    overrides = _ADAPTER.get(adapter, {})
    if text in overrides:
        return overrides[text]
    if text in _SIMPLE:
        return _SIMPLE[text]
    if text in _DECIMALS:
        return _WIDEST_DECIMAL
    if text == "float":
        return "float32"
    match = _PARAMS.match(text)
    if match is not None:
        word, p, s, rest = (
            match.group(1).strip(),
            int(match.group(2)),
            match.group(3),
            match.group(4),
        )
        return _with_params(word, p, int(s) if s is not None else None, rest.strip())
    return text  # maybe already a logical type: array<int>, struct<a: int>, ...


def map_type(data_type: str | None, adapter: str | None = None) -> Mapped:
    """The logical type for a dbt `data_type` (None when the manifest gives none)."""
    if data_type is None or not data_type.strip():
        return Mapped(UNTYPED)
    candidate = _candidate(_normalise(data_type), (adapter or "").lower())
    if candidate is not None:
        try:
            return Mapped(str(parse_type(candidate)))
        except SchemaError:
            pass
    return Mapped(UNTYPED, data_type.strip())
