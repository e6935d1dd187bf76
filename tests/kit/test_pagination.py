from __future__ import annotations

import uuid

import pytest

from accord.exceptions import ValidationFailedError
from accord.kit.ids import uuid7
from accord.kit.pagination import decode_cursor, encode_cursor, uuid_after


def test_cursor_round_trip() -> None:
    ident = uuid.uuid4()
    assert uuid_after(encode_cursor([str(ident)])) == ident
    assert uuid_after(None) is None
    assert decode_cursor(encode_cursor([1, "a"]), 2) == [1, "a"]


@pytest.mark.parametrize("bad", ["%%%", encode_cursor([1, 2]), encode_cursor(["not-uuid"])])
def test_bad_cursors_are_422(bad: str) -> None:
    with pytest.raises(ValidationFailedError):
        uuid_after(bad)


def test_uuid7_is_time_ordered() -> None:
    ids = [uuid7() for _ in range(100)]
    assert all(i.version == 7 for i in ids)
    assert [i.int >> 80 for i in ids] == sorted(i.int >> 80 for i in ids)
