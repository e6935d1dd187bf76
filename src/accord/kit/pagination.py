"""Opaque keyset cursors: stable under concurrent inserts, unlike offsets."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from accord.exceptions import ValidationFailedError

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Cursor numbers are sequence numbers and distances: database integers, never negative.
MAX_CURSOR_INT = 2**63 - 1


class InvalidCursorError(ValueError):
    """The cursor was not produced by this API."""


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursorError("cursor is not valid") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidCursorError("cursor is not valid")
    return values


def uuid_after(cursor: str | None) -> uuid.UUID | None:
    """Decode an id cursor, turning garbage into a clean 422."""
    if cursor is None:
        return None
    try:
        return uuid.UUID(str(decode_cursor(cursor, 1)[0]))
    except (InvalidCursorError, ValueError) as exc:
        raise ValidationFailedError("cursor is not valid", code="invalid_cursor") from exc


def int_after(cursor: str | None) -> int | None:
    """Decode a sequence-number cursor, turning garbage into a clean 422."""
    if cursor is None:
        return None
    try:
        value = decode_cursor(cursor, 1)[0]
    except InvalidCursorError as exc:
        raise ValidationFailedError("cursor is not valid", code="invalid_cursor") from exc
    if not is_cursor_int(value):
        raise ValidationFailedError("cursor is not valid", code="invalid_cursor")
    assert isinstance(value, int)
    return value


def is_cursor_int(value: object) -> bool:
    """An integer a cursor may hold: not a bool, within a database BIGINT, not negative."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_CURSOR_INT


def next_id_cursor(rows: Sequence[Any], limit: int) -> str | None:
    """Rows are fetched with limit + 1: an extra row means there is a next page."""
    if len(rows) <= limit:
        return None
    return encode_cursor([str(rows[limit - 1].id)])


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
]
