"""Which checks a contract asks for: schema constraints and guarantees, merged.

The table schema already promises some things (``nullable: false``, the primary key,
``unique`` sets, ``enum``, bounds, ``varchar(n)``); the guarantees add the rest. Where both
say the same thing it becomes one check, of the stricter severity; where they disagree
(two different minimums) both are checked, the schema's with a ``.schema`` id suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from accord.compat import Column, TableSchema
from accord.spec import ColumnGuarantees, CustomCheck, Freshness, Guarantees, Severity

Kind = Literal[
    "column_present", "column_type", "columns_not_in_contract", "not_null", "unique",
    "accepted_values", "min", "max", "min_length", "max_length", "pattern", "row_count",
    "freshness", "custom",
]  # fmt: skip
VALUE_KINDS: tuple[Kind, ...] = (
    "accepted_values", "min", "max", "min_length", "max_length", "pattern"
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One check to run. ``param`` depends on ``kind`` (a bound, a value list, a pattern,
    a `RowCount`/`Freshness`/`CustomCheck`)."""

    id: str
    kind: Kind
    severity: Severity
    columns: tuple[str, ...] = ()
    param: Any = None


def plan_checks(schema: TableSchema, guarantees: Guarantees, extra: Severity | None) -> list[Check]:
    """Every check for a contract, in contract column order, then table-level checks.

    ``extra`` is the severity of ``columns_not_in_contract``; None leaves it out.
    """
    checks: list[Check] = []
    for column in schema.columns:
        checks += _column_checks(column, guarantees.columns.get(column.name), schema)
    if extra is not None:
        checks.append(Check("columns_not_in_contract", "columns_not_in_contract", extra))
    checks += _key_checks(schema, guarantees)
    if guarantees.row_count is not None:
        checks.append(
            Check("row_count", "row_count", guarantees.row_count.severity, (), guarantees.row_count)
        )
    if guarantees.freshness is not None:
        checks.append(_freshness(guarantees.freshness))
    checks += [_custom(c) for c in guarantees.custom]
    return checks


def _freshness(fresh: Freshness) -> Check:
    return Check("freshness", "freshness", fresh.severity, (fresh.column,), fresh)


def _custom(custom: CustomCheck) -> Check:
    return Check(f"custom.{custom.name}", "custom", custom.severity, (), custom)


def _column_checks(
    column: Column, promised: ColumnGuarantees | None, schema: TableSchema
) -> list[Check]:
    name, cols = column.name, (column.name,)
    g = promised or ColumnGuarantees()
    out = [
        Check(f"{name}.present", "column_present", "error", cols),
        Check(f"{name}.type", "column_type", "error", cols, column.type),
    ]
    if not column.nullable or g.not_null:
        sev: Severity = "error" if not column.nullable else g.severity
        out.append(Check(f"{name}.not_null", "not_null", sev, cols))
    single_key = any(key == cols for key in schema.keys)
    if single_key or g.unique:
        out.append(Check(f"{name}.unique", "unique", "error" if single_key else g.severity, cols))
    type_length = column.type.params[0] if column.type.name in ("varchar", "char") else None
    max_length = column.max_length if column.max_length is not None else type_length
    from_schema: dict[Kind, Any] = {
        "accepted_values": list(column.enum) if column.enum is not None else None,
        "min": column.minimum,
        "max": column.maximum,
        "min_length": column.min_length,
        "max_length": max_length,
        "pattern": column.pattern,
    }
    for kind in VALUE_KINDS:
        out += _merge(name, kind, from_schema[kind], getattr(g, kind), g.severity)
    return out


def _merge(
    name: str, kind: Kind, schema_value: Any, promised: Any, severity: Severity
) -> list[Check]:
    cols = (name,)
    if promised is None and schema_value is None:
        return []
    if schema_value is None:
        return [Check(f"{name}.{kind}", kind, severity, cols, promised)]
    if promised is None or promised == schema_value:
        # A schema constraint is always error-level; an equal guarantee cannot lower it.
        return [Check(f"{name}.{kind}", kind, "error", cols, schema_value)]
    return [
        Check(f"{name}.{kind}", kind, severity, cols, promised),
        Check(f"{name}.{kind}.schema", kind, "error", cols, schema_value),
    ]


def _key_checks(schema: TableSchema, guarantees: Guarantees) -> list[Check]:
    seen: dict[frozenset[str], int] = {}
    out: list[Check] = []
    keys: list[tuple[tuple[str, ...], Severity]] = [(k, "error") for k in schema.keys]
    keys += [(tuple(k), "error") for k in guarantees.unique_together]
    for key, severity in keys:
        if len(key) < 2 or frozenset(key) in seen:
            continue
        seen[frozenset(key)] = len(out)
        out.append(Check(f"unique({','.join(key)})", "unique", severity, key))
    return out
