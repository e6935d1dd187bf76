from __future__ import annotations

import re
import uuid

import pytest

from accord.exceptions import ValidationFailedError
from accord.kit.ids import uuid7
from accord.kit.pagination import (
    CURSOR_BYTES,
    MAX_CURSOR_INT,
    cursor_pattern,
    encode_cursor,
    int_after,
    uuid_after,
)


def test_cursor_round_trip() -> None:
    ident = uuid.uuid4()
    assert uuid_after(encode_cursor([str(ident)])) == ident
    assert uuid_after(encode_cursor([ident])) == ident
    assert int_after(encode_cursor([42])) == 42
    assert uuid_after(None) is None
    assert int_after(None) is None


def test_issued_cursors_match_the_declared_pattern() -> None:
    pattern = cursor_pattern(CURSOR_BYTES)
    for cursor in (encode_cursor([uuid.uuid4()]), encode_cursor([MAX_CURSOR_INT])):
        assert re.fullmatch(pattern, cursor), cursor
    assert cursor_pattern(20) == "^[A-Za-z0-9_-]{26}[AEIMQUYcgkosw048]$"


def test_a_position_past_the_largest_integer_is_that_integer() -> None:
    assert int_after("_" * 21 + "w") == MAX_CURSOR_INT


@pytest.mark.parametrize("bad", ["%%%", "A" * 23, "A" * 21 + "B", "WzEsMl0", "A" * 600])
def test_bad_cursors_are_422(bad: str) -> None:
    with pytest.raises(ValidationFailedError):
        uuid_after(bad)
    with pytest.raises(ValidationFailedError):
        int_after(bad)


def test_uuid7_is_time_ordered() -> None:
    ids = [uuid7() for _ in range(100)]
    assert all(i.version == 7 for i in ids)
    assert [i.int >> 80 for i in ids] == sorted(i.int >> 80 for i in ids)
