"""dbt data tests -> Accord guarantees.

`not_null`, `unique`, `accepted_values` and `relationships` (and dbt_utils'
`unique_combination_of_columns` and `accepted_range`) become guarantees of the tested
node. A test with a `where` filter promises something about some rows only, and a
disabled test nothing: both are skipped and counted in the warnings. A column's
severity is `warn` only when every test mapped onto it is a warning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accord.dbt.manifest import Node
from accord.spec import (
    ColumnGuarantees,
    Guarantees,
    GuaranteesError,
    parse_column_guarantees,
)


@dataclass
class _Column:
    values: dict[str, Any] = field(default_factory=dict)
    severities: set[str] = field(default_factory=set)


@dataclass
class GuaranteeBuilder:
    """Collects the tests of one node, then builds its `Guarantees`."""

    columns: dict[str, _Column] = field(default_factory=dict)
    unique_together: list[list[str]] = field(default_factory=list)

    def column(self, name: str, severity: str, **values: Any) -> None:
        col = self.columns.setdefault(name, _Column())
        col.values.update(values)
        col.severities.add(severity)

    def build(self, warn: Callable[[str], None]) -> Guarantees:
        columns: dict[str, ColumnGuarantees] = {}
        for name, col in self.columns.items():
            severity = "warn" if col.severities == {"warn"} else "error"
            try:
                columns[name] = parse_column_guarantees({**col.values, "severity": severity})
            except GuaranteesError as exc:
                warn(f"tests on column {name!r} skipped: {exc.errors[0][1]}")
        keys = [k for k in self.unique_together if len(k) >= 2]
        return Guarantees(columns=columns, unique_together=keys)


@dataclass
class MappedTests:
    mapped: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def _severity(test: Node) -> str:
    return "warn" if (test.config.severity or "error").lower() == "warn" else "error"


def apply_test(
    test: Node,
    builder: GuaranteeBuilder,
    resolve: Callable[[Any], str | None],
    outcome: MappedTests,
) -> None:
    """Map one test node onto its target's builder (or count why not)."""
    meta = test.test_metadata
    assert meta is not None
    kind = f"{meta.namespace}.{meta.name}" if meta.namespace else meta.name
    if not test.config.enabled:
        outcome.skipped["disabled"] += 1
        return
    if test.config.where:
        outcome.skipped[f"{kind} with a where filter"] += 1
        return
    column = test.column_name or meta.kwargs.get("column_name")
    severity = _severity(test)
    kwargs = meta.kwargs
    if kind in ("not_null", "unique") and isinstance(column, str):
        builder.column(column, severity, **{kind: True})
    elif (
        kind == "accepted_values"
        and isinstance(column, str)
        and isinstance(kwargs.get("values"), list)
    ):
        builder.column(column, severity, accepted_values=kwargs["values"])
    elif (
        kind == "relationships" and isinstance(column, str) and isinstance(kwargs.get("field"), str)
    ):
        target = resolve(kwargs.get("to"))
        if target is None:
            outcome.skipped["relationships to an unknown node"] += 1
            return
        builder.column(column, severity, relationship={"to": target, "field": kwargs["field"]})
    elif kind == "dbt_utils.unique_combination_of_columns" and isinstance(
        kwargs.get("combination_of_columns"), list
    ):
        builder.unique_together.append([str(c) for c in kwargs["combination_of_columns"]])
    elif (
        kind == "dbt_utils.accepted_range"
        and isinstance(column, str)
        and kwargs.get("inclusive", True) is True
    ):
        bounds = {"min": kwargs.get("min_value"), "max": kwargs.get("max_value")}
        builder.column(column, severity, **{k: v for k, v in bounds.items() if v is not None})
    else:
        outcome.skipped[kind] += 1
        return
    outcome.mapped += 1
