"""The fixture manifests, and edited variants built in memory."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT = "/api/v1/imports/dbt"


def jaffle() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / "manifest_jaffle_duckdb.json").read_bytes())
    return doc


def versioned() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / "manifest_versioned_models.json").read_bytes())
    return doc


def raw(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def drop_column(doc: dict[str, Any], node: str, column: str) -> dict[str, Any]:
    edited = copy.deepcopy(doc)
    del edited["nodes"][node]["columns"][column]
    edited["nodes"] = {
        k: n
        for k, n in edited["nodes"].items()
        if not (n.get("attached_node") == node and n.get("column_name") == column)
    }
    return edited


def with_exposure(doc: dict[str, Any], owner: str, *reads: str) -> dict[str, Any]:
    edited = copy.deepcopy(doc)
    edited["exposures"] = {
        "exposure.jaffle_shop.revenue": {
            "unique_id": "exposure.jaffle_shop.revenue",
            "name": "revenue",
            "type": "dashboard",
            "owner": {"name": owner, "email": f"{owner}@example.com"},
            "depends_on": {"nodes": list(reads), "macros": []},
        }
    }
    return edited


def minimal(version: int = 12, **nodes: dict[str, Any]) -> dict[str, Any]:
    """A tiny manifest: `minimal(a={...node fields...})`."""
    built = {}
    for name, extra in nodes.items():
        uid = f"model.p.{name}"
        built[uid] = {
            "unique_id": uid,
            "resource_type": "model",
            "name": name,
            "database": "db",
            "schema": "s",
            "alias": name,
            "columns": {"id": {"name": "id", "data_type": "integer"}},
            "depends_on": {"nodes": []},
            "config": {"materialized": "table"},
            **extra,
        }
    return {
        "metadata": {
            "dbt_schema_version": f"https://schemas.getdbt.com/dbt/manifest/v{version}.json",
            "dbt_version": "1.8.0",
            "project_name": "p",
            "adapter_type": "postgres",
        },
        "nodes": built,
        "sources": {},
        "exposures": {},
    }
