"""Each ODCS document is checked against the JSON Schema of the apiVersion it declares."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from accord.checks import ContractError
from accord.checks.odcs import import_odcs, validate_odcs
from accord.checks.odcs_export import export_odcs

# As people write them: a CSV server's `delimiter` and a `rule: nullCheck` quality rule are
# valid in ODCS v3.0.x, whose schema leaves servers and rules open, and refused by v3.1.0
# and v3.2.0, which close them.
DOC: dict[str, Any] = {
    "apiVersion": "v3.0.2",
    "kind": "DataContract",
    "id": "orders",
    "version": "1.0.0",
    "status": "active",
    "servers": [
        {
            "server": "production",
            "type": "local",
            "path": "orders.csv",
            "format": "csv",
            "delimiter": ",",
        }
    ],
    "schema": [
        {
            "name": "orders",
            "physicalType": "table",
            "properties": [
                {
                    "name": "id",
                    "logicalType": "integer",
                    "quality": [{"rule": "nullCheck", "type": "library", "mustBe": 0}],
                }
            ],
        }
    ],
}


def with_version(version: str) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    doc["apiVersion"] = version
    return doc


@pytest.mark.parametrize("version", ["v3.0.0", "v3.0.1", "v3.0.2"])
def test_fields_of_the_declared_version_are_accepted_and_kept(version: str) -> None:
    contract = import_odcs(with_version(version))
    assert contract.extensions["x-odcs"]["servers"][0]["delimiter"] == ","
    assert export_odcs(contract) == with_version(version)


@pytest.mark.parametrize("version", ["v3.1.0", "v3.2.0"])
def test_the_same_fields_are_refused_where_the_declared_version_closes_them(
    version: str,
) -> None:
    with pytest.raises(ContractError) as caught:
        validate_odcs(with_version(version))
    assert sorted(caught.value.paths) == [
        "schema.0.properties.0.quality.0",
        "schema.0.properties.0.quality.0.mustBe",
        "schema.0.properties.0.quality.0.rule",
        "servers.0.delimiter",
    ]


def test_a_v3_2_field_is_refused_in_a_v3_1_document() -> None:
    doc = with_version("v3.1.0")
    del doc["servers"][0]["delimiter"]
    doc["schema"][0]["properties"][0] = {
        "name": "id",
        "logicalType": "integer",
        "enum": [{"value": 1}],
    }
    with pytest.raises(ContractError) as caught:
        validate_odcs(doc)
    assert caught.value.paths == ("schema.0.properties.0.enum",)
    doc["apiVersion"] = "v3.2.0"
    validate_odcs(doc)


@pytest.mark.parametrize(
    ("version", "shown"),
    [("v3.3.0", "'v3.3.0'"), ("v2.2.2", "'v2.2.2'"), ("3.1.0", "'3.1.0'"), (3.1, "missing")],
)
def test_an_unknown_version_names_the_supported_ones(version: Any, shown: str) -> None:
    with pytest.raises(ContractError) as caught:
        validate_odcs(with_version(version))
    assert str(caught.value) == (
        f"unsupported ODCS apiVersion {shown}: Accord reads "
        "v3.0.0, v3.0.1, v3.0.2, v3.1.0, v3.2.0 (at apiVersion)"
    )


# A property of the standard's postgresql-adventureworks example (tests/fixtures/odcs/
# NOTICE.md): `tag` where the field is `tags`.
ADVENTUREWORKS_PROPERTY = {
    "name": "nationalidnumber",
    "logicalType": "string",
    "physicalType": "varchar[15]",
    "primaryKey": False,
    "required": False,
    "tag": ["sensitive"],
}


@pytest.mark.parametrize("version", ["v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0", "v3.2.0"])
def test_a_property_tag_is_refused_by_every_version(version: str) -> None:
    doc = with_version(version)
    del doc["servers"]
    doc["schema"][0]["properties"] = [ADVENTUREWORKS_PROPERTY]
    with pytest.raises(ContractError) as caught:
        import_odcs(doc)
    assert caught.value.paths == ("schema.0.properties.0.tag",)
    doc["schema"][0]["properties"][0] = {
        **{k: v for k, v in ADVENTUREWORKS_PROPERTY.items() if k != "tag"},
        "tags": ["sensitive"],
    }
    assert import_odcs(doc).schema.columns[0].tags == ("sensitive",)
