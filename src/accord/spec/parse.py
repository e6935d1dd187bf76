"""The one validator of guarantee documents (JSON values) into `accord.spec` objects.

Strict about JSON types: a string is never a number or a boolean, a boolean never a number;
an integer field takes ``3.0`` as ``3`` (JSON does not tell the two apart). Unknown keys are
errors. Every problem is reported, each with its path, before anything is built.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from accord.kit.regex import InvalidPattern, UnsupportedPattern, compile_ecma, translate
from accord.spec.guarantees import (
    ColumnGuarantees,
    CustomCheck,
    Freshness,
    Guarantees,
    Relationship,
    RowCount,
    Scalar,
    Severity,
)

Loc = tuple[str | int, ...]
T = TypeVar("T")

NAME_MAX = 255
ACCEPTED_VALUES_MAX = 10_000
PATTERN_MAX = 1_000
CUSTOM_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
CUSTOM_NAME_MAX = 100
SQL_MAX = 10_000


class GuaranteesError(ValueError):
    """Invalid guarantees. ``errors`` holds ``(path, message)`` pairs, in field order; a
    path is a tuple of keys and list indexes from the document's root."""

    def __init__(self, errors: list[tuple[Loc, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{dotted(loc) or '(root)'}: {msg}" for loc, msg in errors))


def dotted(loc: Loc) -> str:
    """``("columns", "a", "min")`` as ``columns.a.min``."""
    return ".".join(str(part) for part in loc)


def parse_guarantees(doc: Any) -> Guarantees:
    """Validate a guarantees document; `GuaranteesError` lists every problem."""
    return _parsed(doc, _guarantees)


def parse_column_guarantees(doc: Any) -> ColumnGuarantees:
    """Validate one column's guarantees."""
    return _parsed(doc, _column)


def parse_freshness(doc: Any) -> Freshness:
    """Validate a freshness guarantee."""
    return _parsed(doc, _freshness)


def _parsed(doc: Any, build: Callable[[_Reader, Any, Loc], T | None]) -> T:
    reader = _Reader()
    built = build(reader, doc, ())
    if reader.errors or built is None:
        raise GuaranteesError(reader.errors or [((), "invalid")])
    return built


class _Reader:
    """Reads fields off JSON objects, collecting errors instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[tuple[Loc, str]] = []

    def fail(self, loc: Loc, message: str) -> None:
        self.errors.append((loc, message))

    def obj(
        self, value: Any, loc: Loc, keys: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(loc, "must be an object")
            return None
        for key in value:
            if key not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.fail((*loc, str(key)), f"unknown key{hint}")
        for key in required:
            if key not in value:
                self.fail((*loc, key), "is required")
        return value

    def boolean(self, doc: dict[str, Any], key: str, loc: Loc) -> bool:
        value = doc.get(key, False)
        if not isinstance(value, bool):
            self.fail((*loc, key), "must be true or false")
            return False
        return value

    def integer(
        self, doc: dict[str, Any], key: str, loc: Loc, *, least: int = 0, required: bool = False
    ) -> int | None:
        value = doc.get(key)
        if value is None:
            if required and key in doc:  # absent: the object check reported it
                self.fail((*loc, key), "must be an integer")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail((*loc, key), "must be an integer")
            return None
        if value < least:
            self.fail((*loc, key), f"must be at least {least}")
            return None
        return value

    def number(self, doc: dict[str, Any], key: str, loc: Loc) -> int | float | None:
        value = doc.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail((*loc, key), "must be a number")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.fail((*loc, key), "must be a finite number")
            return None
        return value

    def text(self, value: Any, loc: Loc, longest: int) -> str | None:
        if not isinstance(value, str):
            self.fail(loc, "must be a string")
            return None
        if not 1 <= len(value) <= longest:
            self.fail(loc, f"must be 1 to {longest} characters long")
            return None
        return value

    def severity(self, doc: dict[str, Any], loc: Loc) -> Severity:
        value = doc.get("severity", "error")
        if value == "error" or value == "warn":
            return value  # type: ignore[no-any-return]
        self.fail((*loc, "severity"), "must be 'error' or 'warn'")
        return "error"

    def ordered(self, low: float | None, high: float | None, loc: Loc, what: str) -> None:
        if low is not None and high is not None and low > high:
            self.fail(loc, f"min{what} is greater than max{what}")


_COLUMN_KEYS = (
    "not_null", "unique", "accepted_values", "min", "max", "min_length", "max_length",
    "pattern", "relationship", "severity",
)  # fmt: skip


def _column(r: _Reader, value: Any, loc: Loc) -> ColumnGuarantees | None:
    # Built even when a field failed (with that field at its default): the caller raises
    # once every error is known, and never hands such an object out.
    doc = r.obj(value, loc, _COLUMN_KEYS)
    if doc is None:
        return None
    low, high = r.number(doc, "min", loc), r.number(doc, "max", loc)
    shortest, longest = r.integer(doc, "min_length", loc), r.integer(doc, "max_length", loc)
    built = ColumnGuarantees(
        not_null=r.boolean(doc, "not_null", loc),
        unique=r.boolean(doc, "unique", loc),
        accepted_values=_scalars(r, doc.get("accepted_values"), (*loc, "accepted_values")),
        min=low,
        max=high,
        min_length=shortest,
        max_length=longest,
        pattern=_pattern(r, doc.get("pattern"), (*loc, "pattern")),
        relationship=_relationship(r, doc.get("relationship"), (*loc, "relationship")),
        severity=r.severity(doc, loc),
    )
    r.ordered(low, high, loc, "")
    r.ordered(shortest, longest, loc, "_length")
    return built


def _scalars(r: _Reader, value: Any, loc: Loc) -> list[Scalar] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        r.fail(loc, "must be a list")
        return None
    if len(value) > ACCEPTED_VALUES_MAX:
        r.fail(loc, f"must hold at most {ACCEPTED_VALUES_MAX} values")
        return None
    for i, item in enumerate(value):
        if not isinstance(item, str | int | float) or item != item:
            r.fail((*loc, i), "must be a string, number or boolean")
    return list(value)


def _pattern(r: _Reader, value: Any, loc: Loc) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > PATTERN_MAX:
        r.fail(loc, f"must be a string of at most {PATTERN_MAX} characters")
        return None
    try:  # an ECMA-262 pattern both engines run: RE2 (DuckDB) and PostgreSQL
        compile_ecma(value)
        translate(value, "postgres")
    except UnsupportedPattern as exc:
        r.fail(loc, str(exc))
        return None
    except InvalidPattern as exc:
        r.fail(loc, f"pattern does not compile: {exc.reason}")
        return None
    return value


def _relationship(r: _Reader, value: Any, loc: Loc) -> Relationship | None:
    if value is None:
        return None
    doc = r.obj(value, loc, ("to", "field"), ("to", "field"))
    if doc is None or "to" not in doc or "field" not in doc:
        return None
    to = r.text(doc["to"], (*loc, "to"), NAME_MAX)
    column = r.text(doc["field"], (*loc, "field"), NAME_MAX)
    return Relationship(to, column) if to is not None and column is not None else None


def _row_count(r: _Reader, value: Any, loc: Loc) -> RowCount | None:
    if value is None:
        return None
    doc = r.obj(value, loc, ("min", "max", "severity"))
    if doc is None:
        return None
    low, high = r.integer(doc, "min", loc), r.integer(doc, "max", loc)
    r.ordered(low, high, loc, "")
    return RowCount(low, high, r.severity(doc, loc))


def _freshness(r: _Reader, value: Any, loc: Loc) -> Freshness | None:
    if value is None:
        return None
    keys = ("column", "max_age_seconds", "severity")
    doc = r.obj(value, loc, keys, ("column", "max_age_seconds"))
    if doc is None:
        return None
    column = r.text(doc["column"], (*loc, "column"), NAME_MAX) if "column" in doc else None
    age = r.integer(doc, "max_age_seconds", loc, least=1, required=True)
    severity = r.severity(doc, loc)
    return Freshness(column, age, severity) if column is not None and age is not None else None


def _custom(r: _Reader, value: Any, loc: Loc) -> CustomCheck | None:
    doc = r.obj(value, loc, ("name", "sql", "severity"), ("name", "sql"))
    if doc is None:
        return None
    name = r.text(doc["name"], (*loc, "name"), CUSTOM_NAME_MAX) if "name" in doc else None
    if name is not None and not CUSTOM_NAME.fullmatch(name):
        r.fail((*loc, "name"), "may hold only letters, digits, '_', '.' and '-'")
        name = None
    sql = r.text(doc["sql"], (*loc, "sql"), SQL_MAX) if "sql" in doc else None
    severity = r.severity(doc, loc)
    return CustomCheck(name, sql, severity) if name is not None and sql is not None else None


def _listed(
    r: _Reader, value: Any, loc: Loc, item: Callable[[_Reader, Any, Loc], T | None]
) -> list[T]:
    if value is None:
        return []
    if not isinstance(value, list):
        r.fail(loc, "must be a list")
        return []
    found = [item(r, v, (*loc, i)) for i, v in enumerate(value)]
    return [v for v in found if v is not None]


def _key(r: _Reader, value: Any, loc: Loc) -> list[str] | None:
    if not isinstance(value, list) or len(value) < 2:
        r.fail(loc, "must be a list of at least two column names")
        return None
    names = [r.text(v, (*loc, i), NAME_MAX) for i, v in enumerate(value)]
    return [n for n in names if n is not None] if None not in names else None


def _columns(r: _Reader, value: Any, loc: Loc) -> dict[str, ColumnGuarantees]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        r.fail(loc, "must be an object")
        return {}
    columns: dict[str, ColumnGuarantees] = {}
    for name, column in value.items():
        where = (*loc, str(name))
        if r.text(name, where, NAME_MAX) is not None:
            parsed = _column(r, column, where)
            if parsed is not None:
                columns[name] = parsed
    return columns


def _guarantees(r: _Reader, value: Any, loc: Loc) -> Guarantees | None:
    keys = ("columns", "unique_together", "row_count", "freshness", "custom")
    doc = r.obj(value, loc, keys)
    if doc is None:
        return None
    built = Guarantees(
        columns=_columns(r, doc.get("columns"), (*loc, "columns")),
        unique_together=_listed(r, doc.get("unique_together"), (*loc, "unique_together"), _key),
        row_count=_row_count(r, doc.get("row_count"), (*loc, "row_count")),
        freshness=_freshness(r, doc.get("freshness"), (*loc, "freshness")),
        custom=_listed(r, doc.get("custom"), (*loc, "custom"), _custom),
    )
    names = [c.name for c in built.custom]
    if len(names) != len(set(names)):
        r.fail((*loc, "custom"), "custom check names must be unique")
    return built
