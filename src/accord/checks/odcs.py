"""ODCS v3 (Open Data Contract Standard) documents -> Accord contracts.

The document is first validated against the official JSON Schema of the ``apiVersion`` it
declares (``odcs_schemas/``: v3.0.x, v3.1.0, v3.2.0); every failing path is listed. One
schema object
(table) becomes the contract: properties -> columns (``logicalType``/``physicalType`` ->
type, ``required`` -> not nullable, ``primaryKey``, ``unique``, ``logicalTypeOptions``
bounds/lengths/pattern, v3.2 ``enum`` -> enum), quality rules -> guarantees, the
``freshness`` SLA -> freshness, ``team.name`` -> owner. Everything else (the other schema
objects included) is kept verbatim under ``x-odcs`` keys so that
`accord.checks.odcs_export.export_odcs` gives the document back. Mapping table:
docs/checks.md.

A valid document without a table (no schema object, or an object without properties) is
refused with the ODCS path: an Accord table schema has at least one column.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

from accord.checks.contract import Contract, build_contract
from accord.checks.errors import ContractError
from accord.checks.odcs_rules import COLUMN_KINDS, Fragment, Reader, read_rule, read_sla
from accord.compat import LogicalType, SchemaError, parse_type
from accord.kit.documents import json_problem

X = "x-odcs"
LOGICAL = {
    "string": "string", "integer": "int64", "number": "float64", "boolean": "boolean",
    "date": "date", "timestamp": "timestamp", "time": "time", "object": "json",
    "array": "array<json>", "map": "json", "vector": "array<float32>",
}  # fmt: skip
OPTIONS = {
    "minimum": "minimum", "maximum": "maximum", "minLength": "min_length",
    "maxLength": "max_length", "pattern": "pattern",
}  # fmt: skip


# Declared apiVersion -> the official schema that checks it (odcs_schemas/NOTICE.md).
SCHEMAS = {
    "v3.0.0": "v3.0.2", "v3.0.1": "v3.0.2", "v3.0.2": "v3.0.2",
    "v3.1.0": "v3.1.0",
    "v3.2.0": "v3.2.0",
}  # fmt: skip


@cache
def _validator(schema: str) -> jsonschema_rs.Draft201909Validator:
    # jsonschema-rs, not jsonschema: it imports and validates in milliseconds, which
    # `accord validate` pays on every run (ADR 0021). Formats are annotations, as in 2019-09.
    name = f"odcs-json-schema-{schema}.json"
    text = resources.files("accord.checks").joinpath("odcs_schemas", name).read_text("utf-8")
    return jsonschema_rs.Draft201909Validator(json.loads(text), validate_formats=False)


def _declared(doc: Any) -> str:
    """The schema for the document's ``apiVersion``, or a `ContractError` naming the
    versions Accord reads."""
    declared = doc.get("apiVersion") if isinstance(doc, dict) else None
    if isinstance(declared, str) and declared in SCHEMAS:
        return SCHEMAS[declared]
    supported = ", ".join(SCHEMAS)
    what = f"{declared!r}" if isinstance(declared, str) else "missing"
    raise ContractError(
        f"unsupported ODCS apiVersion {what}: Accord reads {supported}", ("apiVersion",)
    )


def validate_odcs(doc: Any) -> None:
    """Raise `ContractError` listing every path where ``doc`` breaks the JSON Schema of the
    ODCS version it declares (``apiVersion``)."""
    odd = json_problem(doc)
    if odd is not None:
        path, what = odd
        raise ContractError(f"invalid ODCS document: {what}", (path,))
    validator = _validator(_declared(doc))
    try:
        errors = list(validator.iter_errors(doc))
    except ValueError as exc:  # e.g. nesting deeper than the validator's recursion limit
        raise ContractError(f"invalid ODCS document: {exc}", ("/",)) from None
    paths: list[str] = []
    messages: list[str] = []
    for error in sorted(errors, key=lambda e: list(map(str, e.instance_path))):
        base = ".".join(str(p) for p in error.instance_path)
        names = [base]
        kind = error.kind
        if isinstance(
            kind,
            jsonschema_rs.ValidationErrorKind.UnevaluatedProperties
            | jsonschema_rs.ValidationErrorKind.AdditionalProperties,
        ):
            names = [f"{base}.{n}" if base else n for n in kind.unexpected]
        for name in (n or "/" for n in names):
            if name not in paths:
                paths.append(name)
                messages.append(error.message.splitlines()[0][:200])
    if paths:
        raise ContractError(f"invalid ODCS document: {messages[0]}", tuple(paths))


def import_odcs(doc: Any, object_name: str | None = None) -> Contract:
    """Validate an ODCS v3 document and map one of its schema objects to a contract."""
    validate_odcs(doc)
    objects = doc.get("schema") or []
    if not objects:
        # Valid ODCS (a document may describe only servers, roles, SLAs …), but an Accord
        # contract is one table.
        raise ContractError(
            "no schema object to import: an Accord contract is one table", ("schema",)
        )
    names = [o["name"] for o in objects]
    if object_name is not None and object_name not in names:
        raise ContractError(f"no schema object named {object_name!r}", ("schema",))
    if object_name is None and len(objects) != 1:
        raise ContractError(f"pick one schema object of {names} (--object)", ("schema",))
    index = names.index(object_name) if object_name is not None else 0
    obj = objects[index]
    if not obj.get("properties"):
        raise ContractError(
            f"schema object {obj['name']!r} has no properties: an Accord table needs a column",
            (f"schema.{index}.properties",),
        )
    reader = Reader()
    columns = [_column(p, reader) for p in obj.get("properties") or []]
    for i, rule in enumerate(obj.get("quality") or []):
        reader.take(read_rule(rule, None, f"{obj['name']}_{i + 1}"))
    for sla in doc.get("slaProperties") or []:
        reader.take(read_sla(sla, obj["name"]))
    fragments = reader.found
    table: dict[str, Any] = {"name": obj["name"], "columns": columns}
    for key in ("description", "tags"):
        if key in obj:
            table[key] = obj[key]
    primary = sorted(
        (p.get("primaryKeyPosition", -1), p["name"])
        for p in obj.get("properties") or []
        if p.get("primaryKey")
    )
    if primary:
        table["primary_key"] = [name for _, name in primary]
    unique = [[p["name"]] for p in obj.get("properties") or [] if p.get("unique")]
    if unique:
        table["unique"] = unique
    table[X] = {k: v for k, v in obj.items() if k != "properties"}
    meta = _meta(doc)
    top = {k: v for k, v in doc.items() if k != "schema"}
    if len(objects) > 1:
        # The other objects are kept whole, so that export gives the whole document back;
        # this one is its name, where export puts the object it regenerates.
        top["schema"] = [o["name"] if i == index else o for i, o in enumerate(objects)]
    return build_contract(table, _guarantees(fragments), meta, {X: top})


def _meta(doc: dict[str, Any]) -> dict[str, str]:
    meta = {"version": str(doc["version"])}
    team = doc.get("team")
    if isinstance(team, dict) and isinstance(team.get("name"), str):
        meta["owner"] = team["name"]
    purpose = (doc.get("description") or {}).get("purpose")
    if isinstance(purpose, str):
        meta["description"] = purpose
    return meta


def column_type(prop: dict[str, Any]) -> LogicalType:
    """A property's Accord type: its ``physicalType`` when Accord can parse it and it agrees
    with the ``logicalType`` family, else the ``logicalType`` mapping (string by default)."""
    logical = parse_type(LOGICAL[prop.get("logicalType", "string")])
    physical = prop.get("physicalType")
    if isinstance(physical, str):
        try:
            parsed = parse_type(physical)
        except SchemaError:
            return logical
        # ODCS "number" covers integers: physicalType bigint under number is an int64.
        agrees = family(parsed) in (
            family(logical),
            "integer" if family(logical) == "number" else "",
        )
        if agrees or "logicalType" not in prop:
            return parsed
    return logical


def option(options: dict[str, Any], key: str) -> Any:
    """A ``logicalTypeOptions`` value Accord maps, else None (date bounds are strings in
    ODCS and stay verbatim)."""
    value = options.get(key)
    if key == "pattern":
        return value if isinstance(value, str) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if key in ("minimum", "maximum") or isinstance(value, int) else None


def enum_values(prop: dict[str, Any]) -> list[Any] | None:
    """The values of an ODCS v3.2 ``enum`` (a list of ``{value, label, …}``), else None."""
    entries = prop.get("enum")
    if not isinstance(entries, list) or not entries:
        return None
    return [e["value"] for e in entries if isinstance(e, dict) and "value" in e] or None


def not_nullable(prop: dict[str, Any]) -> bool:
    """ODCS ``required`` (a primary key column is required too)."""
    return bool(prop.get("required") or prop.get("primaryKey"))


def family(kind: LogicalType) -> str:
    """The ODCS ``logicalType`` of an Accord type."""
    name = kind.name
    if name.startswith("int"):
        return "integer"
    if name.startswith("float") or name == "decimal":
        return "number"
    if name in ("varchar", "char", "binary"):
        return "string"
    if name == "timestamptz":
        return "timestamp"
    if name in ("json", "struct"):
        return "object"
    return name


def _column(prop: dict[str, Any], reader: Reader) -> dict[str, Any]:
    name = prop["name"]
    column: dict[str, Any] = {"name": name, "type": str(column_type(prop))}
    if not_nullable(prop):
        column["nullable"] = False
    for key in ("description", "tags"):
        if key in prop:
            column[key] = prop[key]
    values = enum_values(prop)
    if values is not None:
        column["enum"] = values
    options = prop.get("logicalTypeOptions") or {}
    for odcs_key, accord_key in OPTIONS.items():
        value = option(options, odcs_key)
        if value is not None:
            column[accord_key] = value
    for i, rule in enumerate(prop.get("quality") or []):
        reader.take(read_rule(rule, name, f"{name}_{i + 1}"))
    column[X] = {k: v for k, v in prop.items() if k != "name"}
    return column


def _guarantees(fragments: list[Fragment]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    columns: dict[str, dict[str, Any]] = {}
    severities: dict[str, set[str]] = {}
    for fragment in fragments:
        kind = fragment[0]
        if kind in COLUMN_KINDS:
            value: Any = fragment[2] if len(fragment) == 4 else True
            if kind == "accepted_values":
                value = list(value)
            columns.setdefault(fragment[1], {})[kind] = value
            severities.setdefault(fragment[1], set()).add(fragment[-1])
        elif kind == "unique_together":
            out.setdefault("unique_together", []).append(list(fragment[1]))
        elif kind == "row_count":
            out["row_count"] = _drop_none(
                {"min": fragment[1], "max": fragment[2], "severity": fragment[3]}
            )
        elif kind == "freshness":
            out["freshness"] = {"column": fragment[1], "max_age_seconds": fragment[2]}
        else:
            out.setdefault("custom", []).append(
                {"name": fragment[1], "sql": fragment[2], "severity": fragment[3]}
            )
    for name, column in columns.items():
        # One severity per column in Accord: the strictest of its rules.
        if "error" not in severities[name]:
            column["severity"] = "warn"
    if columns:
        out["columns"] = columns
    return out


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
