"""One contract file for `publish`, `check`, `impact` and `validate`.

A contract file is a JSON or YAML object, either

- a bare schema: a JSON Schema, or a table schema (a top-level ``columns`` list); its
  guarantees are then not given (a publish carries the previous version's forward). A
  table schema may hold ``format``, ``guarantees`` and ``references`` beside ``columns``
  (they are not table-schema keys, so this is unambiguous; in a JSON Schema ``format`` is
  a keyword, so there only the envelope says them); or
- an envelope: ``schema`` (the schema) with, optionally, ``format`` (``jsonschema`` or
  ``table``; detected from the schema when absent), ``guarantees`` (an object; ``{}``
  removes every guarantee), ``references`` (the registered schemas its remote ``$ref``s
  name: a list of ``{name, asset, version[, environment]}``), the descriptive strings
  ``asset``, ``version``, ``owner``, ``description``, and ``x-`` extensions.

Standard library only (`accord validate` starts lean, ADR 0022).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from accord.spec.formats import SchemaFormatName, detect_format

META_KEYS = ("asset", "version", "owner", "description")
ENVELOPE_KEYS = ("schema", "format", "guarantees", "references", *META_KEYS)
_SCHEMA_MARKERS = ("$schema", "type", "properties", "columns", "$ref", "allOf", "anyOf", "oneOf")
FORMATS: tuple[SchemaFormatName, ...] = ("jsonschema", "table")
_INLINE = ("format", "guarantees", "references")  # beside a table schema's columns


class ContractFileError(ValueError):
    """The file is not a contract file; the message says what to change."""


@dataclass(frozen=True)
class ContractFile:
    schema: dict[str, Any]
    format: SchemaFormatName
    guarantees: dict[str, Any] | None = None  # None: not given (carried forward)
    references: list[dict[str, Any]] = field(default_factory=list)
    format_given: bool = False
    meta: dict[str, str] = field(default_factory=dict)  # asset, version, owner, description
    extensions: dict[str, Any] = field(default_factory=dict)  # x-...


def is_envelope(document: Mapping[str, Any]) -> bool:
    """An envelope holds its schema under ``schema`` and no schema keyword at its root."""
    return isinstance(document.get("schema"), dict) and not any(
        k in document for k in _SCHEMA_MARKERS
    )


def parse_contract_file(document: Any, where: str = "contract file") -> ContractFile:
    """The schema, format, guarantees and references ``document`` gives."""
    if not isinstance(document, dict):
        raise ContractFileError(f"{where} must hold an object, not {type(document).__name__}")
    if not is_envelope(document):
        if detect_format(document) == "table" and any(k in document for k in _INLINE):
            inline = {k: v for k, v in document.items() if k in _INLINE}
            table = {k: v for k, v in document.items() if k not in _INLINE}
            return parse_contract_file({"schema": table, **inline}, where)
        return ContractFile(schema=document, format=detect_format(document))
    unknown = sorted(
        str(k) for k in document if k not in ENVELOPE_KEYS and not str(k).startswith("x-")
    )
    if unknown:
        raise ContractFileError(
            f"{where}: unknown top-level key(s) {', '.join(map(repr, unknown))} "
            f"(a contract file has {', '.join(ENVELOPE_KEYS)} and x- extensions)"
        )
    for key in META_KEYS:
        if key in document and not isinstance(document[key], str):
            raise ContractFileError(f"{where}: {key} must be a string")
    schema: dict[str, Any] = document["schema"]
    given = document.get("format")
    if given is not None and given not in FORMATS:
        raise ContractFileError(f"{where}: format must be one of {', '.join(FORMATS)}")
    guarantees = document.get("guarantees")
    if "guarantees" in document and not isinstance(guarantees, dict):
        raise ContractFileError(f"{where}: guarantees must be an object ({{}} removes them)")
    references = document.get("references", [])
    if not isinstance(references, list) or not all(isinstance(r, dict) for r in references):
        raise ContractFileError(f"{where}: references must be a list of objects")
    return ContractFile(
        schema=schema,
        format=given if given is not None else detect_format(schema),
        guarantees=guarantees,
        references=references,
        format_given=given is not None,
        meta={k: document[k] for k in META_KEYS if k in document},
        extensions={k: v for k, v in document.items() if str(k).startswith("x-")},
    )
