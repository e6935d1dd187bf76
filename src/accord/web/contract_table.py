"""An asset's contract as table rows for the web UI: a field or column per row with its
type, nullability, constraints and guarantees, from a JSON Schema or a table schema.
Pure: the version in, rows out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accord.models import ContractVersion

FIELD_ROWS = 400
FIELD_DEPTH = 5


@dataclass
class FieldRow:
    path: str
    type: str
    required: bool
    nullable: bool
    description: str = ""
    guarantees: list[str] = field(default_factory=list)


def _type_of(schema: dict[str, Any]) -> tuple[str, bool]:
    """A readable type and whether null is allowed."""
    if "$ref" in schema and isinstance(schema["$ref"], str):
        return "see " + schema["$ref"].rsplit("/", 1)[-1], False
    raw = schema.get("type")
    types = [raw] if isinstance(raw, str) else [t for t in raw or [] if isinstance(t, str)]
    nullable = "null" in types
    named = [t for t in types if t != "null"]
    for word in ("anyOf", "oneOf"):
        if not named and isinstance(schema.get(word), list):
            alts = [_type_of(s)[0] for s in schema[word] if isinstance(s, dict)]
            nullable = nullable or any(
                isinstance(s, dict) and s.get("type") == "null" for s in schema[word]
            )
            named = [a for a in alts if a != "null" and a != "any"] or named
            return " or ".join(dict.fromkeys(named)) or "any", nullable
    if named == ["array"] and isinstance(schema.get("items"), dict):
        return "array of " + _type_of(schema["items"])[0], nullable
    if not named and "const" in schema:
        return "constant", nullable
    if not named and "enum" in schema:
        return "enumeration", nullable
    return " or ".join(named) or "any", nullable


def _constraints(schema: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if isinstance(schema.get("enum"), list):
        out.append("one of " + ", ".join(str(v) for v in schema["enum"][:20]))
    if "const" in schema:
        out.append(f"always {schema['const']}")
    for word, text in (
        ("format", "format {}"),
        ("pattern", "matches {}"),
        ("minimum", "at least {}"),
        ("maximum", "at most {}"),
        ("exclusiveMinimum", "more than {}"),
        ("exclusiveMaximum", "less than {}"),
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
    ):
        if word in schema and not isinstance(schema[word], dict | list):
            out.append(text.format(schema[word]))
    return out


def _object_of(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema whose properties are this field's children, if any."""
    if isinstance(schema.get("properties"), dict):
        return schema
    items = schema.get("items")
    if isinstance(items, dict) and isinstance(items.get("properties"), dict):
        return items
    return None


def _walk_json(schema: dict[str, Any], prefix: str, depth: int, out: list[FieldRow]) -> None:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return
    required = schema.get("required")
    needed = set(required) if isinstance(required, list) else set()
    for name, sub in props.items():
        if len(out) >= FIELD_ROWS:
            return
        if not isinstance(sub, dict):
            sub = {}
        kind, nullable = _type_of(sub)
        path = f"{prefix}{name}"
        desc = sub.get("description") if isinstance(sub.get("description"), str) else ""
        out.append(FieldRow(path, kind, name in needed, nullable, desc or "", _constraints(sub)))
        inner = _object_of(sub)
        if inner is not None and depth < FIELD_DEPTH:
            _walk_json(inner, path + ".", depth + 1, out)


def _walk_table(schema: dict[str, Any], out: list[FieldRow]) -> None:
    keys = schema.get("primary_key") or []
    pk = {keys} if isinstance(keys, str) else set(keys) if isinstance(keys, list) else set()
    for column in schema.get("columns") or []:
        if not isinstance(column, dict) or len(out) >= FIELD_ROWS:
            continue
        name = str(column.get("name", ""))
        nullable = bool(column.get("nullable", True)) and name not in pk
        found = _constraints(
            {
                "enum": column.get("enum"),
                "pattern": column.get("pattern"),
                "minimum": column.get("minimum"),
                "maximum": column.get("maximum"),
                "minLength": column.get("min_length"),
                "maxLength": column.get("max_length"),
            }
        )
        found = [f for f in found if not f.endswith("None")]
        if name in pk:
            found.insert(0, "primary key")
        desc = column.get("description")
        out.append(
            FieldRow(name, str(column.get("type", "")), not nullable, nullable,
                     desc if isinstance(desc, str) else "", found)
        )  # fmt: skip


_GUARANTEE_WORDS = {
    "not_null": "never null",
    "unique": "unique",
    "accepted_values": "accepted values: {}",
    "min": "at least {}",
    "max": "at most {}",
    "min_length": "at least {} characters",
    "max_length": "at most {} characters",
    "pattern": "matches {}",
}


def _column_guarantees(spec: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for word, text in _GUARANTEE_WORDS.items():
        value = spec.get(word)
        if value is None or value is False:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value[:20])
        out.append(text.format(value) if "{}" in text else text)
    rel = spec.get("relationship")
    if isinstance(rel, dict):
        out.append(f"every value appears in {rel.get('to')}.{rel.get('field')}")
    return out


def contract_rows(version: ContractVersion) -> tuple[list[FieldRow], bool]:
    """The version's fields or columns (nested properties as dotted paths), with the
    guarantees that name them; and whether the list was cut at `FIELD_ROWS`."""
    rows: list[FieldRow] = []
    schema = version.schema_ if isinstance(version.schema_, dict) else {}
    if version.format == "table":
        _walk_table(schema, rows)
    else:
        _walk_json(schema, "", 1, rows)
    columns = (version.guarantees or {}).get("columns") or {}
    by_path = {r.path: r for r in rows}
    for name, spec in columns.items():
        if isinstance(spec, dict) and name in by_path:
            by_path[name].guarantees += _column_guarantees(spec)
    return rows, len(rows) >= FIELD_ROWS


def table_guarantees(guarantees: dict[str, Any]) -> list[str]:
    """The guarantees about the whole data set, in words."""
    out: list[str] = []
    rc = guarantees.get("row_count")
    if isinstance(rc, dict):
        bounds = [f"at least {rc['min']}" if rc.get("min") is not None else "",
                  f"at most {rc['max']}" if rc.get("max") is not None else ""]  # fmt: skip
        out.append("Row count " + " and ".join(b for b in bounds if b) + ".")
    fresh = guarantees.get("freshness")
    if isinstance(fresh, dict):
        out.append(
            f"The newest {fresh.get('column')} is at most {fresh.get('max_age_seconds')} "
            "seconds old."
        )
    for combo in guarantees.get("unique_together") or []:
        out.append("Unique together: " + ", ".join(str(c) for c in combo) + ".")
    for check in guarantees.get("custom") or []:
        if isinstance(check, dict):
            out.append(f"Custom check {check.get('name')} finds no failing rows.")
    return out
