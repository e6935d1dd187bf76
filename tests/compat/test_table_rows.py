"""Row schemas of a table: what is shared between roles and versions, and what is not."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Prepared, SchemaError, check, check_history, parse_table_schema
from accord.compat.js.document import Document
from accord.compat.table.backend import ParsedTable, TableBackend
from accord.compat.table.rowschema import (
    Role,
    column_schema,
    row_schema,
    rows_like,
    same_rows,
    spelled_rows,
)
from accord.compat.table.schema import ColumnCache


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


def test_equal_columns_of_two_versions_are_one_parse() -> None:
    first = parse_table_schema(_table(ID, NOTE, STATE))
    second = parse_table_schema(_table(dict(ID), {**NOTE, "description": "free text"}, STATE))
    assert first.columns[2] is second.columns[2]
    assert first.columns[1] is not second.columns[1]
    assert second.columns[1].description == "free text"


def test_columns_equal_in_python_but_not_in_json_are_parsed_apart() -> None:
    ones = parse_table_schema(_table({"name": "v", "type": "json", "default": 1}))
    trues = parse_table_schema(_table({"name": "v", "type": "json", "default": True}))
    floats = parse_table_schema(_table({"name": "v", "type": "json", "default": 1.0}))
    assert [type(t.columns[0].default) for t in (ones, trues, floats)] == [int, bool, float]


def test_a_column_that_fails_is_not_kept_and_fails_again_at_its_own_place() -> None:
    bad = {"name": "n", "type": "int64", "minimum": "low"}
    for doc, where in ((_table(ID, bad), "n"), (_table(bad), "n")):
        with pytest.raises(SchemaError) as raised:
            parse_table_schema(doc)
        assert raised.value.path == where
    with pytest.raises(SchemaError) as raised:
        parse_table_schema({"columns": [ID, "not a column"]})
    assert raised.value.path == "columns/1"


def test_an_unchanged_column_reports_no_change_and_a_changed_one_does() -> None:
    old = _table(ID, NOTE, {**STATE, "enum": ["new", "done"]})
    new = _table(ID, {**NOTE, "description": "free text"}, {**STATE, "enum": ["new"]})
    kinds = {(c.path, c.kind) for c in check(old, new, mode="backward").changes}
    assert kinds == {("note", "description_changed"), ("state", "enum_value_removed")}


def _json_columns(enum: list[Any], default: Any) -> dict[str, Any]:
    return _table(
        {"name": "a", "type": "json", "enum": enum},
        {"name": "b", "type": "json", "default": default},
    )


def test_a_json_columns_enum_and_default_changing_only_in_type_are_reported() -> None:
    old, new = _json_columns([1, 0], 1), _json_columns([True, False], True)
    changes = {(c.path, c.kind) for c in check(old, new, mode="backward").changes}
    assert changes == {
        ("a", "enum_value_added"),
        ("a", "enum_value_removed"),
        ("b", "default_changed"),
    }
    # 1 and 1.0 are one JSON number: no change
    assert not check(old, _json_columns([1.0, 0], 1.0), mode="backward").changes


def test_the_column_cache_starts_over_when_full() -> None:
    cache = ColumnCache(2)
    a, b, c = ({"name": n, "type": "string"} for n in "abc")
    first = cache.parse(a, 0)
    assert cache.parse(dict(a), 0) is first
    cache.parse(b, 1)
    cache.parse(c, 2)  # full: starts over with c
    assert cache.parse(a, 0) is not first
    assert cache.parse(a, 0) == first


def test_defaults_that_are_not_json_values_compare_by_python_equality() -> None:
    # a caller's own Python data (the API only ever passes decoded JSON)
    old = _table({"name": "a", "type": "json", "default": (1, 2)})
    assert not check(old, _table({"name": "a", "type": "json", "default": (1, 2)})).changes
    changed = check(old, _table({"name": "a", "type": "json", "default": (1, 3)}))
    assert [c.kind for c in changed.changes] == ["default_changed"]


def test_a_row_document_is_given_the_texts_it_would_have_spelled() -> None:
    columns = [{"name": f"c{i}", "type": "int64" if i % 2 else "string"} for i in range(40)]
    table = parse_table_schema({"columns": columns})
    schema, texts = spelled_rows(table, Role.FILLING_READER)
    assert texts == {name: repr(value) for name, value in schema["properties"].items()}
    given = ParsedTable(table).rows(Role.FILLING_READER)
    plain = Document(schema)
    assert given.raw == schema
    assert given.texts_for(given.raw["properties"]) == plain.texts_for(schema["properties"])
    # the next version's equal columns bring the very same texts
    again = spelled_rows(parse_table_schema({"columns": [*columns, ID]}), Role.FILLING_READER)
    assert all(again[1][name] is text for name, text in texts.items())


def test_a_column_holding_objects_is_parsed_anew_each_time() -> None:
    default = {"source": "import"}
    first = parse_table_schema(_table({"name": "attrs", "type": "json", "default": default}))
    default["source"] = "changed by its caller"
    again = parse_table_schema(
        _table({"name": "attrs", "type": "json", "default": {"source": "import"}})
    )
    assert again.columns[0] is not first.columns[0]
    assert again.columns[0].default == {"source": "import"}
    listed = {"name": "kind", "type": "json", "enum": [["a"], ["b"]]}
    assert (
        parse_table_schema(_table(listed)).columns[0]
        is not parse_table_schema(_table(listed)).columns[0]
    )


def _versions(old: dict[str, Any], new: dict[str, Any]) -> tuple[ParsedTable, ParsedTable]:
    """Two versions judged the way a publish judges them (both directions)."""
    a, b = ParsedTable(parse_table_schema(old)), ParsedTable(parse_table_schema(new))
    backend = TableBackend()
    backend.decide(a, b, False, True)
    backend.decide(b, a, False, False)
    return a, b


def test_a_version_changing_descriptions_only_shares_its_predecessors_rows() -> None:
    v1 = _table(ID, NOTE, STATE)
    v2 = _table(ID, {**NOTE, "description": "free text"}, {**STATE, "tags": ["ops"]})
    a, b = _versions(v1, v2)
    for role in (Role.HISTORIC_WRITER, Role.FILLING_READER, Role.FRESH_WRITER):
        assert b.rows(role) is a.rows(role), role
    # the next version builds none either
    c = ParsedTable(parse_table_schema(_table(ID, {**NOTE, "description": "v3"}, STATE)))
    c.adopt(b)
    assert c.rows(Role.HISTORIC_WRITER) is a.rows(Role.HISTORIC_WRITER)


@pytest.mark.parametrize(
    "changed",
    [
        _table(ID, {**NOTE, "nullable": False}, STATE),
        _table(ID, {**NOTE, "default": ""}, STATE),
        _table(ID, {**NOTE, "type": "int64"}, STATE),
        _table(ID, {**NOTE, "name": "memo"}, STATE),
        _table(ID, NOTE, {**STATE, "enum": ["new", "done"]}),
        _table(ID, NOTE, STATE, checks=["id > 0"]),
        _table(ID, NOTE),
    ],
    ids=["nullable", "default", "type", "renamed", "enum", "table-check", "dropped"],
)
def test_a_change_to_the_rows_shares_none_and_is_judged(changed: dict[str, Any]) -> None:
    v1 = _table(ID, NOTE, STATE)
    a, b = _versions(v1, changed)
    for role in (Role.FILLING_READER, Role.FRESH_WRITER):
        assert b.rows(role) is not a.rows(role), role
        assert b.rows(role).raw == row_schema(b.table, role)
    assert not same_rows(a.table, b.table, Role.FILLING_READER)


def test_equal_rows_from_unequal_columns_are_the_same_rows() -> None:
    # the same column spelled twice (key order) parses apart, and is still the same rows
    reordered = {"type": "string", "name": "note"}
    a, b = (parse_table_schema(_table(ID, c)) for c in (NOTE, reordered))
    assert a.columns[1] is not b.columns[1]
    assert same_rows(a, b, Role.HISTORIC_WRITER)


def test_a_check_stopped_part_way_spoils_the_rows_its_versions_share() -> None:
    """A version that shares a row document with one outside a check that stops
    part-way (which may have left it half-filled) never reasons on it again."""
    v1, v2, v3 = (
        Prepared(_table(ID, {**NOTE, "description": d}, STATE), "table") for d in ("a", "b", "c")
    )
    assert check_history([v1], v2, mode="full").compatible
    shared = v1.parsed.rows(Role.FRESH_WRITER)
    assert v2.parsed.rows(Role.FRESH_WRITER) is shared
    held = v1.parsed
    stopped = check_history([v2], v3, mode="full", budget_s=1e-9)
    assert stopped.exhausted
    assert v2.parsed is None  # dropped by the check
    assert v3.parsed is None
    assert v1.parsed is held  # v1 was not in it: it keeps its parse, not the shared rows
    assert held.rows(Role.FRESH_WRITER) is not shared
    again = check_history([v1], v3, mode="full")
    assert again.compatible
    assert not again.exhausted
