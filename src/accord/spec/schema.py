"""The guarantee document as JSON Schema (draft 2020-12), for the OpenAPI document and for
tools that check contracts before they reach Accord.

It states the structure and bounds `accord.spec.parse` enforces; three rules JSON Schema
cannot state are the parser's alone: ``min`` ≤ ``max`` (and the same for lengths and row
counts), a ``pattern`` must compile, and custom check names are unique.
"""

from __future__ import annotations

from typing import Any

from accord.spec.parse import (
    ACCEPTED_VALUES_MAX,
    CUSTOM_NAME,
    CUSTOM_NAME_MAX,
    NAME_MAX,
    PATTERN_MAX,
    SQL_MAX,
)

_NAME = {"type": "string", "minLength": 1, "maxLength": NAME_MAX}
_SEVERITY = {"enum": ["error", "warn"], "default": "error"}
_NUMBER = {"type": ["number", "null"]}
_COUNT = {"type": ["integer", "null"], "minimum": 0}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


RELATIONSHIP = _object({"to": _NAME, "field": _NAME}, ("to", "field"))
COLUMN = _object(
    {
        "not_null": {"type": "boolean", "default": False},
        "unique": {"type": "boolean", "default": False},
        "accepted_values": {
            "type": ["array", "null"],
            "items": {"type": ["string", "number", "boolean"]},
            "maxItems": ACCEPTED_VALUES_MAX,
        },
        "min": _NUMBER,
        "max": _NUMBER,
        "min_length": _COUNT,
        "max_length": _COUNT,
        "pattern": {"type": ["string", "null"], "maxLength": PATTERN_MAX},
        "relationship": {"anyOf": [RELATIONSHIP, {"type": "null"}]},
        "severity": _SEVERITY,
    }
)
ROW_COUNT = _object({"min": _COUNT, "max": _COUNT, "severity": _SEVERITY})
FRESHNESS = _object(
    {
        "column": _NAME,
        "max_age_seconds": {"type": "integer", "minimum": 1},
        "severity": _SEVERITY,
    },
    ("column", "max_age_seconds"),
)
CUSTOM = _object(
    {
        "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": CUSTOM_NAME_MAX,
            "pattern": CUSTOM_NAME.pattern,
        },
        "sql": {"type": "string", "minLength": 1, "maxLength": SQL_MAX},
        "severity": _SEVERITY,
    },
    ("name", "sql"),
)
GUARANTEES: dict[str, Any] = {
    "title": "Guarantees",
    "description": "What a contract version promises about the data beyond its schema "
    "(docs/checks.md). Also: min <= max, min_length <= max_length, patterns compile, "
    "custom check names are unique.",
    **_object(
        {
            "columns": {
                "type": ["object", "null"],
                "propertyNames": _NAME,
                "additionalProperties": COLUMN,
            },
            "unique_together": {
                "type": ["array", "null"],
                "items": {"type": "array", "items": _NAME, "minItems": 2},
            },
            "row_count": {"anyOf": [ROW_COUNT, {"type": "null"}]},
            "freshness": {"anyOf": [FRESHNESS, {"type": "null"}]},
            "custom": {"type": ["array", "null"], "items": CUSTOM},
        }
    ),
}
