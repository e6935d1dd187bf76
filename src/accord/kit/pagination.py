"""Opaque keyset cursors: stable under concurrent inserts, unlike offsets.

A cursor is a fixed number of bytes in unpadded base64url, so its OpenAPI `pattern`
says exactly which strings the server accepts: every string that matches is a position
to resume from (rows after that id, or after that sequence number), never an error.
Id and sequence cursors are 16 bytes (a UUID; a big-endian integer), one pattern for
both; the lineage closure has its own, wider cursor (lineage/service.py).
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, Field

from accord.exceptions import ValidationFailedError
from accord.kit.schemas import Moment

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Cursor numbers are sequence numbers and distances: database integers, never negative.
MAX_CURSOR_INT = 2**63 - 1
CURSOR_BYTES = 16
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def cursor_pattern(size: int) -> str:
    """The regular expression of the canonical unpadded base64url of ``size`` bytes: the
    last character's unused low bits are zero, so each byte string has one spelling."""
    chars, spare = divmod(size * 8, 6)
    if not spare:
        return f"^[A-Za-z0-9_-]{{{chars}}}$"
    step = 1 << (6 - spare)  # the last character's index is a multiple of this
    return f"^[A-Za-z0-9_-]{{{chars}}}[{re.escape(_B64URL[::step])}]$"


class InvalidCursorError(ValueError):
    """The cursor was not produced by this API."""


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


def pack_cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unpack_cursor(cursor: str, size: int) -> bytes:
    """The ``size`` bytes a cursor of `cursor_pattern(size)` spells; InvalidCursorError
    for any other string."""
    if re.fullmatch(cursor_pattern(size), cursor) is None:
        raise InvalidCursorError("cursor is not valid")
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, binascii.Error) as exc:  # unreachable after the pattern; defensive
        raise InvalidCursorError("cursor is not valid") from exc


def encode_cursor(values: Sequence[Any]) -> str:
    """An id cursor (``[uuid]``) or a sequence cursor (``[int]``, 0..MAX_CURSOR_INT)."""
    if len(values) == 1 and is_cursor_int(values[0]):
        return pack_cursor(int(values[0]).to_bytes(CURSOR_BYTES, "big"))
    if len(values) == 1 and isinstance(values[0], uuid.UUID | str):
        return pack_cursor(uuid.UUID(str(values[0])).bytes)
    raise ValueError(f"not a cursor position: {values!r}")


def _invalid() -> ValidationFailedError:
    return ValidationFailedError("cursor is not valid", code="invalid_cursor")


def uuid_after(cursor: str | None) -> uuid.UUID | None:
    """Decode an id cursor, turning garbage into a clean 422."""
    if cursor is None:
        return None
    try:
        return uuid.UUID(bytes=unpack_cursor(cursor, CURSOR_BYTES))
    except InvalidCursorError as exc:
        raise _invalid() from exc


def int_after(cursor: str | None) -> int | None:
    """Decode a sequence-number cursor, turning garbage into a clean 422. A position past
    the largest database integer is that integer: no row lies beyond either."""
    if cursor is None:
        return None
    try:
        value = int.from_bytes(unpack_cursor(cursor, CURSOR_BYTES), "big")
    except InvalidCursorError as exc:
        raise _invalid() from exc
    return min(value, MAX_CURSOR_INT)


def is_cursor_int(value: object) -> bool:
    """An integer a cursor may hold: not a bool, within a database BIGINT, not negative."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_CURSOR_INT


def next_id_cursor(rows: Sequence[Any], limit: int) -> str | None:
    """Rows are fetched with limit + 1: an extra row means there is a next page."""
    if len(rows) <= limit:
        return None
    return encode_cursor([rows[limit - 1].id])


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=512,
        description="`next_cursor` of the previous page.",
        json_schema_extra={"pattern": cursor_pattern(CURSOR_BYTES)},
    ),
]

# RFC 3339 `date-time`, what the filters declare: pydantic alone would also take a number
# of seconds ("0.5") or a space for the `T`, which the declared format refuses.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _rfc3339(value: object) -> object:
    if isinstance(value, str) and _RFC3339.fullmatch(value) is None:
        raise ValueError("not an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
    return value


# A date-time filter of a list: RFC 3339 with an offset, nothing else.
Instant = Annotated[Moment, BeforeValidator(_rfc3339)]
