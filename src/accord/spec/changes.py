"""What changed between two guarantee sets, and for whom.

Consumers rely on guarantees, so a *relaxation* (dropping not-null, widening accepted
values or a range, a longer freshness window, ...) is breaking for them;
`guarantee_changes` reports each change with its direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from accord.spec.guarantees import ColumnGuarantees, Guarantees, RowCount, Scalar

Direction = Literal["tightens", "relaxes", "both"]


@dataclass(frozen=True)
class GuaranteeChange:
    """One guarantee difference. `relaxes` means consumers lose a promise (breaking)."""

    path: str
    kind: str
    direction: Direction
    message: str


def _bound_change(
    path: str, name: str, old: float | None, new: float | None, lower: bool
) -> GuaranteeChange | None:
    if old == new:
        return None
    if new is None:
        return GuaranteeChange(path, f"{name}_removed", "relaxes", f"{name} {old} removed")
    if old is None:
        return GuaranteeChange(path, f"{name}_added", "tightens", f"{name} {new} added")
    looser = new < old if lower else new > old
    kind = f"{name}_{'relaxed' if looser else 'tightened'}"
    return GuaranteeChange(
        path, kind, "relaxes" if looser else "tightens", f"{name} {old} -> {new}"
    )


def _flag_change(path: str, name: str, old: bool, new: bool) -> GuaranteeChange | None:
    if old == new:
        return None
    if old:
        return GuaranteeChange(path, f"{name}_removed", "relaxes", f"{name} no longer guaranteed")
    return GuaranteeChange(path, f"{name}_added", "tightens", f"{name} now guaranteed")


def _values_change(
    path: str, old: list[Scalar] | None, new: list[Scalar] | None
) -> GuaranteeChange | None:
    if old is None and new is None:
        return None
    if new is None:
        return GuaranteeChange(
            path, "accepted_values_removed", "relaxes", "any value may now appear"
        )
    if old is None:
        return GuaranteeChange(path, "accepted_values_added", "tightens", "values restricted")
    added, removed = (
        set(map(repr, new)) - set(map(repr, old)),
        set(map(repr, old)) - set(map(repr, new)),
    )
    if not added and not removed:
        return None
    direction: Direction = "both" if added and removed else ("relaxes" if added else "tightens")
    return GuaranteeChange(
        path,
        "accepted_values_changed",
        direction,
        f"accepted values: added {sorted(added)}, removed {sorted(removed)}",
    )


def _column_changes(
    name: str, old: ColumnGuarantees, new: ColumnGuarantees
) -> list[GuaranteeChange]:
    path = f"columns.{name}"
    found = [
        _flag_change(path, "not_null", old.not_null, new.not_null),
        _flag_change(path, "unique", old.unique, new.unique),
        _values_change(path, old.accepted_values, new.accepted_values),
        _bound_change(path, "min", old.min, new.min, lower=True),
        _bound_change(path, "max", old.max, new.max, lower=False),
        _bound_change(path, "min_length", old.min_length, new.min_length, lower=True),
        _bound_change(path, "max_length", old.max_length, new.max_length, lower=False),
    ]
    if old.pattern != new.pattern:
        kind, direction = (
            ("pattern_removed", "relaxes")
            if new.pattern is None
            else ("pattern_added", "tightens")
            if old.pattern is None
            else ("pattern_changed", "both")
        )
        found.append(GuaranteeChange(path, kind, direction, "pattern guarantee changed"))  # type: ignore[arg-type]
    if old.relationship != new.relationship:
        direction_r: Direction = (
            "relaxes"
            if new.relationship is None
            else ("tightens" if old.relationship is None else "both")
        )
        found.append(
            GuaranteeChange(path, "relationship_changed", direction_r, "relationship changed")
        )
    return [c for c in found if c is not None]


def guarantee_changes(old: Guarantees, new: Guarantees) -> list[GuaranteeChange]:
    """Every difference between two guarantee sets, old -> new."""
    changes: list[GuaranteeChange] = []
    empty = ColumnGuarantees()
    for name in sorted(set(old.columns) | set(new.columns)):
        changes += _column_changes(name, old.columns.get(name, empty), new.columns.get(name, empty))
    old_keys = {tuple(k) for k in old.unique_together}
    new_keys = {tuple(k) for k in new.unique_together}
    for key in sorted(old_keys - new_keys):
        changes.append(
            GuaranteeChange("unique_together", "unique_key_removed", "relaxes", f"{list(key)}")
        )
    for key in sorted(new_keys - old_keys):
        changes.append(
            GuaranteeChange("unique_together", "unique_key_added", "tightens", f"{list(key)}")
        )
    o_rc, n_rc = old.row_count or RowCount(), new.row_count or RowCount()
    for c in (
        _bound_change("row_count", "min", o_rc.min, n_rc.min, lower=True),
        _bound_change("row_count", "max", o_rc.max, n_rc.max, lower=False),
    ):
        if c is not None:
            changes.append(c)
    if old.freshness != new.freshness:
        o_age = old.freshness.max_age_seconds if old.freshness else None
        n_age = new.freshness.max_age_seconds if new.freshness else None
        c = _bound_change("freshness", "max_age_seconds", o_age, n_age, lower=False)
        if old.freshness and new.freshness and old.freshness.column != new.freshness.column:
            c = GuaranteeChange("freshness", "freshness_column_changed", "both", "column changed")
        if c is not None:
            changes.append(c)
    old_custom = {c.name: c for c in old.custom}
    new_custom = {c.name: c for c in new.custom}
    for name in sorted(old_custom.keys() - new_custom.keys()):
        changes.append(
            GuaranteeChange(f"custom.{name}", "custom_check_removed", "relaxes", "check removed")
        )
    for name in sorted(new_custom.keys() - old_custom.keys()):
        changes.append(
            GuaranteeChange(f"custom.{name}", "custom_check_added", "tightens", "check added")
        )
    for name in sorted(old_custom.keys() & new_custom.keys()):
        if old_custom[name].sql != new_custom[name].sql:
            changes.append(
                GuaranteeChange(f"custom.{name}", "custom_check_changed", "both", "query changed")
            )
    return changes
