"""The table schema document: parsing and validation (see ``docs/table-schema.md``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accord.compat.errors import SchemaError
from accord.compat.table.types import LogicalType, parse_type

_TABLE_KEYS = frozenset(
    {
        "name",
        "columns",
        "primary_key",
        "unique",
        "foreign_keys",
        "checks",
        "description",
        "tags",
        "owner",
        "partitioning",
        "clustering",
        "storage",
        "$schema",
    }
)
_COLUMN_KEYS = frozenset(
    {
        "name",
        "type",
        "nullable",
        "default",
        "enum",
        "description",
        "tags",
        "checks",
        "minimum",
        "maximum",
        "min_length",
        "max_length",
        "pattern",
    }
)
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Column:
    """One column. ``has_default`` distinguishes "no default" from ``default: null``."""

    name: str
    type: LogicalType
    nullable: bool = True
    has_default: bool = False
    default: Any = None
    enum: tuple[Any, ...] | None = None
    description: str = ""
    tags: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    minimum: float | int | None = None
    maximum: float | int | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class TableSchema:
    """A parsed table schema. ``raw`` keeps the source document."""

    columns: tuple[Column, ...]
    name: str | None = None
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    foreign_keys: tuple[Any, ...] = ()
    checks: tuple[str, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def column(self, name: str) -> Column | None:
        """The column called ``name``, if any."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def keys(self) -> tuple[tuple[str, ...], ...]:
        """Every uniqueness constraint: the primary key first, then ``unique`` sets."""
        return ((self.primary_key,) if self.primary_key else ()) + self.unique


def parse_table_schema(doc: Any) -> TableSchema:
    """Validate and parse a table schema document; raises ``SchemaError`` with a path."""
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list):
        raise SchemaError("a table schema is an object with a 'columns' list")
    _known(doc, _TABLE_KEYS, "")
    if not doc["columns"]:
        raise SchemaError("a table needs at least one column", "columns")
    columns = tuple(_COLUMNS.parse(c, i) for i, c in enumerate(doc["columns"]))
    names = [c.name for c in columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SchemaError(f"duplicate column {dupes[0]!r}", "columns")
    pk = _names(doc.get("primary_key", []), set(names), "primary_key")
    unique = tuple(_names(u, set(names), f"unique/{i}") for i, u in enumerate(_list(doc, "unique")))
    if pk:
        columns = tuple(
            Column(**{**c.__dict__, "nullable": False}) if c.name in pk else c for c in columns
        )
    return TableSchema(
        columns=columns,
        name=_opt_str(doc, "name", ""),
        primary_key=pk,
        unique=unique,
        foreign_keys=tuple(_list(doc, "foreign_keys")),
        checks=tuple(_strs(doc.get("checks", []), "checks")),
        description=_opt_str(doc, "description", "") or "",
        tags=tuple(_strs(doc.get("tags", []), "tags")),
        raw=doc,
    )


class ColumnCache:
    """Columns parsed before, by their source's ``repr``: consecutive versions of a table
    share most columns, and each version is parsed by the API process (field names) and by
    an engine process (issue 21). ``repr`` tells JSON values apart where ``==`` does not
    (``True`` / ``1`` / ``1.0``), so equal keys are equal sources. Only columns that parse
    are kept (an error names its column's position), and only those whose default and
    enum values are scalars: a kept column shares them with every later parse, and a
    caller may change its own document's objects; at ``size`` entries it starts over.
    Equal columns of consecutive versions are then the same object, which the change
    report skips at once (`diff.table_changes`)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[str, Column] = {}

    def parse(self, raw: Any, index: int) -> Column:
        if not isinstance(raw, dict):
            return _column(raw, index)
        key = repr(raw)
        found = self._kept.get(key)
        if found is None:
            found = _column(raw, index)
            if not _scalars(found):
                return found
            if len(self._kept) >= self.size:
                self._kept.clear()
            self._kept[key] = found
        return found


def _scalars(column: Column) -> bool:
    return all(type(v) in _SCALAR_TYPES for v in (column.default, *(column.enum or ())))


_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


_COLUMNS = ColumnCache(8192)


def _column(raw: Any, index: int) -> Column:
    path = f"columns/{index}"
    if not isinstance(raw, dict):
        raise SchemaError("a column is an object", path)
    _known(raw, _COLUMN_KEYS, path)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SchemaError("a column needs a non-empty 'name'", path)
    path = name
    nullable = raw.get("nullable", True)
    if not isinstance(nullable, bool):
        raise SchemaError("'nullable' must be true or false", path)
    enum = raw.get("enum")
    if enum is not None and (not isinstance(enum, list) or not enum):
        raise SchemaError("'enum' must be a non-empty list", path)
    return Column(
        name=name,
        type=parse_type(raw.get("type", ""), path),
        nullable=nullable,
        has_default="default" in raw,
        default=raw.get("default"),
        enum=tuple(enum) if enum is not None else None,
        description=_opt_str(raw, "description", path) or "",
        tags=tuple(_strs(raw.get("tags", []), path)),
        checks=tuple(_strs(raw.get("checks", []), path)),
        minimum=_num(raw, "minimum", path),
        maximum=_num(raw, "maximum", path),
        min_length=_count(raw, "min_length", path),
        max_length=_count(raw, "max_length", path),
        pattern=_pattern(raw, path),
    )


def _known(raw: dict[str, Any], allowed: frozenset[str], path: str) -> None:
    for word in raw:
        if word not in allowed and not word.startswith("x-"):
            raise SchemaError(f"unknown key {word!r}", path)


def _list(doc: dict[str, Any], word: str) -> list[Any]:
    value = doc.get(word, [])
    if not isinstance(value, list):
        raise SchemaError(f"{word!r} must be a list", word)
    return value


def _names(value: Any, known: set[str], path: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError("must be a list of column names", path)
    for name in value:
        if name not in known:
            raise SchemaError(f"unknown column {name!r}", path)
    return tuple(value)


def _strs(value: Any, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError("must be a list of strings", path)
    return value


def _opt_str(raw: dict[str, Any], word: str, path: str) -> str | None:
    value = raw.get(word)
    if value is not None and not isinstance(value, str):
        raise SchemaError(f"{word!r} must be a string", path)
    return value


def _num(raw: dict[str, Any], word: str, path: str) -> int | float | None:
    value = raw.get(word)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise SchemaError(f"{word!r} must be a number", path)
    return value


def _count(raw: dict[str, Any], word: str, path: str) -> int | None:
    value = raw.get(word)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise SchemaError(f"{word!r} must be a non-negative integer", path)
    return value


def _pattern(raw: dict[str, Any], path: str) -> str | None:
    """An ECMA-262 pattern RE2 and PostgreSQL can run: a column's pattern is also a data
    check, which DuckDB or PostgreSQL evaluates (a JSON Schema may keep an unrunnable one)."""
    from accord.kit.regex import InvalidPattern, compile_ecma, translate

    value = _opt_str(raw, "pattern", path)
    if value is not None:
        try:
            compile_ecma(value)
            translate(value, "postgres")
        except InvalidPattern as exc:
            raise SchemaError(f"invalid pattern: {exc}", path) from None
    return value
