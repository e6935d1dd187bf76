"""The contract as table rows: JSON Schema properties (nested as dotted paths) and table
columns, with their constraints and the guarantees that name them."""

from __future__ import annotations

from accord.models import ContractVersion
from accord.web import contract_table
from accord.web.contract_table import contract_rows, table_guarantees


def _version(fmt: str, schema: dict[str, object], guarantees: dict[str, object]) -> ContractVersion:
    return ContractVersion(format=fmt, schema_=schema, guarantees=guarantees)


def test_json_schema_properties_become_rows_with_nested_paths() -> None:
    version = _version(
        "json_schema",
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer", "description": "the order"},
                "email": {"type": ["string", "null"], "pattern": "^.+@.+$"},
                "address": {
                    "type": "object",
                    "properties": {"city": {"type": "string", "enum": ["Oslo", "Lima"]}},
                    "required": ["city"],
                },
            },
            "required": ["id", "address"],
        },
        {"columns": {"id": {"not_null": True, "unique": True}}},
    )
    rows, cut = contract_rows(version)
    assert not cut
    by_path = {r.path: r for r in rows}
    assert set(by_path) >= {"id", "email", "address", "address.city"}
    assert by_path["id"].required
    assert by_path["id"].description == "the order"
    assert "never null" in by_path["id"].guarantees
    assert "unique" in by_path["id"].guarantees
    assert by_path["email"].nullable
    assert not by_path["email"].required
    assert by_path["address.city"].required
    assert any("Oslo" in g for g in by_path["address.city"].guarantees)


def test_table_columns_become_rows_and_the_primary_key_is_not_nullable() -> None:
    version = _version(
        "table",
        {
            "columns": [
                {"name": "id", "type": "bigint", "nullable": True},
                {"name": "note", "type": "text", "max_length": 200, "description": "free"},
            ],
            "primary_key": ["id"],
        },
        {},
    )
    rows, _ = contract_rows(version)
    assert [r.path for r in rows] == ["id", "note"]
    assert rows[0].required
    assert not rows[0].nullable
    assert rows[0].guarantees[0] == "primary key"
    assert rows[1].nullable
    assert rows[1].description == "free"


def test_a_huge_schema_is_cut_and_says_so() -> None:
    props = {f"p{i}": {"type": "string"} for i in range(contract_table.FIELD_ROWS + 10)}
    rows, cut = contract_rows(_version("json_schema", {"type": "object", "properties": props}, {}))
    assert cut
    assert len(rows) == contract_table.FIELD_ROWS


def test_data_set_guarantees_in_words() -> None:
    words = table_guarantees(
        {
            "row_count": {"min": 1, "max": 10},
            "freshness": {"column": "updated_at", "max_age_seconds": 3600},
            "unique_together": [["a", "b"]],
            "custom": [{"name": "no_orphans", "sql": "select 1 where false"}],
        }
    )
    assert words == [
        "Row count at least 1 and at most 10.",
        "The newest updated_at is at most 3600 seconds old.",
        "Unique together: a, b.",
        "Custom check no_orphans finds no failing rows.",
    ]
