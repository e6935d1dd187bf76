"""Change reports for table schemas (column paths are dotted: ``address.zip``)."""

from __future__ import annotations

import json
from typing import Any

from accord.compat.canonical import key as json_key
from accord.compat.js.document import Document
from accord.compat.js.inclusion import Checker
from accord.compat.model import Change, Direction
from accord.compat.table.checks import normalise
from accord.compat.table.rowschema import DIALECT, encode
from accord.compat.table.schema import Column, TableSchema
from accord.compat.table.types import FLOAT_BITS, INT_BITS, LogicalType

T, R, B, N = Direction.TIGHTENS, Direction.RELAXES, Direction.BOTH, Direction.NEUTRAL
GOVERNANCE_TAGS = frozenset({"pii", "sensitive", "confidential", "restricted", "gdpr"})


def type_direction(old: LogicalType, new: LogicalType) -> Direction:
    """Direction of a type change, decided on the value encodings."""
    a = Document({"$schema": DIALECT, **encode(old)})
    b = Document({"$schema": DIALECT, **encode(new)})
    checker = Checker(False)
    wider = checker.sub((a.root,), (b.root,)) is None
    narrower = checker.sub((b.root,), (a.root,)) is None
    return N if wider and narrower else R if wider else T if narrower else B


def table_changes(old: TableSchema, new: TableSchema) -> list[Change]:
    """Every difference from ``old`` to ``new``."""
    out: list[Change] = []
    _columns(out, "", [_field(c) for c in old.columns], [_field(c) for c in new.columns])
    by_name = {c.name: c for c in new.columns}
    for old_col in old.columns:
        new_col = by_name.get(old_col.name)
        # the same parse (`schema.ColumnCache`): an unchanged column
        if new_col is not None and new_col is not old_col:
            _constraints(out, old_col, new_col)
    _table(out, old, new)
    return out


def _field(column: Column) -> tuple[str, LogicalType, bool, Column | None]:
    return column.name, column.type, column.nullable, column


def _columns(
    out: list[Change],
    prefix: str,
    old: list[tuple[str, LogicalType, bool, Column | None]],
    new: list[tuple[str, LogicalType, bool, Column | None]],
) -> None:
    old_names = [f[0] for f in old]
    new_names = [f[0] for f in new]
    old_at = {name: i for i, name in enumerate(old_names)}
    new_at = {name: i for i, name in enumerate(new_names)}
    dropped = [f for f in old if f[0] not in new_at]
    added = [f for f in new if f[0] not in old_at]
    for name, _kind, _null, _col in dropped:
        out.append(
            Change(
                prefix + name,
                "column_dropped",
                R,
                f"column {name!r} dropped: consumers selecting it break",
            )
        )
    for name, _kind, null, col in added:
        filled = null or (col is not None and col.has_default)
        out.append(
            Change(
                prefix + name,
                "column_added",
                N if filled else T,
                f"column {name!r} added"
                + ("" if filled else " as NOT NULL without default: existing rows have no value"),
            )
        )
    for gone in dropped:
        for came in added:
            same_place = old_at[gone[0]] == new_at[came[0]]
            if gone[1] == came[1] and same_place:
                out.append(
                    Change(
                        prefix + came[0],
                        "probable_rename",
                        B,
                        f"column {gone[0]!r} probably renamed to {came[0]!r}",
                    )
                )
    common = [n for n in old_names if n in new_at]
    if common != [n for n in new_names if n in old_at]:
        out.append(
            Change(
                prefix.rstrip(".") or "@columns",
                "column_reordered",
                N,
                "columns reordered: positional readers (SELECT *) may break",
            )
        )
    for name in common:
        o = old[old_at[name]]
        n = new[new_at[name]]
        _type(out, prefix + name, o[1], n[1])
        if o[2] != n[2]:
            kind, direction = ("column_made_nullable", R) if n[2] else ("column_made_not_null", T)
            out.append(Change(prefix + name, kind, direction, f"nullability of {name!r} changed"))


def _type(out: list[Change], path: str, old: LogicalType, new: LogicalType) -> None:
    if old == new:
        return
    if old.name == new.name == "struct":
        _columns(
            out,
            path + ".",
            [(n, t, null, None) for n, t, null in old.fields],
            [(n, t, null, None) for n, t, null in new.fields],
        )
        return
    if old.name == new.name == "array":
        assert old.element is not None
        assert new.element is not None
        _type(out, path + "[]", old.element, new.element)
        return
    if old.name == new.name == "map":
        assert old.key is not None
        assert new.key is not None
        assert old.element is not None
        assert new.element is not None
        if old.key != new.key:
            out.append(
                Change(
                    path + "{key}", "map_key_type_changed", B, f"map key type {old.key} → {new.key}"
                )
            )
        _type(out, path + "{}", old.element, new.element)
        return
    direction = type_direction(old, new)
    kind = {R: "column_type_widened", T: "column_type_narrowed"}.get(
        direction, "column_type_changed"
    )
    message = f"type {old} → {new}"
    lossy = old.name in INT_BITS and new.name in FLOAT_BITS
    if lossy and INT_BITS[old.name] > FLOAT_BITS[new.name]:
        kind, message = "column_type_lossy", message + " (large integers lose precision)"
    if old.name == new.name == "decimal" and old.params[1] != new.params[1]:
        kind, message = "decimal_scale_changed", message + " (stored values are reinterpreted)"
    out.append(Change(path, kind, direction, message))


def _constraints(out: list[Change], old: Column, new: Column) -> None:
    path = old.name
    if old.has_default != new.has_default or _key(old.default) != _key(new.default):
        verb = "added" if not old.has_default else "removed" if not new.has_default else "changed"
        direction = T if verb == "removed" and not new.nullable else N
        out.append(Change(path, f"default_{verb}", direction, f"default {verb}"))
    if _keys(old.enum) != _keys(new.enum):
        _enum(out, path, old.enum, new.enum)
    for attr, low in (
        ("minimum", True),
        ("maximum", False),
        ("min_length", True),
        ("max_length", False),
    ):
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            tighter = b is not None and (a is None or (b > a) == low)
            out.append(Change(path, f"{attr}_changed", T if tighter else R, f"{attr} {a} → {b}"))
    if old.pattern != new.pattern:
        direction = T if old.pattern is None else R if new.pattern is None else B
        out.append(Change(path, "pattern_changed", direction, "pattern changed"))
    _checks(out, path, old.checks, new.checks)
    if old.description != new.description:
        out.append(Change(path, "description_changed", N, "description changed"))
    _tags(out, path, old.tags, new.tags)


def _enum(out: list[Change], path: str, old: Any, new: Any) -> None:
    if old is None or new is None:
        kind, direction = ("enum_added", T) if old is None else ("enum_removed", R)
        out.append(Change(path, kind, direction, kind.replace("_", " ")))
        return
    old_keys, new_keys = {_key(v) for v in old}, {_key(v) for v in new}
    added = [v for v in new if _key(v) not in old_keys]
    removed = [v for v in old if _key(v) not in new_keys]
    if added:
        out.append(Change(path, "enum_value_added", R, f"values added: {added}"))
    if removed:
        out.append(Change(path, "enum_value_removed", T, f"values removed: {removed}"))
    if not added and not removed:
        out.append(Change(path, "enum_reordered", N, "enum values reordered"))


def _key(value: Any) -> Any:
    """JSON Schema's equality (``true`` is not ``1``; ``1`` is ``1.0``), which Python's
    ``==`` is not: a ``json`` column's enum or default may change only in type."""
    try:
        return json_key(value)
    except TypeError:  # not a JSON value (a caller's own Python data)
        return value


def _keys(values: Any) -> list[Any] | None:
    return None if values is None else [_key(v) for v in values]


def _checks(out: list[Change], path: str, old: tuple[str, ...], new: tuple[str, ...]) -> None:
    o = {normalise(c) for c in old}
    n = {normalise(c) for c in new}
    for check in sorted(n - o):
        out.append(Change(path, "check_added", T, f"CHECK ({check}) added"))
    for check in sorted(o - n):
        out.append(Change(path, "check_removed", R, f"CHECK ({check}) removed"))


def _tags(out: list[Change], path: str, old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if set(old) == set(new):
        return
    lost = {t for t in old if t not in new and t.lower() in GOVERNANCE_TAGS}
    if lost:
        out.append(
            Change(
                path,
                "classification_tag_removed",
                N,
                f"governance tag removed: {sorted(lost)} (policy, not compatibility)",
            )
        )
    else:
        out.append(Change(path, "tags_changed", N, "tags changed"))


def _table(out: list[Change], old: TableSchema, new: TableSchema) -> None:
    if old.primary_key != new.primary_key:
        if not old.primary_key or not new.primary_key:
            verb, direction = ("added", T) if not old.primary_key else ("removed", R)
        else:
            verb, direction = "changed", B
        out.append(
            Change(
                "@primary_key",
                f"primary_key_{verb}",
                direction,
                f"primary key {old.primary_key} → {new.primary_key}",
            )
        )
    for key in new.unique:
        if key not in old.unique:
            out.append(Change("@unique", "unique_added", T, f"UNIQUE ({', '.join(key)}) added"))
    for key in old.unique:
        if key not in new.unique:
            out.append(Change("@unique", "unique_removed", R, f"UNIQUE ({', '.join(key)}) removed"))
    o_fk = {json.dumps(f, sort_keys=True) for f in old.foreign_keys}
    n_fk = {json.dumps(f, sort_keys=True) for f in new.foreign_keys}
    if n_fk - o_fk:
        out.append(Change("@foreign_keys", "foreign_key_added", T, "foreign key added"))
    if o_fk - n_fk:
        out.append(Change("@foreign_keys", "foreign_key_removed", R, "foreign key removed"))
    _checks(out, "@checks", old.checks, new.checks)
    if old.name != new.name:
        out.append(Change("@name", "table_renamed", B, f"table {old.name!r} → {new.name!r}"))
    for word in ("partitioning", "clustering", "storage"):
        if old.raw.get(word) != new.raw.get(word):
            out.append(Change(f"@{word}", "physical_layout_changed", N, f"{word} changed"))
    if old.description != new.description or old.raw.get("owner") != new.raw.get("owner"):
        out.append(Change("@table", "description_changed", N, "description or owner changed"))
    _tags(out, "@table", old.tags, new.tags)
