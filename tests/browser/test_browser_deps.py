"""tools/browser_deps.py trusts only the pinned axe-core: an altered cached copy is
never used (it would be fetched again and checked against the sha256)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from tests.browser.axe import FETCH


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("browser_deps", FETCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_the_pinned_script_counts_as_cached(tmp_path: Path, axe_js: str) -> None:
    tool = _tool()
    place = tmp_path / f"axe-core-{tool.AXE_VERSION}" / "axe.min.js"
    place.parent.mkdir()
    assert tool.cached(tmp_path) is None
    place.write_text(axe_js + "\n/* altered */", encoding="utf-8")
    assert tool.cached(tmp_path) is None
    place.write_text(axe_js, encoding="utf-8")
    assert tool.cached(tmp_path) == place
