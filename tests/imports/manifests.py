"""Big manifests for import jobs, built from the real jaffle_shop fixture."""

from __future__ import annotations

import copy
from typing import Any

from tests.dbt.manifests import jaffle

JAFFLE_ASSETS = 8  # 3 seeds, 5 models; 5 of them have columns (a version each)
JAFFLE_EDGES = 8


def copies(n: int) -> dict[str, Any]:
    """jaffle_shop `n` times over (8n assets, 8n edges): copy k lives in schema `main_k`,
    its nodes' unique ids end in `_k` and depend on their own copy."""
    base = jaffle()
    nodes: dict[str, Any] = {}
    for k in range(n):
        rename = {uid: f"{uid}_{k}" for uid in base["nodes"]}
        for uid, node in base["nodes"].items():
            dup = copy.deepcopy(node)
            dup["unique_id"] = rename[uid]
            dup["schema"] = f"main_{k}"
            deps = dup.get("depends_on", {})
            deps["nodes"] = [rename.get(d, d) for d in deps.get("nodes", [])]
            if dup.get("attached_node"):
                dup["attached_node"] = rename[dup["attached_node"]]
            nodes[rename[uid]] = dup
    return {"metadata": base["metadata"], "nodes": nodes, "sources": {}, "exposures": {}}


BAD_SOURCE = "source.jaffle_shop.raw.events"


def with_bad_source(doc: dict[str, Any]) -> dict[str, Any]:
    """Adds a source (the last asset: sources follow nodes) whose freshness guarantee
    names a column the source does not declare: it parses, but publishing its contract
    fails (422 unknown_fields)."""
    edited = copy.deepcopy(doc)
    edited["sources"][BAD_SOURCE] = {
        "unique_id": BAD_SOURCE,
        "resource_type": "source",
        "name": "events",
        "source_name": "raw",
        "database": "jaffle_shop",
        "schema": "raw",
        "identifier": "events",
        "columns": {"id": {"name": "id", "data_type": "integer"}},
        "loaded_at_field": "_loaded_at",
        "freshness": {"error_after": {"count": 1, "period": "day"}},
    }
    return edited
