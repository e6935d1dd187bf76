"""Canonical JSON (kit/canonical.py): the fast path writes exactly RFC 8785's bytes."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.kit.canonical import _plain, canonical_json

_SAFE = 2**53 - 1

# Keys and strings from every plane, control characters and the escapes included.
_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_scalars = st.none() | st.booleans() | st.integers(-_SAFE, _SAFE) | _text
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_text, inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=600, deadline=None)
@given(_values)
def test_every_plain_value_has_rfc8785s_bytes(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\uffff": 2, "a": 3},  # UTF-16 order differs past the BMP
        {"n": 1.5},
        {"n": 1.0},
        [1e21],
        ("a", 1),
        {"k": '\x00\x1f\x7f\u2028"\\\b\f\n\r\t'},
    ],
    ids=["astral-keys", "float", "integral-float", "big-float", "tuple", "escapes"],
)
def test_values_rfc8785_writes_its_own_way_keep_its_bytes(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_what_the_fast_path_leaves_to_rfc8785() -> None:
    assert _plain({"a": [1, "x", None, True, {"b": -_SAFE}]})
    assert not _plain({"a": 0.5})
    assert not _plain({"a": _SAFE + 1})
    assert not _plain({"\U0001f600": 1})
    assert not _plain({1: "non-string key"})
    assert not _plain(("tuple",))


def test_integers_past_two_to_the_53_are_exact_digits() -> None:
    assert canonical_json({"max": 2**64 - 1, "ok": 1}) == b'{"max":18446744073709551615,"ok":1}'


def test_a_lone_surrogate_is_refused_as_rfc8785_refuses_it() -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_json({"s": "\ud800"})
