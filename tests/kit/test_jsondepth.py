"""The raw-bytes scans the body middleware runs before any JSON parser."""

from __future__ import annotations

import json

import pytest

from accord.kit.jsondepth import (
    deeper_than,
    json_text_problem,
    max_depth,
    non_json_number,
    nul_escape,
    out_of_range_number,
    unpaired_surrogate,
)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (b'{"a": NaN}', "NaN"),
        (b"[1, Infinity]", "Infinity"),
        (b'{"a": -Infinity}', "Infinity"),
        (b'{"NaN": "Infinity", "b": NaN}', "NaN"),  # the key and value are text; the last is not
        (b'{"a": "say \\"NaN\\" and Infinity"}', None),  # escaped quotes stay inside the string
        (b'{"a\\\\": "x", "b": Infinity}', "Infinity"),  # an escaped backslash ends no string
        (b'{"NaN": 1e5, "Infinity": true, "x": null}', None),
        (b'{"a": 1}', None),
    ],
)
def test_non_json_numbers_are_found_outside_strings(text: bytes, found: str | None) -> None:
    assert non_json_number(text) == found
    if found is None:
        json.loads(text)  # each clean case is JSON


def test_depth_is_measured_outside_strings() -> None:
    assert max_depth(b'{"a": [[1], "[[[["]}') == 3
    assert max_depth(b"5") == 0
    assert not deeper_than(b"[[[]]]", 3)
    assert deeper_than(b"[[[[]]]]", 3)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (b'{"a": 1e400}', "1e400, a number beyond the range of a double"),
        (b"[-1.5E+309]", "-1.5E+309, a number beyond the range of a double"),
        (b"[1" + b"0" * 400 + b".5]", "1" + "0" * 39 + "…, a number beyond the range of a double"),
        (b"[" + b"9" * 5000 + b"]", "an integer of 5000 digits (at most 4300 are read)"),
        (b'{"e": true, "E": false, "1e400": "1e400"}', None),  # letters and text only
        (b'{"a": 1e308, "b": 1e-400, "c": -0.0, "d": 2.5e-3}', None),  # in range, or 0.0
        (b"[" + b"9" * 4000 + b"]", None),  # long, and still read
        (b'{"a": 1e5', None),  # not JSON at all: the parser says so
    ],
)
def test_numbers_beyond_what_python_reads_exactly(text: bytes, found: str | None) -> None:
    assert out_of_range_number(text) == found
    assert json_text_problem(text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (b'{"a": "\\ud800"}', "\\ud800"),
        (b'{"a": "x\\uDFFFy"}', "\\uDFFF"),  # a low half first
        (b'{"a": "\\ud83d\\u0041"}', "\\ud83d"),  # a high half, then no low one
        (b'{"a": "\\ud83d"}', "\\ud83d"),  # at the end of a string
        (b'{"a": "\\ud83d\\ude00 \\udc00"}', "\\udc00"),  # a pair, then a lone half
        (b'{"\\ud800": 1}', "\\ud800"),  # keys too
        (b'{"a": "\\ud83d\\ude00 and \\uD83D\\uDE00"}', None),  # pairs: an emoji, twice
        (b'{"a": "\\\\ud800"}', None),  # an escaped backslash, then text
        (b'{"a": "\\\\\\ud83d\\ude00"}', None),  # an escaped backslash, then a pair
        (b'{"a": "\\u00e9\\u2603"}', None),
    ],
)
def test_unpaired_surrogate_escapes_are_found(text: bytes, found: str | None) -> None:
    assert unpaired_surrogate(text) == found
    if found is None:
        json.dumps(json.loads(text), ensure_ascii=False).encode()  # encodes as UTF-8
    else:
        with pytest.raises(UnicodeEncodeError):
            json.dumps(json.loads(text), ensure_ascii=False).encode()
        expected = f"{found}, half of a UTF-16 surrogate pair without its other half"
        assert json_text_problem(text) == expected


def test_json_text_problem_names_nan_first() -> None:
    assert json_text_problem(b"[NaN, 1e400]") == "NaN, which is not a JSON number"
    assert json_text_problem(b'{"a": [1, 2.5, "\\ud83d\\ude00"]}') is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (b'{"a": "x\\u0000"}', True),
        (b'{"\\u0000": 1}', True),
        (b'{"a": "\\\\\\u0000"}', True),  # an escaped backslash, then the escape
        (b'{"a": "^[^\\\\u0000]*$"}', False),  # an escaped backslash, then text: a regex
        (b'{"a": "\\u00000"}', True),
        (b'{"a": "\\u0001 u0000"}', False),
    ],
)
def test_nul_escapes_are_found(text: bytes, found: bool) -> None:
    assert nul_escape(text) is found
    assert any("\x00" in string for string in _strings(json.loads(text))) is found


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
