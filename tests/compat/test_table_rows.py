"""Row schemas of a table: what is shared between roles and versions, and what is not."""

from __future__ import annotations

from typing import Any

from accord.compat import check, parse_table_schema
from accord.compat.table.backend import ParsedTable
from accord.compat.table.rowschema import Role, column_schema, row_schema, rows_like


def _table(*columns: dict[str, Any], checks: list[str] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"columns": list(columns)}
    if checks is not None:
        doc["checks"] = checks
    return doc


ID = {"name": "id", "type": "int64", "nullable": False}
NOTE = {"name": "note", "type": "string"}
STATE = {"name": "state", "type": "string", "nullable": False, "default": "new"}


def test_a_reader_needs_the_rows_a_fresh_writer_holds() -> None:
    table = parse_table_schema(_table(ID, NOTE, STATE))
    assert row_schema(table, Role.READER) == row_schema(table, Role.FRESH_WRITER)
    assert rows_like(Role.READER) is Role.FRESH_WRITER
    others = (Role.FRESH_WRITER, Role.HISTORIC_WRITER, Role.FILLING_READER)
    assert [rows_like(r) for r in others] == list(others)
    schemas = [row_schema(table, r) for r in others]
    assert all(a != b for i, a in enumerate(schemas) for b in schemas[i + 1 :])


def test_a_parsed_table_builds_the_reader_rows_once_for_both_roles() -> None:
    parsed = ParsedTable(parse_table_schema(_table(ID, NOTE, STATE)))
    assert parsed.rows(Role.READER) is parsed.rows(Role.FRESH_WRITER)
    assert parsed.rows(Role.FILLING_READER) is not parsed.rows(Role.FRESH_WRITER)


def test_an_unchanged_column_keeps_its_schema_across_versions() -> None:
    first = parse_table_schema(_table(ID, NOTE))
    second = parse_table_schema(_table(ID, {**NOTE, "description": "free text"}))
    a, b = (row_schema(t, Role.READER)["properties"] for t in (first, second))
    assert a["id"] is b["id"]
    assert a["note"] == b["note"]


def test_table_checks_are_part_of_a_column_schema() -> None:
    plain = parse_table_schema(_table(ID))
    checked = parse_table_schema(_table(ID, checks=["id > 0"]))
    a = row_schema(plain, Role.READER)["properties"]["id"]
    b = row_schema(checked, Role.READER)["properties"]["id"]
    assert a != b
    assert b == column_schema(checked.columns[0], checked.checks, False)
    # and the check decides: a new positive-only id breaks readers of old rows
    assert not check(_table(ID), _table(ID, checks=["id > 0"]), mode="backward").compatible


def test_a_column_with_an_object_default_is_spelled_without_the_cache() -> None:
    column = {"name": "attrs", "type": "json", "default": {"source": "import"}}
    table = parse_table_schema(_table(ID, column))
    props = row_schema(table, Role.FILLING_READER)["properties"]
    assert props["attrs"] == column_schema(table.columns[1], table.checks, True)
    assert check(_table(ID), _table(ID, column), mode="backward").compatible


def test_enum_values_equal_in_python_but_not_in_json_keep_their_own_schemas() -> None:
    ones = {"name": "flag", "type": "json", "enum": [1, 0]}
    trues = {**ones, "enum": [True, False]}
    a, b = (
        row_schema(parse_table_schema(_table(c)), Role.READER)["properties"]["flag"]
        for c in (ones, trues)
    )
    assert a["allOf"][1]["enum"] == [1, 0, None]
    assert [type(v) for v in b["allOf"][1]["enum"][:2]] == [bool, bool]
    verdict = check(_table(ones), _table(trues), mode="backward", content_model="strict")
    assert not verdict.compatible
