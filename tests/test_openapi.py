from __future__ import annotations

from pathlib import Path

from accord.openapi import render


def test_committed_openapi_matches_the_code(repo_root: Path) -> None:
    committed = (repo_root / "openapi.json").read_text(encoding="utf-8")
    assert committed == render(), "openapi.json is stale: run `make openapi`"


def test_every_operation_is_documented() -> None:
    import json

    doc = json.loads(render())
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("description") or op.get("summary"), (method, path)
