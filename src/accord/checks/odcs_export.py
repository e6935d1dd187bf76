"""Accord contracts -> ODCS v3 documents.

Each ODCS element is regenerated from the contract, except that an element kept from the
imported document (under ``x-odcs``) is reused verbatim whenever importing it again would
give what the contract now says. An unchanged import therefore exports to the same document,
and an edited contract exports its edits.
"""

from __future__ import annotations

from typing import Any

from accord.checks.contract import Contract
from accord.checks.odcs import (
    OPTIONS,
    X,
    column_type,
    enum_values,
    family,
    not_nullable,
    option,
)
from accord.checks.odcs_rules import (
    COLUMN_KINDS,
    Fragment,
    Reader,
    read_rule,
    read_sla,
    write_rule,
    write_sla,
)
from accord.compat import Column, TableSchema
from accord.spec import ColumnGuarantees, Guarantees

API_VERSION = "v3.2.0"
# ODCS versions whose properties have an ``enum``; elsewhere a column's enum is a rule.
_ENUM_VERSIONS = frozenset({"v3.2.0"})
# Guarantee bound -> (its name, the ODCS logicalTypes whose options can hold it).
_BOUNDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "minimum": ("min", ("number", "integer")),
    "maximum": ("max", ("number", "integer")),
    "min_length": ("min_length", ("string",)),
    "max_length": ("max_length", ("string",)),
}


def export_odcs(contract: Contract) -> dict[str, Any]:
    """The ODCS v3 document for ``contract`` (one schema object)."""
    schema, meta = contract.schema, contract.meta
    table = schema.name or "table"
    top: dict[str, Any] = dict(contract.extensions.get(X) or {})
    objects = top.pop("schema", None)
    if not top:
        top = {
            "apiVersion": API_VERSION,
            "kind": "DataContract",
            "id": meta.get("asset", table),
            "name": table,
            "status": "active",
        }
    top["version"] = meta.get("version", top.get("version", "1.0.0"))
    _owner(top, meta.get("owner"))
    _purpose(top, meta.get("description"))
    pool = fragments(contract.guarantees)
    reader = Reader()
    obj = _object(schema, contract.guarantees, pool, reader, top["apiVersion"] in _ENUM_VERSIONS)
    slas = [
        s for s in top.get("slaProperties") or [] if _keep(reader.take(read_sla(s, table)), pool)
    ]
    slas += [write_sla(f, table) for f in _take(pool, {"freshness"})]
    if slas:
        top["slaProperties"] = slas
    else:
        top.pop("slaProperties", None)
    obj_rules = obj.setdefault("quality", [])
    obj_rules += [write_rule(f) for f in _take(pool, {"row_count", "unique_together", "custom"})]
    if not obj_rules:
        del obj["quality"]
    top["schema"] = _objects(objects, obj)
    return top


def _objects(kept: Any, obj: dict[str, Any]) -> list[Any]:
    """The document's schema objects: the imported ones kept whole, ``obj`` in the place
    of the one the contract was imported from (a name; contracts imported before the
    others were kept hold only names, and export just ``obj``)."""
    if not isinstance(kept, list) or not any(isinstance(o, dict) for o in kept):
        return [obj]
    return [o if isinstance(o, dict) else obj for o in kept]


def fragments(guarantees: Guarantees) -> list[Fragment]:
    """The guarantees as rule fragments (see `accord.checks.odcs_rules`)."""
    out: list[Fragment] = []
    for name, g in guarantees.columns.items():
        if g.not_null:
            out.append(("not_null", name, g.severity))
        if g.unique:
            out.append(("unique", name, g.severity))
        if g.accepted_values is not None:
            out.append(("accepted_values", name, tuple(g.accepted_values), g.severity))
        if g.pattern is not None:
            out.append(("pattern", name, g.pattern, g.severity))
    out += [("unique_together", tuple(k)) for k in guarantees.unique_together]
    if guarantees.row_count is not None:
        rc = guarantees.row_count
        out.append(("row_count", rc.min, rc.max, rc.severity))
    if guarantees.freshness is not None:
        out.append(("freshness", guarantees.freshness.column, guarantees.freshness.max_age_seconds))
    out += [("custom", c.name, c.sql, c.severity) for c in guarantees.custom]
    return out


def _keep(fragment: Fragment | None, pool: list[Fragment]) -> bool:
    """Keep an original element: it says nothing Accord maps, or what it says still holds."""
    if fragment is None:
        return True
    if fragment in pool:
        pool.remove(fragment)
        return True
    return False


def _take(pool: list[Fragment], kinds: set[str], column: str | None = None) -> list[Fragment]:
    taken = [f for f in pool if f[0] in kinds and (column is None or f[1] == column)]
    for f in taken:
        pool.remove(f)
    return taken


def _owner(top: dict[str, Any], owner: str | None) -> None:
    team = top.get("team")
    if owner is None or (isinstance(team, dict) and team.get("name") == owner):
        return
    if isinstance(team, dict) or team is None:
        top["team"] = {**(team or {}), "name": owner}


def _purpose(top: dict[str, Any], purpose: str | None) -> None:
    description = top.get("description")
    if purpose is not None and (
        not isinstance(description, dict) or description.get("purpose") != purpose
    ):
        top["description"] = {
            **(description if isinstance(description, dict) else {}),
            "purpose": purpose,
        }


def _object(
    schema: TableSchema,
    guarantees: Guarantees,
    pool: list[Fragment],
    reader: Reader,
    with_enum: bool,
) -> dict[str, Any]:
    name = schema.name or "table"
    original = dict(schema.raw.get(X) or {"name": name, "physicalType": "table"})
    obj: dict[str, Any] = {"name": name, **original}
    _set(obj, "description", schema.description, "")
    _set(obj, "tags", list(schema.tags), [])
    empty = ColumnGuarantees()
    props = [
        _property(c, schema, guarantees.columns.get(c.name, empty), pool, reader, with_enum)
        for c in schema.columns
    ]
    quality = [
        r
        for i, r in enumerate(original.get("quality") or [])
        if _keep(reader.take(read_rule(r, None, f"{name}_{i + 1}")), pool)
    ]
    for prop in props:
        rules = prop.setdefault("quality", [])
        rules += [write_rule(f) for f in _take(pool, set(COLUMN_KINDS), prop["name"])]
        if not rules:
            del prop["quality"]
    obj["properties"] = props
    obj["quality"] = quality
    return obj


def _set(target: dict[str, Any], key: str, value: Any, empty: Any) -> None:
    if target.get(key, empty) != value:
        if value == empty:
            target.pop(key, None)
        else:
            target[key] = value


def _property(
    column: Column,
    schema: TableSchema,
    promised: ColumnGuarantees,
    pool: list[Fragment],
    reader: Reader,
    with_enum: bool,
) -> dict[str, Any]:
    name = column.name
    original: dict[str, Any] = dict(_raw_column(schema, name).get(X) or {})
    prop: dict[str, Any] = {"name": name, **original}
    if not original or column_type(prop) != column.type:
        prop["logicalType"] = family(column.type)
        prop["physicalType"] = str(column.type)
    in_pk = name in schema.primary_key
    if bool(prop.get("primaryKey")) != in_pk or (
        in_pk
        and len(schema.primary_key) > 1
        and prop.get("primaryKeyPosition") != schema.primary_key.index(name) + 1
    ):
        _set(prop, "primaryKey", in_pk, False)
        _set(
            prop,
            "primaryKeyPosition",
            schema.primary_key.index(name) + 1 if in_pk and len(schema.primary_key) > 1 else -1,
            -1,
        )
    if not_nullable(prop) != (not column.nullable):
        prop["required"] = not column.nullable
    _set(prop, "unique", (name,) in schema.unique, False)
    _set(prop, "description", column.description, "")
    _set(prop, "tags", list(column.tags), [])
    options = dict(prop.get("logicalTypeOptions") or {})
    kind = family(column.type)
    for odcs_key, accord_key in OPTIONS.items():
        value = getattr(column, accord_key)
        if value is None and kind in _BOUNDS.get(accord_key, ("", ()))[1]:
            # ODCS has no rule for bounds: a guarantee bound goes where the schema has none.
            value = getattr(promised, _BOUNDS[accord_key][0])
        if option(options, odcs_key) != value:
            _set(options, odcs_key, value, None)
    _set(prop, "logicalTypeOptions", options, {})
    _enum(prop, column, pool, with_enum)
    prop["quality"] = [
        r
        for i, r in enumerate(original.get("quality") or [])
        if _keep(reader.take(read_rule(r, name, f"{name}_{i + 1}")), pool)
    ]
    return prop


def _enum(prop: dict[str, Any], column: Column, pool: list[Fragment], with_enum: bool) -> None:
    """The column's enum as the property's ``enum`` (original entries, with their labels,
    reused by value), or, in an ODCS version without one, as an invalidValues rule."""
    values = list(column.enum) if column.enum is not None else None
    if enum_values(prop) == values:
        return
    original = prop.pop("enum", None)
    if values is None:
        return
    if not with_enum:
        pool.append(("accepted_values", column.name, tuple(values), "error"))
        return
    entries = [e for e in original or [] if isinstance(e, dict)]
    prop["enum"] = [next((e for e in entries if e.get("value") == v), {"value": v}) for v in values]


def _raw_column(schema: TableSchema, name: str) -> dict[str, Any]:
    # Every parsed column comes from one raw column of the same name.
    return next(dict(raw) for raw in schema.raw["columns"] if raw.get("name") == name)
