"""A small, safe subset of SQL CHECK expressions, translated to JSON Schema constraints.

    expr := cond ("AND" cond)*
    cond := col op literal | col "BETWEEN" literal "AND" literal | col "IN" "(" literal, ... ")"
          | "length(" col ")" op integer | col "IS NOT NULL"
    op   := = | <> | != | < | <= | > | >=

Anything else is *opaque*: compared as text, and a new opaque check makes a verdict
``undecided`` (policies treat that as breaking). SQL CHECKs pass on NULL, so every translated
constraint also admits null, except ``IS NOT NULL``.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op><=|>=|<>|!=|=|<|>)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<sym>[(),]))"
)
_OPS = {">=": "minimum", ">": "exclusiveMinimum", "<=": "maximum", "<": "exclusiveMaximum"}
_LEN = {">=": "minLength", ">": "minLength", "<=": "maxLength", "<": "maxLength", "=": "="}

Constraints = dict[str, list[dict[str, Any]]]


def translate(expression: str) -> Constraints | None:
    """Per-column JSON Schema constraints for ``expression``, or None when opaque."""
    tokens = _tokens(expression)
    if tokens is None:
        return None
    out: Constraints = {}
    for part in _split_and(tokens):
        parsed = _cond(part)
        if parsed is None:
            return None
        column, schema = parsed
        out.setdefault(column, []).append(schema)
    return out


def normalise(expression: str) -> str:
    """Canonical text used to compare opaque checks."""
    return " ".join(expression.split()).lower()


def _tokens(text: str) -> list[tuple[str, str]] | None:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            return None
        kind = match.lastgroup or "sym"
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _split_and(tokens: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    parts: list[list[tuple[str, str]]] = [[]]
    between = False
    for kind, text in tokens:
        upper = text.upper()
        if kind == "word" and upper == "AND" and not between:
            parts.append([])
            continue
        if kind == "word" and upper == "BETWEEN":
            between = True
        elif kind == "word" and upper == "AND":
            between = False
        parts[-1].append((kind, text))
    return parts


def _literal(token: tuple[str, str]) -> Any:
    kind, text = token
    if kind == "num":
        return float(text) if "." in text else int(text)
    if kind == "str":
        return text[1:-1].replace("''", "'")
    raise ValueError(text)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [{"type": "null"}, schema]}


def _cond(part: list[tuple[str, str]]) -> tuple[str, dict[str, Any]] | None:
    words = [t.upper() for _, t in part]
    try:
        if len(part) == 6 and words[0] == "LENGTH" and part[1][1] == "(" and part[3][1] == ")":
            column, op, value = part[2][1], part[4][1], _literal(part[5])
            if not isinstance(value, int) or op not in _LEN:
                return None
            if op == "=":
                return column, _nullable({"minLength": value, "maxLength": value})
            bump = 1 if op == ">" else -1 if op == "<" else 0
            return column, _nullable({"type": "string", _LEN[op]: value + bump})
        column = part[0][1]
        if part[0][0] != "word":
            return None
        if words[1:] == ["IS", "NOT", "NULL"]:
            return column, {"not": {"type": "null"}}
        if len(part) == 3 and part[1][0] == "op":
            return _compare(column, part[1][1], _literal(part[2]))
        if len(part) == 5 and words[1] == "BETWEEN" and words[3] == "AND":
            low, high = _literal(part[2]), _literal(part[4])
            return column, _nullable({"minimum": low, "maximum": high})
        if words[1] == "IN" and part[2][1] == "(" and part[-1][1] == ")":
            values = [_literal(t) for t in part[3:-1] if t[1] != ","]
            return column, _nullable({"enum": values})
    except (ValueError, IndexError):
        return None
    return None


def _compare(column: str, op: str, value: Any) -> tuple[str, dict[str, Any]] | None:
    if op == "=":
        return column, _nullable({"const": value})
    if op in ("<>", "!="):
        return column, {"not": {"const": value}}
    if isinstance(value, str):
        return None
    return column, _nullable({_OPS[op]: value})
