"""The pure manifest -> project mapping: types, tests, constraints, ephemeral models,
sources and exposures."""

from __future__ import annotations

from typing import Any

import pytest

from accord.dbt import ManifestError, map_type, parse_manifest
from tests.dbt.manifests import minimal, raw, versioned


@pytest.mark.parametrize(
    ("data_type", "adapter", "expected", "original"),
    [
        ("integer", None, "int32", None),
        ("BIGINT", None, "int64", None),
        ("int8", "postgres", "int64", None),
        ("character varying(256)", None, "varchar(256)", None),
        ("varchar", None, "string", None),
        ("text", None, "string", None),
        ("NUMBER(38,0)", "snowflake", "decimal(38, 0)", None),
        ("numeric(10, 2)", None, "decimal(10, 2)", None),
        ("numeric", "postgres", "decimal(76, 38)", None),
        ("numeric", "duckdb", "decimal(18, 3)", None),
        ("number", "snowflake", "decimal(38, 0)", None),
        ("float", "snowflake", "float64", None),
        ("float", "duckdb", "float32", None),
        ("double precision", None, "float64", None),
        ("timestamp with time zone", None, "timestamptz(6)", None),
        ("timestamp(3)", None, "timestamp(3)", None),
        ("TIMESTAMP", "bigquery", "timestamptz(6)", None),
        ("timestamp_ntz", "snowflake", "timestamp(6)", None),
        ("date", None, "date", None),
        ("boolean", None, "boolean", None),
        ("uuid", None, "string", None),
        ("jsonb", None, "json", None),
        ("variant", "snowflake", "json", None),
        ("INTEGER[]", "duckdb", "array<int32>", None),
        ("array<string>", "databricks", "array<string>", None),
        ("geography", "bigquery", "json", "geography"),
        ("STRUCT<a INT64>", "bigquery", "json", "STRUCT<a INT64>"),
        ("decimal(100,2)", None, "json", "decimal(100,2)"),
        (None, None, "json", None),
        ("  ", None, "json", None),
    ],
)
def test_type_mapping(
    data_type: str | None, adapter: str | None, expected: str, original: str | None
) -> None:
    mapped = map_type(data_type, adapter)
    assert (mapped.type, mapped.original) == (expected, original)


def _test(uid: str, target: str, name: str, column: str | None, **extra: Any) -> dict[str, Any]:
    kwargs = {"column_name": column, **extra.pop("kwargs", {})}
    return {
        "unique_id": uid,
        "resource_type": "test",
        "name": uid,
        "attached_node": target,
        "column_name": column,
        "test_metadata": {
            "name": name,
            "namespace": extra.pop("namespace", None),
            "kwargs": kwargs,
        },
        "depends_on": {"nodes": extra.pop("deps", [target])},
        "config": extra.pop("config", {}),
    }


def test_tests_become_guarantees() -> None:
    doc = minimal(
        a={"columns": {"id": {"name": "id", "data_type": "int"}, "s": {"name": "s"}}},
        b={},
    )
    tests = [
        _test("t1", "model.p.a", "not_null", "id"),
        _test("t2", "model.p.a", "unique", "id", config={"severity": "warn"}),
        _test("t3", "model.p.a", "accepted_values", "s", kwargs={"values": ["x", "y"]},
              config={"severity": "warn"}),
        _test("t4", "model.p.a", "relationships", "id", kwargs={"to": "ref('b')", "field": "id"},
              deps=["model.p.b", "model.p.a"]),
        _test("t5", "model.p.a", "not_null", "s", config={"where": "s <> ''"}),
        _test("t6", "model.p.a", "unique_combination_of_columns", None, namespace="dbt_utils",
              kwargs={"combination_of_columns": ["id", "s"]}),
        _test("t7", "model.p.a", "accepted_range", "id", namespace="dbt_utils",
              kwargs={"min_value": 0, "max_value": 10}),
        _test("t8", "model.p.a", "expect_something", "id", namespace="dbt_expectations"),
        _test("t9", "model.p.a", "not_null", "undocumented"),
        _test("t10", "model.p.a", "unique", "s", config={"enabled": False}),
    ]  # fmt: skip
    doc["nodes"].update({t["unique_id"]: t for t in tests})
    project = parse_manifest(raw(doc))
    a = project.assets["model.p.a"]
    g = a.guarantees.to_json()
    assert g == {
        "columns": {
            "id": {"not_null": True, "unique": True, "min": 0, "max": 10,
                   "relationship": {"to": "db.s.b", "field": "id"}},
            "s": {"accepted_values": ["x", "y"], "severity": "warn"},
            "undocumented": {"not_null": True},
        },
        "unique_together": [["id", "s"]],
    }  # fmt: skip
    assert a.schema is not None
    assert [c["name"] for c in a.schema["columns"]] == ["id", "s", "undocumented"]
    assert a.schema["columns"][1] == {"name": "s", "type": "json"}
    assert sorted(project.warnings) == [
        "1 test(s) not mapped to guarantees: dbt_expectations.expect_something",
        "1 test(s) not mapped to guarantees: disabled",
        "1 test(s) not mapped to guarantees: not_null with a where filter",
    ]


def test_constraints_shape_the_table_schema() -> None:
    doc = minimal(
        a={
            "columns": {
                "id": {"name": "id", "data_type": "int", "constraints": [{"type": "primary_key"}]},
                "code": {"name": "code", "data_type": "text",
                         "constraints": [{"type": "unique"}, {"type": "not_null"},
                                         {"type": "check", "expression": "length(code) = 3"}]},
                "x": {"name": "x", "data_type": "interval"},
            },
            "constraints": [{"type": "unique", "columns": ["code", "x"]}],
        }
    )  # fmt: skip
    schema = parse_manifest(raw(doc)).assets["model.p.a"].schema
    assert schema == {
        "name": "a",
        "columns": [
            {"name": "id", "type": "int32", "nullable": False},
            {"name": "code", "type": "string", "nullable": False, "checks": ["length(code) = 3"]},
            {"name": "x", "type": "json", "x-dbt-type": "interval"},
        ],
        "primary_key": ["id"],
        "unique": [["code", "x"], ["code"]],
    }


def test_ephemeral_models_are_looked_through() -> None:
    doc = minimal(
        a={},
        eph={"config": {"materialized": "ephemeral"}, "depends_on": {"nodes": ["model.p.a"]}},
        b={"depends_on": {"nodes": ["model.p.eph"]}},
    )
    doc["exposures"] = {
        "exposure.p.dash": {
            "unique_id": "exposure.p.dash",
            "name": "dash",
            "owner": {"name": "bi"},
            "depends_on": {"nodes": ["model.p.eph", "model.p.b"]},
        }
    }
    project = parse_manifest(raw(doc))
    assert sorted(project.assets) == ["model.p.a", "model.p.b"]
    assert project.assets["model.p.b"].upstream == ("model.p.a",)
    [exposure] = project.exposures
    assert exposure.reads == ("model.p.a", "model.p.b")
    assert exposure.owner_names == ("bi",)


def test_sources_with_freshness_tags_and_owners() -> None:
    doc = minimal(m={"depends_on": {"nodes": ["source.p.raw.orders"]},
                     "group": "finance", "tags": ["Finance Team", "pii"]})  # fmt: skip
    doc["groups"] = {"group.p.finance": {"name": "finance", "owner": {"name": "Finance"}}}
    doc["sources"] = {
        "source.p.raw.orders": {
            "unique_id": "source.p.raw.orders",
            "name": "orders",
            "source_name": "raw",
            "database": "lake",
            "schema": "raw data",
            "identifier": "orders_v2",
            "columns": {"loaded_at": {"name": "loaded_at", "data_type": "timestamp"}},
            "loaded_at_field": "loaded_at",
            "freshness": {"warn_after": {"count": 12, "period": "hour"},
                          "error_after": {"count": 1, "period": "day"}},
        }
    }  # fmt: skip
    project = parse_manifest(raw(doc))
    src = project.assets["source.p.raw.orders"]
    assert src.fqn == "lake.raw_data.orders_v2"
    assert src.guarantees.freshness is not None
    assert src.guarantees.freshness.max_age_seconds == 86400
    model = project.assets["model.p.m"]
    assert model.upstream == ("source.p.raw.orders",)
    assert model.tags == ["finance-team", "pii"]
    assert model.owner_names == ("Finance", "finance")


def test_versioned_models_and_schema_versions() -> None:
    project = parse_manifest(raw(versioned()))
    v1 = project.assets["model.test_project.mart_orders.v1"]
    assert v1.fqn == "test_project.main.mart_orders_v1"
    assert v1.metadata["dbt"]["version"] == "1"
    for version in (9, 10, 11, 12):
        assert parse_manifest(raw(minimal(version, a={}))).schema_version == version
    with pytest.raises(ManifestError, match="v7"):
        parse_manifest(raw(minimal(7, a={})))
