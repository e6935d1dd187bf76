"""One contract file: a bare schema, or an envelope with schema, format, guarantees."""

from __future__ import annotations

from typing import Any

import pytest

from accord.spec.contract_file import ContractFileError, parse_contract_file

TABLE = {"name": "orders", "columns": [{"name": "id", "type": "int64"}], "primary_key": ["id"]}
JSON_SCHEMA = {"type": "object", "properties": {"schema": {"type": "string"}}}


def test_a_bare_table_schema_is_a_table_contract_without_guarantees() -> None:
    parsed = parse_contract_file(TABLE)
    assert (parsed.schema, parsed.format, parsed.guarantees) == (TABLE, "table", None)


def test_a_json_schema_with_a_property_named_schema_is_still_a_bare_schema() -> None:
    parsed = parse_contract_file(JSON_SCHEMA)
    assert (parsed.schema, parsed.format) == (JSON_SCHEMA, "jsonschema")


def test_an_envelope_gives_schema_format_guarantees_and_references() -> None:
    refs = [{"name": "https://x/base.json", "asset": "a.b", "version": "1.0.0"}]
    doc = {"schema": TABLE, "guarantees": {"row_count": {"min": 1}}, "references": refs}
    parsed = parse_contract_file(doc)
    assert parsed.format == "table"
    assert not parsed.format_given
    assert parsed.guarantees == {"row_count": {"min": 1}}
    assert parsed.references == refs


def test_explicit_empty_guarantees_are_kept_apart_from_absent_ones() -> None:
    assert parse_contract_file({"schema": TABLE, "guarantees": {}}).guarantees == {}
    assert parse_contract_file({"schema": TABLE}).guarantees is None


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "must hold an object, not list"),
        ({"schema": TABLE, "guarantee": {}}, "unknown top-level key(s) 'guarantee'"),
        ({"schema": TABLE, "format": "avro"}, "format must be one of jsonschema, table"),
        ({"schema": TABLE, "guarantees": []}, "guarantees must be an object"),
        ({"schema": TABLE, "references": {"a": 1}}, "references must be a list of objects"),
        ({"schema": TABLE, "asset": 3}, "asset must be a string"),
    ],
)
def test_what_is_not_a_contract_file_says_what_to_change(doc: Any, message: str) -> None:
    with pytest.raises(ContractFileError) as caught:
        parse_contract_file(doc, "c.yaml")
    assert message in str(caught.value)


def test_descriptive_keys_and_extensions_are_kept() -> None:
    doc = {"schema": TABLE, "asset": "warehouse.sales.orders", "owner": "sales", "x-team": 1}
    parsed = parse_contract_file(doc)
    assert parsed.meta == {"asset": "warehouse.sales.orders", "owner": "sales"}
    assert parsed.extensions == {"x-team": 1}


def test_a_table_schema_may_hold_its_guarantees_beside_its_columns() -> None:
    parsed = parse_contract_file({**TABLE, "format": "table", "guarantees": {"row_count": {}}})
    assert parsed.schema == TABLE
    assert parsed.guarantees == {"row_count": {}}
    assert parsed.format_given


def test_format_in_a_json_schema_is_the_keyword_not_the_contract_format() -> None:
    doc = {"type": "string", "format": "date-time"}
    parsed = parse_contract_file(doc)
    assert (parsed.schema, parsed.format, parsed.format_given) == (doc, "jsonschema", False)
