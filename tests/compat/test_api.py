"""The public API: exports, formats, histories and the JSON form."""

from __future__ import annotations

import json

import pytest

import accord.compat as compat
from accord.compat import (
    ContentModel,
    Mode,
    Outcome,
    SchemaError,
    SchemaFormat,
    check,
    check_history,
    detect_format,
    validate_schema,
)
from accord.compat.canonical import json_type, key

TABLE = {"columns": [{"name": "id", "type": "int64"}]}


def test_all_is_complete() -> None:
    for name in compat.__all__:
        assert getattr(compat, name) is not None


def test_detect_and_validate() -> None:
    assert detect_format(TABLE) is SchemaFormat.TABLE
    assert detect_format({"type": "string"}) is SchemaFormat.JSONSCHEMA
    validate_schema(TABLE)
    validate_schema({"type": "string"}, "jsonschema")
    with pytest.raises(SchemaError):
        validate_schema({"columns": []})


def test_history_rules() -> None:
    with pytest.raises(SchemaError, match="at least one"):
        check_history([], {"type": "string"})
    with pytest.raises(SchemaError, match="every version"):
        check_history([TABLE], {"type": "string"})
    same = {"type": "string"}
    verdict = check_history([same, same], same, mode=Mode.FULL_TRANSITIVE)
    assert verdict.compatible


def test_to_dict_is_json() -> None:
    verdict = check({"type": "string"}, {"type": "integer"}, content_model=ContentModel.STRICT)
    out = verdict.to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out["compatible"] is False
    assert set(out["verdicts"]) == {m.value for m in Mode}
    assert verdict.outcome is Outcome.INCOMPATIBLE
    assert {w["valid_under"] for w in out["witnesses"]} == {"old", "new"}


def test_none_mode_is_always_compatible() -> None:
    assert check({"type": "string"}, {"type": "integer"}, mode="none").compatible


def test_canonical_keys() -> None:
    assert key(1) == key(1.0)
    assert key(True) != key(1)
    assert key([1, {"a": None}]) == key([1.0, {"a": None}])
    with pytest.raises(TypeError):
        key(object())
    samples: list[object] = [None, True, 1, 1.0, 1.5, "", [], {}]
    assert [json_type(v) for v in samples] == [
        "null", "boolean", "integer", "integer", "number", "string", "array", "object"
    ]  # fmt: skip
