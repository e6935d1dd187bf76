"""The raw-bytes scans the body middleware runs before any JSON parser."""

from __future__ import annotations

import json

import pytest

from accord.kit.jsondepth import deeper_than, max_depth, non_json_number


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
