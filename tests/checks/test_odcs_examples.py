"""The ODCS standard's own examples (tests/fixtures/odcs/, NOTICE.md) through Accord.

Each is in exactly one group: it round-trips (import -> export -> import gives the same
contract, and export gives the document back), it breaks the JSON Schema of the apiVersion
it declares (import refuses it and names the paths), or it is valid but has no table for an
Accord contract (import refuses it and names the ODCS path).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accord.checks import ContractError, parse_contract
from accord.checks.contract import read_document
from accord.checks.odcs import import_odcs, validate_odcs
from accord.checks.odcs_export import export_odcs

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "odcs"
# Invalid under their own apiVersion's schema -> the paths the refusal names.
REFUSED = {
    # v3.1 `exclusiveMinimum: <bound>` in a v3.0.2 document, where it is a boolean flag
    "all-data-types.odcs.yaml": [
        "schema.0.properties.1.logicalTypeOptions.exclusiveMinimum",
        "schema.0.properties.4.logicalTypeOptions.exclusiveMaximum",
    ],
    # a v3.1 `metric:` library rule in a v3.0.2 document, which requires `rule:`
    "column-completeness.odcs.yaml": ["schema.0.properties.0.quality.0"],
    "strict-schema-test-invalid.odcs.yaml": [
        "schema.0.undefinedSchemaProperty",
        "schema.0.properties.0.undefinedPropertyField",
    ],
}
# Valid, but nothing to make a table of (an Accord table has at least one column).
NO_TABLE = {
    "azure-server.odcs.yaml": "schema",
    "basic-four-dpo.odcs.yaml": "schema",
    "database-table-sla.odcs.yaml": "schema",
    "service-and-operational-roles.odcs.yaml": "schema",
    "support-channels.odcs.yaml": "schema",
    "kafka-schemaregistry.odcs.yaml": "schema.0.properties",
    "kafka-server.odcs.yaml": "schema.0.properties",
}
FILES = sorted(p.name for p in EXAMPLES.glob("*.odcs.yaml"))
ROUND_TRIPS = [f for f in FILES if f not in REFUSED and f not in NO_TABLE]
CASES = [
    (name, obj["name"])
    for name in ROUND_TRIPS
    for obj in read_document(EXAMPLES / name).get("schema") or []
]


def test_every_example_is_curated_and_credited() -> None:
    assert set(REFUSED) | set(NO_TABLE) <= set(FILES)
    assert len(ROUND_TRIPS) == 20
    assert {name for name, _ in CASES} == set(ROUND_TRIPS)
    notice = (EXAMPLES / "NOTICE.md").read_text(encoding="utf-8")
    credited = set(re.findall(r"^\| `([^`]+\.odcs\.yaml)` \|", notice, re.MULTILINE))
    assert credited == set(FILES)


@pytest.mark.parametrize(("file", "name"), CASES)
def test_an_example_round_trips(file: str, name: str) -> None:
    doc = read_document(EXAMPLES / file)
    contract = import_odcs(doc, name)
    exported = export_odcs(contract)
    validate_odcs(exported)
    assert import_odcs(exported, name) == contract
    assert exported == doc


@pytest.mark.parametrize(("file", "paths"), REFUSED.items())
def test_an_example_invalid_under_its_own_version_is_refused(file: str, paths: list[str]) -> None:
    doc = read_document(EXAMPLES / file)
    with pytest.raises(ContractError) as caught:
        import_odcs(doc)
    assert str(caught.value).startswith("invalid ODCS document: ")
    assert list(caught.value.paths) == paths


@pytest.mark.parametrize(("file", "path"), NO_TABLE.items())
def test_a_valid_example_without_a_table_is_refused_at_its_path(file: str, path: str) -> None:
    doc = read_document(EXAMPLES / file)
    validate_odcs(doc)
    with pytest.raises(ContractError) as caught:
        parse_contract(doc)
    assert caught.value.paths == (path,)
    assert "table" in str(caught.value)


def test_a_v3_2_enum_is_the_column_enum_and_is_exported() -> None:
    doc = read_document(EXAMPLES / "enum.odcs.yaml")
    contract = import_odcs(doc)
    status = contract.schema.column("status")
    assert status is not None
    assert status.enum == ("pending", "processing", "shipped", "cancelled")
    edited = contract.to_document()
    edited["schema"]["columns"][1]["enum"] = ["pending", "shipped", "lost"]
    out = export_odcs(parse_contract(edited))["schema"][0]["properties"][1]["enum"]
    assert [e["value"] for e in out] == ["pending", "shipped", "lost"]
    assert out[0]["label"] == "Pending"  # the original entry, reused
    assert out[2] == {"value": "lost"}


def test_a_native_enum_is_exported_and_read_back() -> None:
    native = {
        "format": "table",
        "schema": {"columns": [{"name": "s", "type": "string", "enum": ["a", "b"]}]},
    }
    contract = parse_contract(native)
    exported = export_odcs(contract)
    validate_odcs(exported)
    assert exported["schema"][0]["properties"][0]["enum"] == [{"value": "a"}, {"value": "b"}]
    column = import_odcs(exported).schema.column("s")
    assert column is not None
    assert column.enum == ("a", "b")


def test_an_enum_in_a_version_without_one_is_a_rule() -> None:
    doc = read_document(EXAMPLES / "full-example.odcs.yaml")  # v3.1.0
    edited = import_odcs(doc, "receivers").to_document()
    edited["schema"]["columns"][3]["enum"] = ["person", "business"]
    exported = export_odcs(parse_contract(edited))
    validate_odcs(exported)
    prop = exported["schema"][1]["properties"][3]
    assert "enum" not in prop
    assert prop["quality"] == [
        {
            "type": "library",
            "metric": "invalidValues",
            "arguments": {"validValues": ["person", "business"]},
            "mustBe": 0,
        }
    ]
    again = import_odcs(exported, "receivers")
    assert again.guarantees.columns["receiver_type"].accepted_values == ["person", "business"]
