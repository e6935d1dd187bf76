"""Remote ``$ref``s resolved through schemas the caller supplies (never fetched)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Mode, Outcome, SchemaError, check, validate_schema
from accord.compat.js.document import Document

BASE_URI = "https://schemas.example.com/base.json"
BASE: dict[str, Any] = {
    "$id": BASE_URI,
    "$defs": {
        "name": {"type": "string", "maxLength": 40},
        "tag": {"$ref": "#/$defs/name"},  # internal to the referenced schema
        "city": {"$ref": "geo.json#/$defs/city"},  # relative to the referenced schema
    },
}
GEO: dict[str, Any] = {
    "$id": "https://schemas.example.com/geo.json",
    "$defs": {"city": {"type": "string", "minLength": 1}},
}
REFS = {BASE_URI: BASE, "https://schemas.example.com/geo.json": GEO}


def _user(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": sorted(props)}


def test_an_unsupplied_remote_reference_names_the_uri() -> None:
    schema = _user(name={"$ref": f"{BASE_URI}#/$defs/name"})
    with pytest.raises(SchemaError) as raised:
        validate_schema(schema)
    assert f"remote $ref '{BASE_URI}#/$defs/name' is not supplied" in str(raised.value)
    assert "never fetches" in str(raised.value)
    with pytest.raises(SchemaError, match="is not supplied"):
        check(schema, schema, mode="backward")


def test_supplied_references_resolve_transitively() -> None:
    schema = _user(
        name={"$ref": f"{BASE_URI}#/$defs/tag"}, city={"$ref": f"{BASE_URI}#/$defs/city"}
    )
    validate_schema(schema, refs=REFS)
    assert check(schema, schema, mode="full", refs=REFS).compatible


@pytest.mark.parametrize("content_model", ["strict", "lenient"])
def test_a_change_to_what_is_referenced_is_judged_where_it_is_used(content_model: str) -> None:
    old = _user(name={"$ref": f"{BASE_URI}#/$defs/name"})
    new = _user(name={"type": "string", "maxLength": 10})  # narrower than base's 40
    verdict = check(old, new, mode="full", content_model=content_model, refs=REFS)
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE
    witness = next(w for w in verdict.witnesses if w.mode is Mode.BACKWARD)
    assert len(witness.document["name"]) > 10
    # confirmed by the real validator, which resolves the same references
    writer, reader = Document(old, refs=REFS), Document(new, refs=REFS)
    assert writer.valid(writer.root, witness.document)
    assert not reader.valid(reader.root, witness.document)


def test_two_versions_of_a_reference_compare_through_the_bundle() -> None:
    v1 = _user(city={"$ref": "https://schemas.example.com/geo.json#/$defs/city"})
    v2 = _user(city={"$ref": f"{BASE_URI}#/$defs/city"})  # the same target, another path
    assert check(v1, v2, mode="full", refs=REFS).compatible


def test_a_missing_target_inside_a_supplied_schema() -> None:
    schema = _user(name={"$ref": f"{BASE_URI}#/$defs/nope"})
    with pytest.raises(SchemaError, match="does not exist"):
        validate_schema(schema, refs=REFS)


def test_a_relative_reference_is_supplied_as_written() -> None:
    # no $id anywhere: the reference is known by what it says
    schema = _user(name={"$ref": "names.json#/$defs/name"})
    names = {"$defs": {"name": {"type": "string"}}}
    validate_schema(schema, refs={"names.json": names})
    verdict = check(
        schema, _user(name={"type": "integer"}), mode="full", refs={"names.json": names}
    )
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE


def test_what_is_supplied_must_be_a_schema() -> None:
    schema = _user(name={"$ref": f"{BASE_URI}#/$defs/name"})
    with pytest.raises(SchemaError, match="is not an object or a boolean"):
        validate_schema(schema, refs={BASE_URI: ["not", "a", "schema"]})
