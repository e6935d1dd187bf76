"""JSON Schema dialects: detection and the real validator for each."""

from __future__ import annotations

import enum
from typing import Any

import jsonschema
from jsonschema.protocols import Validator

from accord.compat.errors import SchemaError


class Dialect(enum.IntEnum):
    """Supported drafts, ordered by age so ``<`` means "older"."""

    DRAFT4 = 4
    DRAFT6 = 6
    DRAFT7 = 7
    DRAFT2019 = 2019
    DRAFT2020 = 2020


_MARKERS = (
    ("draft-04", Dialect.DRAFT4),
    ("draft-06", Dialect.DRAFT6),
    ("draft-07", Dialect.DRAFT7),
    ("2019-09", Dialect.DRAFT2019),
    ("2020-12", Dialect.DRAFT2020),
)

_VALIDATORS: dict[Dialect, type[Validator]] = {
    Dialect.DRAFT4: jsonschema.Draft4Validator,
    Dialect.DRAFT6: jsonschema.Draft6Validator,
    Dialect.DRAFT7: jsonschema.Draft7Validator,
    Dialect.DRAFT2019: jsonschema.Draft201909Validator,
    Dialect.DRAFT2020: jsonschema.Draft202012Validator,
}


def detect(schema: Any) -> Dialect:
    """Dialect named by ``$schema``; 2020-12 when absent (documented default)."""
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    if uri is None:
        return Dialect.DRAFT2020
    if isinstance(uri, str):
        for marker, dialect in _MARKERS:
            if marker in uri:
                return dialect
    raise SchemaError(f"unsupported $schema {uri!r}", "/$schema")


def validator(schema: Any, dialect: Dialect, assert_formats: bool) -> Validator:
    """The real validator (python-jsonschema) for a root schema."""
    cls = _VALIDATORS[dialect]
    checker = cls.FORMAT_CHECKER if assert_formats else None
    return cls(schema, format_checker=checker)
