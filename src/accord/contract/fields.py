"""The field names a schema declares, for checking names people type (pure).

Registrations list the fields a consumer reads and guarantees name the columns they
constrain; a name the schema does not declare is a typo that would silently exempt the
consumer from every change (issue 14). Names are dotted paths, spelled as
`contract.impact.field_of_path` spells change paths: JSON Schema property names joined by
dots through any nesting (`properties`, `items`, combinators, local `$ref`s); table columns
and their `struct` fields.

A name under a declared field whose own structure is not declared (an object without
`properties`, a `json` column) is accepted: the schema says nothing against it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from accord.compat import LogicalType, SchemaError, parse_table_schema

# Keywords whose values hold subschemas of the same instance or of its items; property
# names come only from `properties` (and `dependentSchemas` members are whole-object).
_SUBSCHEMA_KEYS = ("items", "additionalItems", "contains", "not", "if", "then", "else")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAX_NODES = 20_000  # a schema is bounded by the body size; this bounds $ref fan-out too


@dataclass(frozen=True)
class FieldCatalog:
    """Declared dotted names, and those whose inside is not described (`opaque`)."""

    names: frozenset[str]
    opaque: frozenset[str]

    def knows(self, name: str) -> bool:
        if name in self.names:
            return True
        parts = name.split(".")
        return any(".".join(parts[:i]) in self.opaque for i in range(1, len(parts)))

    def unknown(self, names: Iterable[str]) -> list[str]:
        return [n for n in dict.fromkeys(names) if not self.knows(n)]

    def suggest(self, name: str) -> str | None:
        close = difflib.get_close_matches(name, sorted(self.names), n=1, cutoff=0.75)
        return close[0] if close else None

    def describe_unknown(self, names: list[str]) -> tuple[str, list[dict[str, str | None]]]:
        """A one-line listing with "did you mean" hints, and the same as data."""
        found = [{"name": n, "did_you_mean": self.suggest(n)} for n in names]
        text = ", ".join(
            f"{f['name']} (did you mean {f['did_you_mean']}?)"
            if f["did_you_mean"]
            else str(f["name"])
            for f in found
        )
        return text, found


def catalog(fmt: str, schema: Any) -> FieldCatalog | None:
    """The names ``schema`` declares, or None when it cannot be read (the engine reports that)."""
    try:
        if fmt == "table":
            return _table(schema)
        return _JsonWalk(schema).run()
    except (SchemaError, RecursionError, TypeError, ValueError):
        return None


def _table(schema: Any) -> FieldCatalog:
    names: set[str] = set()
    opaque: set[str] = set()
    for column in parse_table_schema(schema).columns:
        _type_names(column.name, column.type, names, opaque)
    return FieldCatalog(frozenset(names), frozenset(opaque))


def _type_names(prefix: str, kind: LogicalType, names: set[str], opaque: set[str]) -> None:
    names.add(prefix)
    # Struct fields by name; through arrays and maps to their elements' fields.
    while kind.element is not None:
        kind = kind.element
    if kind.name == "json":
        opaque.add(prefix)
    for name, inner, _ in kind.fields:
        _type_names(f"{prefix}.{name}", inner, names, opaque)


class _JsonWalk:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.names: set[str] = set()
        self.opaque: set[str] = set()
        self.seen: set[tuple[int, str]] = set()
        self.steps = 0

    def run(self) -> FieldCatalog:
        self.walk(self.root, "")
        return FieldCatalog(frozenset(self.names), frozenset(self.opaque))

    def walk(self, node: Any, prefix: str) -> None:
        if not isinstance(node, dict) or (id(node), prefix) in self.seen:
            return
        self.seen.add((id(node), prefix))
        self.steps += 1
        if self.steps > _MAX_NODES:
            raise ValueError("schema too large to list its fields")
        props = node.get("properties")
        if isinstance(props, dict):
            for name, sub in props.items():
                path = f"{prefix}.{name}" if prefix else name
                self.names.add(path)
                if _describes_nothing(sub):
                    self.opaque.add(path)
                self.walk(sub, path)
        for sub in self._children(node):
            self.walk(sub, prefix)

    def _children(self, node: dict[str, Any]) -> Iterator[Any]:
        for key in _SUBSCHEMA_KEYS:
            yield node.get(key)
        for key in _SUBSCHEMA_LISTS:
            items = node.get(key)
            if isinstance(items, list):
                yield from items
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            yield self._resolve(ref)

    def _resolve(self, ref: str) -> Any:
        target: Any = self.root
        for raw in ref[1:].split("/")[1:] if ref.startswith("#/") else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict):
                target = target.get(part)
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return None
        return target


_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
     "writeOnly", "type", "additionalProperties", "unevaluatedProperties", "$id", "$anchor"}
)  # fmt: skip


def _describes_nothing(sub: Any) -> bool:
    """True for `{}`/`true` or an object whose properties are not described: names under
    it are not the schema's to refuse."""
    if sub is True or sub == {}:
        return True
    if not isinstance(sub, dict) or not set(sub) <= _ANNOTATIONS:
        return False
    if sub.get("additionalProperties") is False or sub.get("unevaluatedProperties") is False:
        return False
    kind = sub.get("type")
    return kind in (None, "object") or (isinstance(kind, list) and "object" in kind)
