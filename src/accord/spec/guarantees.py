"""Guarantees: what a producer promises about the data, beyond its schema.

A contract version = schema (JSON Schema or table schema) + `Guarantees`:

    {"columns": {"order_id": {"not_null": true, "unique": true},
                 "status": {"accepted_values": ["placed", "shipped"]},
                 "amount": {"min": 0, "max": 100000, "severity": "warn"},
                 "email": {"pattern": "^[^@]+@[^@]+$", "max_length": 254}},
     "unique_together": [["customer_id", "order_date"]],
     "row_count": {"min": 1},
     "freshness": {"column": "updated_at", "max_age_seconds": 86400},
     "custom": [{"name": "no_future_orders",
                 "sql": "SELECT count(*) FROM {table} WHERE order_date > current_date"}]}

Frozen dataclasses of the standard library: `accord validate` reads guarantees without
loading pydantic (ADR 0022). `accord.spec.parse.parse_guarantees` is their one validator,
for the API, the CLI and the dbt import alike; `to_json` is their one serialisation (the
stored form, which content hashes are computed from).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

Severity = Literal["error", "warn"]
Scalar = str | int | float | bool


@dataclasses.dataclass(frozen=True)
class Relationship:
    """Every non-null value appears in `to` (an asset fqn) column `field` (dbt)."""

    to: str
    field: str


@dataclasses.dataclass(frozen=True)
class ColumnGuarantees:
    """What one column's values promise."""

    not_null: bool = False
    unique: bool = False
    accepted_values: list[Scalar] | None = None
    min: int | float | None = None
    max: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    relationship: Relationship | None = None
    severity: Severity = "error"


@dataclasses.dataclass(frozen=True)
class RowCount:
    """The number of rows lies in ``[min, max]`` (either side open)."""

    min: int | None = None
    max: int | None = None
    severity: Severity = "error"


@dataclasses.dataclass(frozen=True)
class Freshness:
    """The newest value of `column` is at most `max_age_seconds` old."""

    column: str
    max_age_seconds: int
    severity: Severity = "error"


@dataclasses.dataclass(frozen=True)
class CustomCheck:
    """A read-only query returning one number: the count of failing rows (0 passes).
    `{table}` is replaced by the checked relation."""

    name: str
    sql: str
    severity: Severity = "error"


@dataclasses.dataclass(frozen=True)
class Guarantees:
    """Everything a contract version promises beyond its schema."""

    columns: dict[str, ColumnGuarantees] = dataclasses.field(default_factory=dict)
    unique_together: list[list[str]] = dataclasses.field(default_factory=list)
    row_count: RowCount | None = None
    freshness: Freshness | None = None
    custom: list[CustomCheck] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON form with every value left at its default omitted, at every level."""
        dumped: dict[str, Any] = to_json(self)
        return dumped


def to_json(value: Any) -> Any:
    """A guarantee object (or a value inside one) as JSON, defaults omitted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.default is not dataclasses.MISSING:
                default: Any = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:
                default = dataclasses.MISSING
            if default is dataclasses.MISSING or item != default:
                out[f.name] = to_json(item)
        return out
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value
