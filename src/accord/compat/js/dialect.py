"""JSON Schema dialects: detection and the real validator for each."""

from __future__ import annotations

import copy
import enum
import re
from datetime import datetime
from typing import Any

import jsonschema
from jsonschema.protocols import Validator

from accord.compat.errors import SchemaError
from accord.compat.js.validator import extended
from accord.kit import regex


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


_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _date_time(value: object) -> bool:
    """RFC 3339 date-time (used when python-jsonschema lacks its optional checker)."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _ecma_regex(value: object) -> bool:
    """Format ``regex``: ECMA-262 syntax (python-jsonschema asks Python's ``re``)."""
    if not isinstance(value, str):
        return True
    try:
        regex.translate(value, "python")
    except regex.UnsupportedPattern:
        return True  # valid ECMA-262, even if no linear-time engine runs it
    except regex.InvalidPattern:
        return False
    return True


def format_checker(dialect: Dialect) -> jsonschema.FormatChecker:
    """The validator's format checker, with ``date-time`` always asserted and ``regex``
    read as ECMA-262."""
    checker = copy.deepcopy(_VALIDATORS[dialect].FORMAT_CHECKER)
    if "date-time" not in checker.checkers:
        checker.checks("date-time")(_date_time)
    checker.checks("regex")(_ecma_regex)
    return checker


_REAL: dict[Dialect, type[Validator]] = {d: extended(cls) for d, cls in _VALIDATORS.items()}


def validator(schema: Any, dialect: Dialect, assert_formats: bool) -> Validator:
    """The real validator (python-jsonschema, patterns on RE2) for a root schema."""
    cls = _REAL[dialect]
    checker = format_checker(dialect) if assert_formats else None
    return cls(schema, format_checker=checker)
