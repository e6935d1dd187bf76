"""Logical column types and their grammar.

    type   := name | name "(" int ["," int] ")" | "array<" type ">"
            | "map<" type "," type ">" | "struct<" field ("," field)* ">"
    field  := ident ":" type ["not null"]

Names: boolean, int8, int16, int32, int64, float32, float64, decimal(p,s), string,
varchar(n), char(n), date, time, timestamp(p), timestamptz(p), binary, json. Common SQL
aliases (bigint, int, smallint, tinyint, double, real, text, bool, numeric, bytes) map to them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from accord.compat.errors import SchemaError

SIMPLE = frozenset(
    {
        "boolean",
        "int8",
        "int16",
        "int32",
        "int64",
        "float32",
        "float64",
        "string",
        "date",
        "time",
        "binary",
        "json",
    }
)
ALIASES = {
    "bool": "boolean",
    "tinyint": "int8",
    "smallint": "int16",
    "int": "int32",
    "integer": "int32",
    "bigint": "int64",
    "real": "float32",
    "float": "float32",
    "double": "float64",
    "text": "string",
    "numeric": "decimal",
    "bytes": "binary",
}
INT_BITS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}
FLOAT_BITS = {"float32": 24, "float64": 53}  # significand bits: exact integers up to 2**bits
_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>\d+)|(?P<sym>[<>(),:]))")


@dataclass(frozen=True)
class LogicalType:
    """A parsed column type. ``str()`` gives its canonical spelling."""

    name: str
    params: tuple[int, ...] = ()
    element: LogicalType | None = None
    key: LogicalType | None = None
    fields: tuple[tuple[str, LogicalType, bool], ...] = ()  # (name, type, nullable)

    def __str__(self) -> str:
        if self.name == "array":
            return f"array<{self.element}>"
        if self.name == "map":
            return f"map<{self.key}, {self.element}>"
        if self.name == "struct":
            inner = ", ".join(
                f"{n}: {t}{'' if nullable else ' not null'}" for n, t, nullable in self.fields
            )
            return f"struct<{inner}>"
        if self.params:
            return f"{self.name}({', '.join(map(str, self.params))})"
        return self.name


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.text, self.path = text, path
        self.tokens: list[str] = []
        pos = 0
        while pos < len(text.rstrip()):
            match = _TOKEN.match(text, pos)
            if match is None:
                raise SchemaError(f"cannot parse type {text!r}", path)
            self.tokens.append(match.group(match.lastgroup or "sym"))
            pos = match.end()
        self.pos = 0

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if not token or (expected is not None and token.lower() != expected):
            want = expected or "more"
            raise SchemaError(f"type {self.text!r}: expected {want!r}", self.path)
        self.pos += 1
        return token

    def number(self) -> int:
        token = self.take()
        if not token.isdigit():
            raise SchemaError(f"type {self.text!r}: expected a number", self.path)
        return int(token)

    def parse(self, depth: int = 0) -> LogicalType:
        if depth > 32:
            raise SchemaError(f"type {self.text!r} nested too deeply", self.path)
        word = self.take().lower()
        word = ALIASES.get(word, word)
        if word in ("array", "map", "struct"):
            return self._nested(word, depth)
        params: list[int] = []
        if self.peek() == "(":
            self.take("(")
            params.append(self.number())
            while self.peek() == ",":
                self.take(",")
                params.append(self.number())
            self.take(")")
        return self._simple(word, tuple(params))

    def _nested(self, word: str, depth: int) -> LogicalType:
        self.take("<")
        if word == "array":
            element = self.parse(depth + 1)
            self.take(">")
            return LogicalType("array", element=element)
        if word == "map":
            key = self.parse(depth + 1)
            self.take(",")
            value = self.parse(depth + 1)
            self.take(">")
            return LogicalType("map", element=value, key=key)
        fields: list[tuple[str, LogicalType, bool]] = []
        while True:
            name = self.take()
            self.take(":")
            kind = self.parse(depth + 1)
            nullable = True
            if self.peek().lower() == "not":
                self.take("not")
                self.take("null")
                nullable = False
            if name in {f[0] for f in fields}:
                raise SchemaError(f"type {self.text!r}: duplicate field {name!r}", self.path)
            fields.append((name, kind, nullable))
            if self.peek() != ",":
                break
            self.take(",")
        self.take(">")
        return LogicalType("struct", fields=tuple(fields))

    def _simple(self, word: str, params: tuple[int, ...]) -> LogicalType:
        arity = {
            "decimal": (2, 2),
            "varchar": (0, 1),
            "char": (0, 1),
            "timestamp": (0, 1),
            "timestamptz": (0, 1),
        }.get(word)
        if arity is None:
            if word not in SIMPLE:
                raise SchemaError(f"unknown type {word!r}", self.path)
            if params:
                raise SchemaError(f"type {word!r} takes no parameters", self.path)
            return LogicalType(word)
        if not arity[0] <= len(params) <= arity[1]:
            raise SchemaError(f"type {word!r} takes {arity[1]} parameter(s)", self.path)
        if word == "varchar" and not params:
            return LogicalType("string")
        if word == "char" and not params:
            params = (1,)
        if word.startswith("timestamp"):
            params = params or (6,)
            if params[0] > 9:
                raise SchemaError("timestamp precision is at most 9", self.path)
        if word == "decimal" and not (1 <= params[0] <= 76 and params[1] <= params[0]):
            raise SchemaError("decimal(p,s) needs 1 <= p <= 76 and s <= p", self.path)
        if word in ("varchar", "char") and params[0] < 1:
            raise SchemaError(f"{word} length must be at least 1", self.path)
        return LogicalType(word, params)


def parse_type(text: str, path: str = "") -> LogicalType:
    """Parse a type expression such as ``decimal(10,2)`` or ``array<struct<a: int32>>``."""
    if not isinstance(text, str) or not text.strip():
        raise SchemaError("a column type must be a non-empty string", path)
    try:
        return _parsed(text)
    except SchemaError as exc:
        raise SchemaError(exc.message, path) from None


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> LogicalType:
    """A table repeats a handful of type spellings over all its columns, and a publish
    parses the table again: each spelling is parsed once per process (a `LogicalType`
    is immutable; errors are not kept)."""
    parser = _Parser(text, "")
    result = parser.parse()
    if parser.peek():
        raise SchemaError(f"type {text!r}: unexpected {parser.peek()!r}")
    return result
