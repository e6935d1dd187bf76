"""The Accord contract file: one table schema plus its guarantees.

    {"format": "table",
     "schema": {...table schema, see docs/table-schema.md...},
     "guarantees": {...accord.spec.Guarantees...},        # optional
     "asset": "warehouse.sales.orders", "version": "1.2.0",  # optional metadata
     "owner": "sales-data", "description": "...",
     "x-...": ...}                                          # extensions, kept as they are

An ODCS v3 document (``apiVersion`` + ``kind: DataContract``) is accepted too and mapped by
`accord.checks.odcs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.checks.errors import ContractError
from accord.compat import SchemaError, TableSchema, parse_table_schema
from accord.kit import documents
from accord.spec import Guarantees, GuaranteesError, parse_guarantees
from accord.spec.parse import dotted

_META = ("asset", "version", "owner", "description")
_KEYS = frozenset({"format", "schema", "guarantees", *_META})


@dataclass(frozen=True)
class Contract:
    """A contract version as the checks see it. ``meta`` holds asset/version/owner/…"""

    schema: TableSchema
    guarantees: Guarantees
    meta: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The asset name, else the table name, else ``"contract"``."""
        return self.meta.get("asset") or self.schema.name or "contract"

    def to_document(self) -> dict[str, Any]:
        """The Accord contract file document (defaults left out)."""
        doc: dict[str, Any] = {"format": "table", "schema": self.schema.raw}
        guarantees = self.guarantees.to_json()
        if guarantees:
            doc["guarantees"] = guarantees
        doc.update({k: self.meta[k] for k in _META if k in self.meta})
        doc.update(self.extensions)
        return doc


def read_document(path: Path) -> Any:
    """Parse a JSON or YAML file; `ContractError` when it cannot be read or parsed."""
    try:
        return documents.read_document(path)
    except documents.DocumentError as exc:
        raise ContractError(str(exc)) from None


def is_odcs(doc: Any) -> bool:
    """True for an ODCS document (it names its ``kind`` and ``apiVersion``)."""
    return isinstance(doc, dict) and "apiVersion" in doc and doc.get("kind") == "DataContract"


def load_contract(path: Path, odcs_object: str | None = None) -> Contract:
    """Read an Accord contract file or an ODCS v3 file (``odcs_object`` picks its table)."""
    return parse_contract(read_document(path), odcs_object)


def parse_contract(doc: Any, odcs_object: str | None = None) -> Contract:
    """Validate a parsed contract document; `ContractError` names the failing paths."""
    if is_odcs(doc):
        from accord.checks.odcs import import_odcs

        return import_odcs(doc, odcs_object)
    if not isinstance(doc, dict):
        raise ContractError("a contract is an object with 'format' and 'schema'")
    unknown = sorted(k for k in doc if k not in _KEYS and not str(k).startswith("x-"))
    if unknown:
        raise ContractError("unknown keys", tuple(unknown))
    if doc.get("format") != "table":
        raise ContractError(
            "only table contracts can be checked: 'format' must be 'table'", ("format",)
        )
    for key in _META:
        if key in doc and not isinstance(doc[key], str):
            raise ContractError(f"'{key}' must be a string", (key,))
    return build_contract(
        doc.get("schema"),
        doc.get("guarantees") or {},
        {k: doc[k] for k in _META if k in doc},
        {k: v for k, v in doc.items() if str(k).startswith("x-")},
    )


def build_contract(
    schema_doc: Any, guarantees_doc: Any, meta: dict[str, str], extensions: dict[str, Any]
) -> Contract:
    """Parse both halves and check that every guarantee names a schema column."""
    try:
        schema = parse_table_schema(schema_doc)
    except SchemaError as exc:
        where = "schema" + (f".{exc.path.replace('/', '.')}" if exc.path else "")
        raise ContractError(exc.message, (where,)) from None
    try:
        guarantees = parse_guarantees(guarantees_doc)
    except GuaranteesError as exc:
        paths = tuple(dotted(("guarantees", *loc)) for loc, _ in exc.errors)
        raise ContractError(f"invalid guarantees: {exc.errors[0][1]}", paths) from None
    unknown = _unknown_columns(schema, guarantees)
    if unknown:
        raise ContractError("guarantees name columns the schema does not have", unknown)
    return Contract(schema, guarantees, meta, extensions)


def _unknown_columns(schema: TableSchema, guarantees: Guarantees) -> tuple[str, ...]:
    known = {c.name for c in schema.columns}
    paths = [f"guarantees.columns.{n}" for n in guarantees.columns if n not in known]
    for i, key in enumerate(guarantees.unique_together):
        paths += [f"guarantees.unique_together.{i}" for n in key if n not in known][:1]
    if guarantees.freshness and guarantees.freshness.column not in known:
        paths.append("guarantees.freshness.column")
    return tuple(paths)
