"""Hashable canonical keys for JSON values, with JSON Schema's equality.

JSON Schema compares ``1`` and ``1.0`` equal but ``true`` and ``1`` different, and objects by
content. Python's ``==`` agrees on numbers and strings but not on booleans, so booleans are
tagged. Keys are cheap for scalars because 100,000-value enums must stay fast.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

_BOOL = object()
_LIST = object()
_DICT = object()


def key(value: Any) -> Hashable:
    """Return a hashable key equal for two JSON values iff JSON Schema deems them equal."""
    kind = type(value)
    if kind is str or kind is int or kind is float or value is None:
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return (_BOOL, value)
    if kind is list:
        return (_LIST, tuple(key(v) for v in value))
    if kind is dict:
        return (_DICT, frozenset((k, key(v)) for k, v in value.items()))
    raise TypeError(f"not a JSON value: {value!r}")


def json_type(value: Any) -> str:
    """JSON Schema type name of a value (``integer`` for integral numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
