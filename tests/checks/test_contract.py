"""Loading Accord contract files; errors name the failing paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accord.checks import ContractError, load_contract, parse_contract
from accord.checks.contract import is_odcs

SCHEMA = {"name": "t", "columns": [{"name": "a", "type": "int64"}]}


def test_round_trips_to_document() -> None:
    doc = {
        "format": "table",
        "schema": SCHEMA,
        "guarantees": {"columns": {"a": {"not_null": True}}},
        "asset": "wh.t",
        "version": "1.0.0",
        "owner": "team-a",
        "x-note": {"k": 1},
    }
    contract = parse_contract(doc)
    assert contract.name == "wh.t"
    assert contract.to_document() == doc


def test_names_fall_back() -> None:
    assert parse_contract({"format": "table", "schema": SCHEMA}).name == "t"
    unnamed = {"format": "table", "schema": {"columns": SCHEMA["columns"]}}
    assert parse_contract(unnamed).name == "contract"
    assert parse_contract(unnamed).to_document() == unnamed


@pytest.mark.parametrize(
    ("doc", "paths"),
    [
        ([], ()),
        ({"format": "table", "schema": SCHEMA, "bogus": 1}, ("bogus",)),
        ({"format": "json", "schema": SCHEMA}, ("format",)),
        ({"format": "table", "schema": SCHEMA, "owner": 3}, ("owner",)),
        ({"format": "table", "schema": {"columns": []}}, ("schema.columns",)),
        ({"format": "table", "schema": {}}, ("schema",)),
        (
            {"format": "table", "schema": SCHEMA, "guarantees": {"columns": {"a": {"min": "x"}}}},
            ("guarantees.columns.a.min",),
        ),
        (
            {
                "format": "table",
                "schema": SCHEMA,
                "guarantees": {
                    "columns": {"b": {}},
                    "unique_together": [["a", "c", "d"]],
                    "freshness": {"column": "z", "max_age_seconds": 1},
                },
            },
            ("guarantees.columns.b", "guarantees.unique_together.0", "guarantees.freshness.column"),
        ),
    ],
)
def test_invalid_documents_name_paths(doc: Any, paths: tuple[str, ...]) -> None:
    with pytest.raises(ContractError) as caught:
        parse_contract(doc)
    assert caught.value.paths == paths
    if paths:
        assert paths[0] in str(caught.value)


def test_reads_yaml_and_json(tmp_path: Path) -> None:
    doc = {"format": "table", "schema": SCHEMA, "version": "2026-01-01"}
    (tmp_path / "c.json").write_text(json.dumps(doc))
    (tmp_path / "c.yaml").write_text(
        "format: table\nversion: 2026-01-01\nschema:\n  columns:\n"
        "    - {name: a, type: int64}\n  name: t\n"
    )
    assert load_contract(tmp_path / "c.json").meta == {"version": "2026-01-01"}
    # YAML dates stay strings, as in JSON.
    assert load_contract(tmp_path / "c.yaml").meta == {"version": "2026-01-01"}


def test_unreadable_files(tmp_path: Path) -> None:
    # What the messages say is tested with accord.kit.documents; here, that they arrive.
    with pytest.raises(ContractError, match=r"cannot read .*: No such file or directory$"):
        load_contract(tmp_path / "missing.yaml")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ContractError, match=r"not valid JSON/YAML: .*line 1 column 2"):
        load_contract(tmp_path / "bad.json")


def test_is_odcs() -> None:
    assert is_odcs({"apiVersion": "v3.1.0", "kind": "DataContract"})
    assert not is_odcs({"kind": "DataContract"})
    assert not is_odcs([])
