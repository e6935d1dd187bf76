"""SQL text building shared by the engines: quoting, literals, dialect differences.

Every identifier and literal that reaches an engine goes through `quote_ident` / `literal`:
column names and accepted values come from contracts, which are user input.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from accord.checks.patterns import Glob, Separated, lower
from accord.kit.regex import translate

Engine = Literal["duckdb", "postgres"]
Scalar = str | int | float | bool

_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier (same rules on DuckDB and PostgreSQL)."""
    if "\x00" in name:
        raise ValueError("identifier contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


_WIDEST_INT = 2**127  # DuckDB's HUGEINT


def literal(value: Scalar) -> str:
    """A SQL literal for a contract value: standard-conforming strings, finite numbers."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        if abs(value) < _WIDEST_INT:
            return str(value)
        # past every engine's integers (DuckDB refuses the literal): as a double, which
        # orders it exactly against any value a column holds but one within 1e-16 of it
        try:
            return repr(float(value))
        except OverflowError:  # past a double too: an infinity orders it exactly
            return "CAST('Infinity' AS FLOAT8)" if value > 0 else "CAST('-Infinity' AS FLOAT8)"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite number {value!r}")
        return repr(value)
    if "\x00" in value:
        raise ValueError("string literal contains a NUL character")
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Dialect:
    """The few spellings that differ between DuckDB and PostgreSQL."""

    engine: Engine

    def matches(self, text_expr: str, pattern: str) -> str:
        """Unanchored search of an ECMA-262 ``pattern`` (JSON Schema ``pattern`` semantics),
        spelled for the engine: RE2 syntax for DuckDB's ``regexp_matches``, ARE for
        PostgreSQL's ``~`` (`accord.kit.regex`). On DuckDB, common shapes are spelled without
        the regex engine (`patterns.lower`). Raises ``InvalidPattern`` (a ``ValueError``) for
        a pattern the engine cannot run; guarantees and table schemas refuse those."""
        if self.engine == "postgres":
            return f"({text_expr} ~ {literal(translate(pattern, 'postgres'))})"
        pattern = translate(pattern, "re2")
        lowered = lower(pattern)
        if isinstance(lowered, Glob):
            return f"({text_expr} GLOB {literal(lowered.pattern)})"
        if isinstance(lowered, Separated):
            escape = " ESCAPE '\\'" if lowered.escape else ""
            return (
                f"({text_expr} LIKE {literal(lowered.layout)}{escape} "
                f"AND NOT {text_expr} LIKE {literal(lowered.too_many)}{escape})"
            )
        return f"regexp_matches({text_expr}, {literal(pattern)})"

    def length_outside(self, text_expr: str, op: str, bound: int) -> str:
        """``length(text) < bound`` (op ``<``) or ``> bound`` (op ``>``), in characters.

        On DuckDB the byte length (stored with the string) settles most rows first: a
        character takes one to four bytes, so only a byte length between the bound and four
        times it needs the characters counted."""
        counted = f"length({text_expr}) {op} {bound}"
        if self.engine != "duckdb":
            return counted
        size = f"strlen({text_expr})"
        if op == ">":
            return f"CASE WHEN {size} > {bound} THEN {counted} ELSE false END"
        return (
            f"CASE WHEN {size} < {bound} THEN true WHEN {size} >= {4 * bound} THEN false "
            f"ELSE {counted} END"
        )

    def as_text(self, expr: str) -> str:
        """``expr`` as text, for length and pattern checks on non-string columns."""
        return f"CAST({expr} AS VARCHAR)"

    def epoch(self, expr: str) -> str:
        """Seconds since 1970 (naive timestamps and dates read as UTC). Freshness is
        computed from this number: DuckDB cannot hand TIMESTAMPTZ values to Python without
        pytz."""
        if self.engine == "duckdb":
            return f"epoch({expr})"
        return f"extract(epoch FROM {expr})"

    def key(self, exprs: list[str]) -> str:
        """One comparable value for a (possibly composite) key."""
        return exprs[0] if len(exprs) == 1 else f"({', '.join(exprs)})"


def is_single_select(sql: str) -> bool:
    """A cheap first gate for custom SQL: it starts with SELECT or WITH.

    It is not the security boundary: PostgreSQL runs custom SQL as a prepared statement (one
    statement only) in a READ ONLY transaction, and DuckDB classifies the parsed statements.
    """
    text = _COMMENT.sub(" ", sql).strip()
    if not text:
        return False
    first = text.split(None, 1)[0].lower()
    return first in {"select", "with"}
