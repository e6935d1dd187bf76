"""ODCS v3 import and export: validation with paths, mapping, round trips."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from accord.checks import ContractError, load_contract, parse_contract
from accord.checks.contract import read_document
from accord.checks.odcs import import_odcs, validate_odcs
from accord.checks.odcs_export import export_odcs
from accord.checks.odcs_rules import read_rule, read_sla, write_rule

CASES = Path(__file__).parent / "cases"
DOCS = sorted(CASES.glob("*.odcs.yaml"))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_import_then_export_round_trips(path: Path) -> None:
    doc = read_document(path)
    contract = load_contract(path)
    assert export_odcs(contract) == doc
    # Through the Accord contract file too.
    again = parse_contract(contract.to_document())
    assert export_odcs(again) == doc
    validate_odcs(export_odcs(again))


def test_mapping() -> None:
    contract = load_contract(CASES / "full.odcs.yaml")
    schema, g = contract.schema, contract.guarantees
    assert contract.meta == {
        "version": "2.1.0",
        "owner": "sales-data",
        "description": "Every customer we ship to.",
    }
    assert schema.primary_key == ("customer_id",)
    assert schema.unique == (("email",),)
    email = schema.column("email")
    assert email is not None
    assert str(email.type) == "varchar(320)"
    assert not email.nullable
    assert email.tags == ("pii",)
    assert email.max_length == 320
    value = schema.column("lifetime_value")
    assert value is not None
    assert str(value.type) == "decimal(12, 2)"
    assert value.minimum == 0
    assert g.columns["email"].pattern == "^[^@]+@[^@]+$"
    assert g.columns["email"].not_null
    assert g.columns["email"].severity == "warn"
    assert g.columns["country"].accepted_values == ["DE", "FR", "US"]
    assert g.unique_together == [["country", "tax_id"]]
    assert g.row_count is not None
    assert g.row_count.min == 11
    assert g.row_count.severity == "warn"
    assert g.freshness is not None
    assert g.freshness.max_age_seconds == 6 * 3600
    assert [c.name for c in g.custom] == ["country_3", "no_future_signups"]
    assert g.custom[0].sql == 'SELECT count(*) FROM {table} WHERE length("country") <> 2'


def test_edits_are_exported() -> None:
    contract = load_contract(CASES / "full.odcs.yaml")
    doc = contract.to_document()
    doc["version"] = "3.0.0"
    doc["owner"] = "growth"
    doc["description"] = "Changed."
    doc["schema"]["columns"][2]["type"] = "char(2)"
    doc["schema"]["columns"][3]["nullable"] = False
    doc["schema"]["columns"][4]["nullable"] = False
    doc["schema"]["columns"][5]["nullable"] = True
    doc["schema"]["columns"][0]["description"] = ""
    doc["schema"]["primary_key"] = ["customer_id", "tax_id"]
    del doc["schema"]["unique"]
    g = doc["guarantees"]
    g["columns"]["country"]["accepted_values"] = ["DE"]
    g["columns"]["tax_id"] = {"not_null": True, "unique": True, "min": 1, "max_length": 20}
    g["columns"]["lifetime_value"] = {"max": 10}
    g["freshness"]["max_age_seconds"] = 90
    g["row_count"] = {"max": 5}
    g["custom"] = [{"name": "c", "sql": "SELECT 0", "severity": "warn"}]
    out = export_odcs(parse_contract(doc))
    validate_odcs(out)
    assert out["version"] == "3.0.0"
    assert out["team"]["name"] == "growth"
    assert out["description"]["purpose"] == "Changed."
    props = {p["name"]: p for p in out["schema"][0]["properties"]}
    assert props["country"]["physicalType"] == "char(2)"
    assert props["lifetime_value"]["required"] is True
    assert props["signed_up_at"]["required"] is False
    assert props["tax_id"]["primaryKey"] is True  # a key column is required
    assert props["tax_id"]["primaryKeyPosition"] == 2
    assert props["tax_id"]["logicalTypeOptions"] == {"maxLength": 20}  # no bounds on strings
    assert props["lifetime_value"]["logicalTypeOptions"] == {"minimum": 0, "maximum": 10}
    assert "unique" not in props["email"]
    assert "description" not in props["customer_id"]
    rules = props["tax_id"]["quality"]
    assert {r["metric"] for r in rules} == {"nullValues", "duplicateValues"}
    assert props["country"]["quality"][-1]["arguments"] == {"validValues": ["DE"]}
    sla = {s["property"]: s for s in out["slaProperties"]}
    assert (sla["freshness"]["value"], sla["freshness"]["unit"]) == (90, "s")
    table_rules = out["schema"][0]["quality"]
    assert {"type": "library", "metric": "rowCount", "mustBeLessOrEqualTo": 5} in table_rules
    assert {
        "type": "sql",
        "name": "c",
        "query": "SELECT 0",
        "mustBe": 0,
        "severity": "warning",
    } in table_rules


def test_native_contract_exports_a_valid_document() -> None:
    contract = parse_contract(
        {
            "format": "table",
            "schema": {
                "columns": [
                    {"name": "a", "type": "int64", "nullable": False},
                    {"name": "b", "type": "struct<x: int32>"},
                ]
            },
            "guarantees": {
                "row_count": {"min": 1, "max": 1},
                "freshness": {"column": "a", "max_age_seconds": 86400},
            },
            "owner": "team-a",
            "asset": "wh.t",
        }
    )
    out = export_odcs(contract)
    validate_odcs(out)
    assert out["id"] == "wh.t"
    assert out["team"] == {"name": "team-a"}
    assert out["schema"][0]["quality"] == [{"type": "library", "metric": "rowCount", "mustBe": 1}]
    assert out["slaProperties"] == [
        {"property": "freshness", "value": 1, "unit": "d", "element": "table.a"}
    ]
    assert out["schema"][0]["properties"][1]["logicalType"] == "object"
    bare = export_odcs(
        parse_contract(
            {"format": "table", "schema": {"columns": [{"name": "a", "type": "binary"}]}}
        )
    )
    assert "slaProperties" not in bare
    assert "quality" not in bare["schema"][0]


def _doc() -> dict[str, Any]:
    return copy.deepcopy(read_document(CASES / "orders.odcs.yaml"))


def test_invalid_documents_list_every_path() -> None:
    doc = _doc()
    doc["schema"][0]["properties"][1]["logicalType"] = "strin"
    doc["schema"][0]["properties"][2]["colour"] = "red"
    doc["servers"][0]["delimiter"] = ","
    with pytest.raises(ContractError) as caught:
        import_odcs(doc)
    assert caught.value.paths == (
        "schema.0.properties.1.logicalType",
        "schema.0.properties.2.colour",
        "servers.0.delimiter",
    )
    with pytest.raises(ContractError) as missing:
        import_odcs({"apiVersion": "v3.1.0", "kind": "DataContract"})
    assert missing.value.paths == ("/",)


def test_object_choice() -> None:
    doc = _doc()
    doc["schema"].append({"name": "other", "properties": [{"name": "x", "logicalType": "boolean"}]})
    with pytest.raises(ContractError, match="pick one schema object"):
        import_odcs(doc)
    with pytest.raises(ContractError, match="no schema object named 'nope'"):
        import_odcs(doc, "nope")
    other = import_odcs(doc, "other")
    assert str(other.schema.columns[0].type) == "boolean"
    # The objects not imported are kept whole: export gives the document back.
    assert export_odcs(other) == doc
    assert export_odcs(import_odcs(doc, "orders")) == doc


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"name": "a", "logicalType": "string"}, "string"),
        ({"name": "a", "physicalType": "NUMBER(38,0)", "logicalType": "number"}, "float64"),
        ({"name": "a", "physicalType": "text", "logicalType": "integer"}, "int64"),
        ({"name": "a", "logicalType": "integer", "physicalType": "int"}, "int32"),
        (
            {"name": "a", "logicalType": "date", "logicalTypeOptions": {"minimum": "2020-01-01"}},
            "date",
        ),
        ({"name": "a", "logicalType": "array"}, "array<json>"),
    ],
)
def test_column_types(prop: dict[str, Any], expected: str) -> None:
    doc = _doc()
    doc["schema"][0]["properties"] = [prop]
    doc["schema"][0]["quality"] = []
    del doc["slaProperties"]
    assert str(import_odcs(doc).schema.columns[0].type) == expected


@pytest.mark.parametrize(
    "rule",
    [
        "text",
        {"type": "custom", "engine": "soda"},
        {"type": "library", "metric": "nullValues", "mustBe": 1},
        {"type": "library", "metric": "nullValues", "mustBe": 0, "mustBeLessThan": 1},
        {"type": "library", "metric": "invalidValues", "arguments": {"other": 1}, "mustBe": 0},
        {
            "type": "library",
            "metric": "duplicateValues",
            "arguments": {"properties": ["a"]},
            "mustBe": 0,
        },
        {"type": "library", "metric": "rowCount", "mustNotBe": 3},
        {"type": "library", "metric": "rowCount", "mustBe": "x"},
        {"type": "library", "metric": "rowCount"},
    ],
)
def test_rules_accord_cannot_represent_are_kept(rule: Any) -> None:
    assert read_rule(rule, None, "x") is None


def test_rule_shapes() -> None:
    assert read_rule({"metric": "rowCount", "mustBe": 5}, None, "x") == ("row_count", 5, 5, "error")
    assert read_rule({"metric": "rowCount", "mustBeLessOrEqualTo": 5}, None, "x") == (
        "row_count",
        None,
        5,
        "error",
    )
    assert read_rule({"metric": "rowCount", "mustBeGreaterOrEqualTo": 2}, None, "x") == (
        "row_count",
        2,
        None,
        "error",
    )
    custom = read_rule({"type": "sql", "id": "?!", "query": "SELECT 1", "mustBe": 0}, None, "fb")
    assert custom is not None
    assert custom[1] == "fb"
    assert write_rule(("row_count", 2, None, "error"))["mustBeGreaterOrEqualTo"] == 2
    assert write_rule(("pattern", "a", "^x", "warn"))["severity"] == "warning"


@pytest.mark.parametrize(
    "sla",
    [
        "x",
        {"property": "latency", "value": 1},
        {"property": "freshness", "value": "1", "unit": "d", "element": "t.c"},
        {"property": "freshness", "value": 1, "unit": "fortnight", "element": "t.c"},
        {"property": "freshness", "value": 1, "unit": "d", "element": "other.c"},
        {"property": "freshness", "value": 0, "unit": "d", "element": "t.c"},
        {"property": "freshness", "value": 1, "unit": "d"},
    ],
)
def test_slas_accord_cannot_represent(sla: Any) -> None:
    assert read_sla(sla, "t") is None


def test_sla_defaults_to_days_and_bare_columns() -> None:
    assert read_sla({"property": "Freshness", "value": 2, "element": "c"}, "t") == (
        "freshness",
        "c",
        172800,
    )


def test_more_shapes() -> None:
    assert read_rule({"metric": "duplicateValues", "mustBe": 0}, "c", "x") == (
        "unique",
        "c",
        "error",
    )
    bad_values = {"metric": "invalidValues", "arguments": {"validValues": "x"}, "mustBe": 0}
    assert read_rule(bad_values, "c", "x") is None
    assert write_rule(("unique_together", ("a", "b")))["arguments"] == {"properties": ["a", "b"]}
    doc = _doc()
    doc["description"] = {"usage": "internal"}
    doc["team"] = [{"username": "ana", "role": "owner"}]  # the deprecated list form
    contract = import_odcs(doc)
    assert "description" not in contract.meta
    assert "owner" not in contract.meta
    edited = parse_contract({**contract.to_document(), "owner": "someone"})
    assert export_odcs(edited)["team"] == doc["team"]  # a list team is left alone
    tz = parse_contract(
        {"format": "table", "schema": {"columns": [{"name": "t", "type": "timestamptz"}]}}
    )
    assert export_odcs(tz)["schema"][0]["properties"][0]["logicalType"] == "timestamp"


@pytest.mark.parametrize(
    ("value", "path", "what"),
    [
        ({"examples": [b"\x00"]}, "schema.0.properties.1.examples.0", "a bytes value"),
        ({1: "x"}, "schema.0.properties.1.1", "the int key 1"),
        ({"tags": {"a", "b"}}, "schema.0.properties.1.tags", "a set value"),
    ],
)
def test_values_json_cannot_hold_are_named(value: dict[Any, Any], path: str, what: str) -> None:
    """YAML can say more than JSON (binary, sets, non-string keys); the document is refused
    with the path, not with the validator's internal error."""
    doc = _doc()
    doc["schema"][0]["properties"][1].update(value)
    with pytest.raises(ContractError, match=f"{what} is not JSON") as caught:
        import_odcs(doc)
    assert caught.value.paths == (path,)


def test_a_yaml_file_with_a_binary_value_is_an_input_error(tmp_path: Path) -> None:
    text = (CASES / "orders.odcs.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.odcs.yaml"
    bad.write_text(text + "customProperties:\n  - property: blob\n    value: !!binary aGk=\n")
    with pytest.raises(ContractError, match="a bytes value is not JSON"):
        load_contract(bad)


def test_a_null_key_and_deep_nesting_are_input_errors() -> None:
    doc = _doc()
    doc["customProperties"] = [{"property": "p", "value": {None: 1}}]
    with pytest.raises(ContractError, match="the NoneType key None is not JSON") as caught:
        import_odcs(doc)
    assert caught.value.paths == ("customProperties.0.value.None",)
    deep: list[Any] = []
    doc = _doc()
    doc["unknown"] = deep
    for _ in range(5_000):
        deep.append([])
        deep = deep[0]
    with pytest.raises(ContractError, match="nesting deeper than 1000 levels") as too_deep:
        import_odcs(doc)
    assert too_deep.value.paths == ("unknown",)


def test_a_yaml_alias_inside_itself_is_an_input_error(tmp_path: Path) -> None:
    """Before, the walk for non-JSON values followed the alias for ever."""
    text = (CASES / "orders.odcs.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "loop.odcs.yaml"
    bad.write_text(text + "customProperties: &loop\n  - property: p\n    value: *loop\n")
    with pytest.raises(ContractError, match=r"nesting deeper than 1000 levels \(at customProp"):
        load_contract(bad)
    cyclic = _doc()
    cyclic["customProperties"] = [{"property": "p", "value": []}]
    cyclic["customProperties"][0]["value"].append(cyclic["customProperties"])
    with pytest.raises(ContractError, match="nesting deeper") as caught:
        import_odcs(cyclic)
    assert caught.value.paths == ("customProperties",)
