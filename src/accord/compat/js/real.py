"""The real validator of each dialect: python-jsonschema, patterns on RE2, and the format
checks accord asserts.

Only witnesses need it, so this module (and python-jsonschema with it) is imported on the
first one (``Document.validator``), never by parsing or deciding alone: ``dialect`` detects
the draft without it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import jsonschema
import referencing.exceptions
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import specification_with

from accord.compat.errors import SchemaError
from accord.compat.js.dialect import Dialect
from accord.compat.js.validator import Lookups, extended, memoised
from accord.kit import regex

_VALIDATORS: dict[Dialect, type[Validator]] = {
    Dialect.DRAFT4: jsonschema.Draft4Validator,
    Dialect.DRAFT6: jsonschema.Draft6Validator,
    Dialect.DRAFT7: jsonschema.Draft7Validator,
    Dialect.DRAFT2019: jsonschema.Draft201909Validator,
    Dialect.DRAFT2020: jsonschema.Draft202012Validator,
}

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


def validator(
    schema: Any,
    dialect: Dialect,
    assert_formats: bool,
    resources: Mapping[str, Any] | None = None,
) -> Validator:
    """The real validator (python-jsonschema, patterns on RE2) for a root schema;
    ``resources`` are the schemas its remote ``$ref``s name, by URI (read in ``dialect``)."""
    if isinstance(schema, bool) and dialect is Dialect.DRAFT4:
        # Draft-04 has no boolean schemas, and its legacy `id` lookup fails on one;
        # `true` and `false` mean the same in every draft that has them.
        dialect = Dialect.DRAFT6
    cls = _REAL[dialect]
    checker = format_checker(dialect) if assert_formats else None
    if not resources:
        return cls(schema, format_checker=checker)
    spec = specification_with(_VALIDATORS[dialect].META_SCHEMA["$schema"])
    registry: Registry[Any] = Registry().with_resources(
        (uri, Resource.from_contents(raw, default_specification=spec))
        for uri, raw in resources.items()
    )
    return cls(schema, format_checker=checker, registry=registry)


def run(check: Validator, value: Any, memo_refs: bool, lookups: Lookups | None = None) -> bool:
    """``value`` passes ``check`` (``$ref`` memoised when ``memo_refs``, its lookups kept
    in ``lookups`` across calls for validators of one root); ``SchemaError`` when the
    validator cannot evaluate the schema."""
    try:
        with memoised(memo_refs, lookups):
            return bool(check.is_valid(value))
    except (jsonschema.exceptions.SchemaError, referencing.exceptions.Unresolvable) as exc:
        raise SchemaError(f"the validator cannot evaluate this schema: {exc}") from None
    except RecursionError:
        raise SchemaError("the validator recursed without end on this schema") from None
